package chunk

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

var allCodecs = []Codec{CodecNone, CodecSnappy, CodecLZ4, CodecZstd, CodecGzip}

func sameEntries(t *testing.T, got, want []iter.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Timestamp != w.Timestamp || g.Line != w.Line || !labels.Equal(g.StructuredMetadata, w.StructuredMetadata) {
			t.Fatalf("entry %d: got %+v, want %+v", i, g, w)
		}
	}
}

func reversed(es []iter.Entry) []iter.Entry {
	out := slices.Clone(es)
	slices.Reverse(out)
	return out
}

func TestRoundTripCodecs(t *testing.T) {
	entries := flogEntries(1, 3000, true)
	for _, c := range allCodecs {
		t.Run(c.String(), func(t *testing.T) {
			data, meta, err := build(entries, Options{Codec: c, BlockSize: 16 << 10})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Meta() != meta {
				t.Fatalf("decoded meta %+v, built %+v", ch.Meta(), meta)
			}
			if ch.Codec() != c || ch.Blocks() < 10 {
				t.Fatalf("codec %v blocks %d", ch.Codec(), ch.Blocks())
			}
			if meta.Entries != int64(len(entries)) || meta.MinT != entries[0].Timestamp || meta.MaxT != entries[len(entries)-1].Timestamp {
				t.Fatalf("meta %+v", meta)
			}
			if meta.CompressedSize != int64(len(data)) || meta.Checksum != crc(data) {
				t.Fatalf("meta size/checksum %+v", meta)
			}
			got, err := drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, nil))
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, entries)
			got, err = drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Backward, nil))
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, reversed(entries))
		})
	}
}

func TestDefaultsAndOptions(t *testing.T) {
	f := func(opts Options, wantCodec Codec) {
		t.Helper()
		data, _, err := build(flogEntries(2, 10, false), opts)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Codec() != wantCodec {
			t.Fatalf("codec %v, want %v", ch.Codec(), wantCodec)
		}
	}
	f(Options{}, DefaultCodec)
	f(Options{Codec: CodecNone}, CodecNone)
	f(DefaultOptions(), DefaultCodec)
	if _, _, err := build(flogEntries(2, 10, false), Options{Codec: 99}); err == nil {
		t.Fatal("unknown codec accepted")
	}
	for _, c := range allCodecs {
		p, err := ParseCodec(c.String())
		if err != nil || p != c {
			t.Fatalf("ParseCodec(%q) = %v, %v", c.String(), p, err)
		}
	}
	if _, err := ParseCodec("brotli"); err == nil {
		t.Fatal("ParseCodec accepted brotli")
	}
}

