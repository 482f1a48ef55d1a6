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
