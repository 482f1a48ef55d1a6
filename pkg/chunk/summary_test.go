package chunk

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestBlockSummaries(t *testing.T) {
	b := NewBuilder(Options{BlockSize: 64})
	var wantBytes [2]int64
	for i := range 40 {
		line := "line number with some bytes"
		var sm labels.Labels
		if i >= 20 {
			sm = labels.FromStrings("trace", "x")
		}
		if err := b.Append(int64(i), line, sm); err != nil {
			t.Fatal(err)
		}
		if i < 20 {
			wantBytes[0] += int64(len(line))
		}
	}
	data, meta, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	sums := c.BlockSummaries()
	if len(sums) < 2 {
		t.Fatalf("want several blocks, got %d", len(sums))
	}
	var entries int
	var plainBytes int64
	prev := int64(-1)
	for _, s := range sums {
		if s.MinT < prev || s.MaxT < s.MinT {
			t.Fatalf("summaries out of order: %+v", sums)
		}
		prev = s.MaxT
		entries += s.Entries
		if s.HasMetadata != (s.LineBytes < 0) {
			t.Fatalf("LineBytes must be -1 exactly for blocks with metadata: %+v", s)
		}
		if !s.HasMetadata {
			plainBytes += s.LineBytes
		}
	}
	if int64(entries) != meta.Entries {
		t.Fatalf("entries %d, meta says %d", entries, meta.Entries)
	}
	// Blocks cut before entry 20 hold no metadata; the block holding entry 20 does.
	if plainBytes > wantBytes[0] || plainBytes == 0 {
		t.Fatalf("plain blocks' line bytes %d, want in (0, %d]", plainBytes, wantBytes[0])
	}
}

func TestInfoIteratorSkipHashes(t *testing.T) {
	b := NewBuilder(Options{BlockSize: 64})
	for i := range 30 {
		var sm labels.Labels
		if i%2 == 0 {
			sm = labels.FromStrings("detected_level", "info")
		}
		if err := b.Append(int64(i), "some line", sm); err != nil {
			t.Fatal(err)
		}
	}
	c := finishDecode(t, b)
	full, skip := c.InfoIterator(0, 100), c.InfoIterator(0, 100).SkipHashes()
	n := 0
	for full.Next() {
		if !skip.Next() {
			t.Fatal("SkipHashes yields fewer entries")
		}
		a, b := full.At(), skip.At()
		if n%3 == 0 { // on demand, some entries only
			if h, err := skip.Hash(); err != nil || h != a.LineHash {
				t.Fatalf("entry %d: Hash() = %x, %v; want %x", n, h, err, a.LineHash)
			}
		}
		if b.LineHash != 0 || a.Timestamp != b.Timestamp || a.LineLen != b.LineLen || !labels.Equal(a.StructuredMetadata, b.StructuredMetadata) {
			t.Fatalf("entry %d: %+v, want %+v without hash", n, b, a)
		}
		n++
	}
	if skip.Next() || n != 30 || full.Err() != nil || skip.Err() != nil {
		t.Fatalf("n %d, errs %v %v", n, full.Err(), skip.Err())
	}
	if s := c.InfoIterator(0, 100).SkipHashes(); drainInfo(s) && s.Stats().DecompressedBytes >= full.Stats().DecompressedBytes {
		t.Fatalf("SkipHashes decompressed %d bytes, the full iterator %d", s.Stats().DecompressedBytes, full.Stats().DecompressedBytes)
	}
}

func drainInfo(it *InfoIterator) bool {
	for it.Next() {
	}
	return it.Err() == nil
}

// finishDecode finishes b and decodes the chunk it built.
func finishDecode(t *testing.T, b *Builder) *Chunk {
	t.Helper()
	data, _, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
