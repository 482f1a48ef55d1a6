package chunk

import (
	"math/rand/v2"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

func buildVersion(entries []iter.Entry, opts Options, version byte) ([]byte, Meta, error) {
	b := newBuilderVersion(opts, version)
	for _, e := range entries {
		if err := b.Append(e.Timestamp, e.Line, e.StructuredMetadata); err != nil {
			return nil, Meta{}, err
		}
	}
	return b.Finish()
}

func drainInfos(it *InfoIterator) ([]LineInfo, error) {
	var out []LineInfo
	for it.Next() {
		out = append(out, it.At())
	}
	return out, it.Err()
}

// versionCases are the format variants a reader must handle: version 1 (no hash column),
// version 2 (hashes), version 3 (unsalted filters) and version 4, with and without hashes.
var versionCases = []struct {
	version byte
	hashes  bool
}{{formatVersionNoHashes, false}, {formatVersionHashes, true}, {formatVersionShaped, false}, {formatVersionShaped, true}, {formatVersion, false}, {formatVersion, true}}

// TestInfoIterator checks every field of LineInfo against the entries, over random time
// ranges, every codec and every format variant (without a hash column the iterator hashes the
// lines instead, with the same result).
func TestInfoIterator(t *testing.T) {
	entries := flogEntries(21, 1500, true)
	r := rand.New(rand.NewPCG(21, 22))
	for _, vc := range versionCases {
		version := vc.version
		for _, codec := range allCodecs {
			data, meta, err := buildVersion(entries, Options{Codec: codec, BlockSize: 8 << 10, LineHashes: vc.hashes}, version)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := Decode(data)
			if err != nil {
				t.Fatalf("v%d %v: %v", version, codec, err)
			}
			if ch.HasLineHashes() != vc.hashes {
				t.Fatalf("v%d: HasLineHashes %v", version, ch.HasLineHashes())
			}
			// The entry iterator reads old chunks unchanged.
			got, err := drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, nil))
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, got, entries)
			span := meta.MaxT - meta.MinT
			for range 20 {
				from := meta.MinT - 10 + r.Int64N(span+20)
				through := from + r.Int64N(span/2+1)
				infos, err := drainInfos(ch.InfoIterator(from, through))
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, e := range entries {
					if e.Timestamp < from || e.Timestamp >= through {
						continue
					}
					if n >= len(infos) {
						t.Fatalf("v%d %v [%d,%d): %d infos, want more", version, codec, from, through, len(infos))
					}
					want := LineInfo{Timestamp: e.Timestamp, LineLen: len(e.Line), LineHash: xxhash.Sum64String(e.Line), StructuredMetadata: e.StructuredMetadata}
					g := infos[n]
					if g.Timestamp != want.Timestamp || g.LineLen != want.LineLen || g.LineHash != want.LineHash || !labels.Equal(g.StructuredMetadata, want.StructuredMetadata) {
						t.Fatalf("v%d %v info %d: %+v, want %+v", version, codec, n, g, want)
					}
					n++
				}
				if n != len(infos) {
					t.Fatalf("v%d %v: %d infos, want %d", version, codec, len(infos), n)
				}
			}
		}
	}
}

// TestInfoIteratorReadsNoLines: over a version 2 chunk the iterator decompresses timestamps,
// lengths and hashes (and metadata), never the lines.
func TestInfoIteratorReadsNoLines(t *testing.T) {
	f := func(version byte, withMeta bool, wantLines bool) {
		t.Helper()
		entries := flogEntries(4, 1000, withMeta)
		data, meta, err := buildVersion(entries, Options{BlockSize: 8 << 10, LineHashes: !wantLines}, version)
		if err != nil {
			t.Fatal(err)
		}
		ch, _ := Decode(data)
		it := ch.InfoIterator(meta.MinT, meta.MaxT+1)
		if _, err := drainInfos(it); err != nil {
			t.Fatal(err)
		}
		var lineBytes, metaBytes int64
		for _, m := range ch.blocks {
			lineBytes += int64(m.rawLen[colLines])
			metaBytes += int64(m.rawLen[colMeta])
		}
		st := it.Stats()
		readLines := st.DecompressedBytes >= lineBytes
		if readLines != wantLines {
			t.Fatalf("v%d meta=%v: decompressed %d bytes (lines are %d): read lines %v, want %v", version, withMeta, st.DecompressedBytes, lineBytes, readLines, wantLines)
		}
		if st.StructuredMetadataBytes != metaBytes || (withMeta && metaBytes == 0) {
			t.Fatalf("metadata bytes %d, want %d", st.StructuredMetadataBytes, metaBytes)
		}
		if st.DecompressedLines != meta.Entries {
			t.Fatalf("decompressed lines %d, want %d", st.DecompressedLines, meta.Entries)
		}
	}
	f(formatVersionHashes, false, false)
	f(formatVersionHashes, true, false)
	f(formatVersion, false, false)
	f(formatVersion, true, false)
	f(formatVersion, false, true)
	f(formatVersionNoHashes, false, true)
}

// TestInfoIteratorWithBlocks: a chunk read by range (directory, then some blocks) serves the
// loaded blocks and reports the others as an error.
func TestInfoIteratorWithBlocks(t *testing.T) {
	entries := flogEntries(9, 800, false)
	data, meta, err := build(entries, Options{BlockSize: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := DecodeDirectory(data[:headerSize], data, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drainInfos(dc.InfoIterator(meta.MinT, meta.MaxT+1)); err == nil {
		t.Fatal("no error reading blocks that were not loaded")
	}
	need := dc.NeededBlocks(meta.MinT, meta.MaxT+1, nil)
	blocks := map[int][]byte{}
	for _, br := range need {
		blocks[br.Index] = data[br.Offset : br.Offset+br.Len]
	}
	wc, err := dc.WithBlocks(blocks)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := drainInfos(wc.InfoIterator(meta.MinT, meta.MaxT+1))
	if err != nil || len(infos) != len(entries) {
		t.Fatalf("%d infos, err %v; want %d", len(infos), err, len(entries))
	}
}