func TestEmptyAndTinyChunks(t *testing.T) {
	data, meta, err := build(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Entries != 0 || ch.Blocks() != 0 || ch.Meta() != meta {
		t.Fatalf("empty chunk meta %+v blocks %d", meta, ch.Blocks())
	}
	got, err := drain(ch.Iterator(-1<<62, 1<<62, iter.Forward, nil))
	if err != nil || len(got) != 0 {
		t.Fatalf("empty chunk yields %v, %v", got, err)
	}
	// Empty lines, short lines and metadata-only differences survive.
	lvl := labels.FromStrings("detected_level", "info")
	es := []iter.Entry{{Timestamp: 5, Line: ""}, {Timestamp: 5, Line: "ab"}, {Timestamp: 6, Line: "x", StructuredMetadata: labels.FromStrings("k", "")},
		{Timestamp: 7, Line: "y", StructuredMetadata: lvl}, {Timestamp: 7, Line: "z", StructuredMetadata: lvl},
		{Timestamp: 8, Line: "w", StructuredMetadata: labels.FromStrings("detected_level", "warn")}, {Timestamp: 9, Line: "v"}, {Timestamp: 9, Line: "u", StructuredMetadata: lvl}}
	data, _, err = build(es, Options{Codec: CodecSnappy})
	if err != nil {
		t.Fatal(err)
	}
	ch, err = Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err = drain(ch.Iterator(0, 10, iter.Forward, nil))
	if err != nil {
		t.Fatal(err)
	}
	sameEntries(t, got, es)
	// Lines shorter than a gram never let a needle of 4+ bytes through, but short needles pass.
	if ch.MayContain(0, 10, []string{"abcd"}) || !ch.MayContain(0, 10, []string{"abc"}) {
		t.Fatal("short-line filter answers wrong")
	}
}

func TestOutOfOrder(t *testing.T) {
	b := NewBuilder(Options{})
	if err := b.Append(10, "a", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Append(10, "b", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Append(9, "c", nil); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("got %v, want ErrOutOfOrder", err)
	}
	if b.Entries() != 2 || b.Size() != 2 {
		t.Fatalf("entries %d size %d", b.Entries(), b.Size())
	}
	if lo, hi := b.Bounds(); lo != 10 || hi != 10 {
		t.Fatalf("bounds %d %d", lo, hi)
	}
}

func TestTimeBoundsAndDirection(t *testing.T) {
	entries := flogEntries(3, 2000, true)
	data, meta, err := build(entries, Options{BlockSize: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	span := meta.MaxT - meta.MinT
	for range 200 {
		from := meta.MinT - 10 + r.Int64N(span+20)
		through := from + r.Int64N(span/3+1)
		if r.IntN(10) == 0 { // exact entry timestamps as bounds
			from = entries[r.IntN(len(entries))].Timestamp
			through = entries[r.IntN(len(entries))].Timestamp
		}
		var want []iter.Entry
		for _, e := range entries {
			if e.Timestamp >= from && e.Timestamp < through {
				want = append(want, e)
			}
		}
		got, err := drain(ch.Iterator(from, through, iter.Forward, nil))
		if err != nil {
			t.Fatal(err)
		}
		sameEntries(t, got, want)
		got, err = drain(ch.Iterator(from, through, iter.Backward, nil))
		if err != nil {
			t.Fatal(err)
		}
		sameEntries(t, got, reversed(want))
		pre, err := ch.Prepare(from, through, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range []iter.Direction{iter.Forward, iter.Backward} {
			got, err = drain(pre.Iterator(dir))
			if err != nil {
				t.Fatal(err)
			}
			if dir == iter.Forward {
				sameEntries(t, got, want)
			} else {
				sameEntries(t, got, reversed(want))
			}
		}

		si := ch.SizeIterator(from, through)
		n := 0
		for si.Next() {
			ts, size := si.At()
			if ts != want[n].Timestamp || size != len(want[n].Line) {
				t.Fatalf("size iterator entry %d: %d %d, want %d %d", n, ts, size, want[n].Timestamp, len(want[n].Line))
			}
			n++
		}
		if si.Err() != nil || n != len(want) {
			t.Fatalf("size iterator: %d entries, want %d, err %v", n, len(want), si.Err())
		}
	}
}

func TestSizeIteratorReadsNoLines(t *testing.T) {
	entries := flogEntries(4, 1000, false)
	data, meta, err := build(entries, Options{BlockSize: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := Decode(data)
	si := ch.SizeIterator(meta.MinT, meta.MaxT+1)
	total := 0
	for si.Next() {
		_, n := si.At()
		total += n
	}
	if total != int(meta.UncompressedSize) {
		t.Fatalf("sum of sizes %d, want %d", total, meta.UncompressedSize)
	}
	st := si.Stats()
	if st.DecompressedBytes*10 > meta.UncompressedSize {
		t.Fatalf("size iterator decompressed %d bytes of %d: it read lines", st.DecompressedBytes, meta.UncompressedSize)
	}
}

func TestCorruptionDetected(t *testing.T) {
	entries := flogEntries(5, 400, true)
	for _, c := range allCodecs {
		data, meta, err := build(entries, Options{Codec: c, BlockSize: 4 << 10})
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(data)/300)
		for off := 0; off < len(data); off += step {
			for _, bit := range []byte{0x01, 0x80} {
				bad := slices.Clone(data)
				bad[off] ^= bit
				err := decodeAndDrain(bad, meta)
				var ce *CorruptionError
				if !errors.As(err, &ce) {
					t.Fatalf("%v: flipping bit %x at %d of %d: got %v, want CorruptionError", c, bit, off, len(data), err)
				}
			}
		}
		if _, err := Decode(data[:len(data)-1]); err == nil {
			t.Fatalf("%v: truncated chunk accepted", c)
		}
	}
}

func decodeAndDrain(data []byte, meta Meta) error {
	ch, err := Decode(data)
	if err != nil {
		return err
	}
	_, err = drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, nil))
	_, perr := ch.Prepare(meta.MinT, meta.MaxT+1, nil)
	if (err == nil) != (perr == nil) {
		return fmt.Errorf("iterator says %v, Prepare says %v", err, perr)
	}
	if err != nil {
		return err
	}
	// The hash column is read only by the info iterator.
	_, err = drainInfos(ch.InfoIterator(meta.MinT, meta.MaxT+1))
	return err
}

// TestIteratorKeepsNeedleLines: with required literals the iterators (direct and prepared, every
// format variant) yield exactly the entries whose line holds all of them, metadata included.
func TestIteratorKeepsNeedleLines(t *testing.T) {
	entries := flogEntries(31, 3000, true)
	for _, vc := range versionCases {
		data, meta, err := buildVersion(entries, Options{BlockSize: 8 << 10, LineHashes: vc.hashes}, vc.version)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, needles := range [][]string{{"user42"}, {"POST", "/orders/"}, {"absent-needle"}} {
			var want []iter.Entry
			for _, e := range entries {
				if strings.Contains(e.Line, needles[0]) && strings.Contains(e.Line, needles[len(needles)-1]) {
					want = append(want, e)
				}
			}
			got, err := drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, needles))
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, want)
			pre, err := ch.Prepare(meta.MinT, meta.MaxT+1, needles)
			if err != nil {
				t.Fatal(err)
			}
			got, err = drain(pre.Iterator(iter.Backward))
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, reversed(want))
		}
	}
}
