package chunk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/loggen"
)

// FuzzDecode checks that no input makes Decode or an iterator panic, and that whatever they
// accept is self-consistent.
func FuzzDecode(f *testing.F) {
	for _, c := range allCodecs {
		data, _, err := build(flogEntries(8, 40, true), Options{Codec: c, BlockSize: 1 << 10})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, vc := range versionCases {
		old, _, err := buildVersion(flogEntries(8, 40, true), Options{BlockSize: 1 << 10, LineHashes: vc.hashes}, vc.version)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(old)
	}
	empty, _, _ := build(nil, Options{})
	f.Add(empty)
	f.Add([]byte("SKCH"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
		// Reseal the directory checksum so that mutations reach the structural checks behind it.
		if len(data) >= headerSize+trailerSize {
			data = append([]byte(nil), data...)
			tr := data[len(data)-trailerSize:]
			off := binary.LittleEndian.Uint64(tr)
			if off >= headerSize && off < uint64(len(data)-trailerSize) {
				binary.LittleEndian.PutUint32(tr[8:], dirChecksum(data[:headerSize], data[off:len(data)-trailerSize]))
				checkDecode(t, data)
			}
		}
	})
}

func checkDecode(t *testing.T, data []byte) {
	if len(data) >= headerSize {
		// The directory-only path must agree with Decode on what it accepts.
		_, derr := DecodeDirectory(data[:headerSize], data, int64(len(data)))
		_, ferr := Decode(data)
		if (derr == nil) != (ferr == nil) {
			t.Fatalf("DecodeDirectory says %v, Decode says %v", derr, ferr)
		}
		if len(data) > 2*trailerSize {
			_, _ = DecodeDirectory(data[:headerSize], data[len(data)/2:], int64(len(data)))
		}
	}
	ch, err := Decode(data)
	if err != nil {
		var ce *CorruptionError
		if !errors.As(err, &ce) {
			t.Fatalf("Decode error %v is not a CorruptionError", err)
		}
		return
	}
	{
		meta := ch.Meta()
		for _, dir := range []iter.Direction{iter.Forward, iter.Backward} {
			it := ch.Iterator(meta.MinT, meta.MaxT+1, dir, []string{"abc"})
			prev, n := int64(0), 0
			for it.Next() {
				e := it.At()
				if e.Timestamp < meta.MinT || e.Timestamp > meta.MaxT {
					t.Fatalf("entry at %d outside [%d, %d]", e.Timestamp, meta.MinT, meta.MaxT)
				}
				if n > 0 && ((dir == iter.Forward && e.Timestamp < prev) || (dir == iter.Backward && e.Timestamp > prev)) {
					t.Fatal("entries out of order")
				}
				prev = e.Timestamp
				n++
			}
			if it.Err() == nil && int64(n) > meta.Entries {
				t.Fatalf("%d entries, meta says %d", n, meta.Entries)
			}
		}
		si := ch.SizeIterator(meta.MinT, meta.MaxT+1)
		for si.Next() {
			si.At()
		}
		ii := ch.InfoIterator(meta.MinT, meta.MaxT+1)
		n := int64(0)
		for ii.Next() {
			if info := ii.At(); info.Timestamp < meta.MinT || info.Timestamp > meta.MaxT {
				t.Fatalf("info at %d outside [%d, %d]", info.Timestamp, meta.MinT, meta.MaxT)
			}
			n++
		}
		if ii.Err() == nil && n > meta.Entries {
			t.Fatalf("%d infos, meta says %d", n, meta.Entries)
		}
	}
}

// TestDecodeMutations runs the fuzz body over random mutations of valid chunks, so the property
// is exercised in every test run, not only under -fuzz.
func TestDecodeMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range allCodecs {
		data, _, err := build(flogEntries(8, 60, true), Options{Codec: c, BlockSize: 1 << 10})
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			m := append([]byte(nil), data...)
			for range 1 + r.IntN(4) {
				m[r.IntN(len(m))] = byte(r.Uint32())
			}
			if r.IntN(4) == 0 {
				m = m[:r.IntN(len(m))]
			}
			checkDecode(t, m)
			// Resealed, so the mutation reaches the structural checks and the column CRCs.
			if len(m) >= headerSize+trailerSize {
				tr := m[len(m)-trailerSize:]
				off := binary.LittleEndian.Uint64(tr)
				if off >= headerSize && off < uint64(len(m)-trailerSize) {
					binary.LittleEndian.PutUint32(tr[8:], dirChecksum(m[:headerSize], m[off:len(m)-trailerSize]))
					checkDecode(t, m)
				}
			}
		}
	}
}

// shapeSeedLines are lines of the shapes the tokenizer handles: JSON, logfmt, Apache, a
// timestamp copy, hex, numbers, dictionary values, escapes and slot bytes.
var shapeSeedLines = []string{
	`{"ts":"2026-11-25T17:08:16.016Z","level":"info","status":200,"path":"/api/v1/users/12345","client":"10.1.2.3","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"ok"}`,
	`ts=2026-11-25T17:08:16.016Z level=warn status=429 duration=12ms msg="slow \"request\""`,
	`10.1.2.3 - alice [25/Nov/2026:17:08:16 +0000] "GET /api/v1/items/7?trace_id=00ff HTTP/1.1" 200 5120`,
	"{\"a\":\"\x01\",\"b\":007,\"c\":\"unterminated",
	`plain text without values`,
	`{"n":-1.5e3,"e":"","k" : "v","arr":[1,2,"x"]}`,
}

// FuzzShapeRoundTrip checks that any block of lines comes back byte for byte through the
// shape split, whatever the tokenizer makes of them.
func FuzzShapeRoundTrip(f *testing.F) {
	for _, l := range shapeSeedLines {
		f.Add(l, int64(1_764_000_000_016_000_000))
	}
	f.Fuzz(func(t *testing.T, text string, ts int64) {
		lines := strings.Split(text, "\n")
		// Repeat the lines so that shapes and dictionaries see repeats.
		for len(lines) < 16 {
			lines = append(lines, lines...)
		}
		checkShapeGrams(t, lines, ts)
		b := NewBuilder(Options{BlockSize: 1 << 20})
		for i, l := range lines {
			if err := b.Append(ts+int64(i), l, nil); err != nil {
				t.Fatal(err)
			}
		}
		data, meta, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		ch, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, nil))
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range got {
			if e.Line != lines[i] || e.Timestamp != ts+int64(i) {
				t.Fatalf("entry %d: %q at %d, want %q at %d", i, e.Line, e.Timestamp, lines[i], ts+int64(i))
			}
		}
		if len(got) != len(lines) {
			t.Fatalf("%d entries, want %d", len(got), len(lines))
		}
	})
}

// FuzzDecodeLines feeds damaged shaped-lines columns straight to their decoder (in a chunk the
// column checksum stops them first): errors, never a panic.
func FuzzDecodeLines(f *testing.F) {
	lines := append(slices.Clone(shapeSeedLines), shapeSeedLines...)
	// Enough lines of a few shapes for every column kind: dictionaries, split decimals,
	// numbers, hex.
	g, err := loggen.NewGenerator(3, 2, loggen.FormatJSON)
	if err != nil {
		f.Fatal(err)
	}
	for range 200 {
		lines = append(lines, g.Next(1_764_000_000_016_000_000+int64(len(lines))).Line)
	}
	for _, e := range flogEntries(3, 100, false) {
		lines = append(lines, e.Line)
	}
	ts := make([]int64, len(lines))
	lens := make([]int, len(lines))
	size := 0
	for i, l := range lines {
		ts[i] = 1_764_000_000_016_000_000 + int64(i)
		lens[i] = len(l)
		size += len(l)
	}
	for _, c := range []Codec{CodecNone, CodecZstd} {
		e := shapeEncoders.Get().(*shapeEncoder)
		e.reset()
		var all []byte
		for i, l := range lines {
			e.add([]byte(l), ts[i], &gramSet{})
			all = append(all, l...)
		}
		src, err := e.encode(c, all)
		if err != nil {
			f.Fatal(err)
		}
		if out, _, err := decodeLines(c, src, size, lens, ts, nil); err != nil || string(out) != string(all) {
			f.Fatalf("%v seed does not round-trip: %v", c, err)
		}
		if e.shaped < len(lines)/2 || !bytes.Contains(e.frame0(), []byte{slotTime}) {
			f.Fatalf("%v seed: %d of %d lines shaped", c, e.shaped, len(lines))
		}
		f.Add(src, uint8(c))
	}
	f.Fuzz(func(t *testing.T, src []byte, codec uint8) {
		c := CodecNone
		if codec%2 == 1 {
			c = CodecZstd
		}
		out, _, err := decodeLines(c, src, size, lens, ts, nil)
		if err == nil && len(out) != size {
			t.Fatalf("%d bytes, want %d", len(out), size)
		}
		// With a needle, the kept lines are the rebuilt lines that hold it: a common one (every
		// line rebuilt) and rarer ones (candidates found in text, hex and number columns).
		for _, needle := range []string{"a", "users/1", "4bf9", "10.1", "info"} {
			kept, keep, ferr := decodeLines(c, src, size, lens, ts, []string{needle})
			if (ferr == nil) != (err == nil) && ferr != nil {
				t.Fatalf("filtered decode (%q) fails (%v) where the full one does not", needle, ferr)
			}
			if err == nil && ferr == nil {
				want, wantKeep := filterLines(slices.Clone(out), lens, []string{needle})
				if string(kept) != string(want) || !slices.Equal(keep, wantKeep) {
					t.Fatalf("filtered decode (%q) differs from filtering the full one", needle)
				}
			}
		}
	})
}

// checkShapeGrams checks that the grams the shape split adds (literal runs once per shape,
// the rest per line) are exactly the grams of the lines.
func checkShapeGrams(t *testing.T, lines []string, ts int64) {
	t.Helper()
	var all, shaped gramSet
	e := &shapeEncoder{ids: map[string]int{}}
	e.reset()
	for i, l := range lines {
		all.addLine(l)
		e.add([]byte(l), ts+int64(i), &shaped)
	}
	a, s := slices.Sorted(slices.Values(all.list)), slices.Sorted(slices.Values(shaped.list))
	if !slices.Equal(a, s) {
		t.Fatalf("shape split found %d distinct grams, the lines hold %d", len(s), len(a))
	}
}

func TestShapeGrams(t *testing.T) {
	var lines []string
	for _, e := range flogEntries(5, 2000, false) {
		lines = append(lines, e.Line)
	}
	checkShapeGrams(t, append(lines, shapeSeedLines...), 1_764_000_000_016_000_000)
}

// frame0 returns the templates and shape ids of the last encode, uncompressed.
func (e *shapeEncoder) frame0() []byte {
	var b []byte
	for _, t := range e.shapes {
		b = append(b, t...)
	}
	return b
}
