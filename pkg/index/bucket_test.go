package index

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/objstore"
)

func TestSegmentsInBucket(t *testing.T) {
	ctx := context.Background()
	bkt, err := objstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ls := labels.FromStrings("app", "api")
	var want []Segment
	for _, seg := range []Segment{
		{Period: 7, Tenant: "fake", Writer: "ingester-0", Seq: 2},
		{Period: 7, Tenant: "fake", Writer: "ingester-0", Seq: 1},
		{Period: 7, Tenant: "fake", Writer: "ingester-1", Seq: 1},
		{Period: 7, Tenant: "fake2", Writer: "ingester-0", Seq: 1}, // another tenant
		{Period: 8, Tenant: "fake", Writer: "ingester-0", Seq: 1},  // another period
	} {
		w := NewWriter()
		w.Add(ls, ChunkRef{From: int64(seg.Seq), Through: 10, Key: "c/" + seg.Writer})
		data, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := UploadSegment(ctx, bkt, seg, data); err != nil {
			t.Fatal(err)
		}
		if seg.Period == 7 && seg.Tenant == "fake" {
			want = append(want, seg)
		}
	}
	if err := bkt.Upload(ctx, "index/7/fake/notes.txt", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	segs, err := ListSegments(ctx, bkt, "fake", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 || segs[0].Seq != 1 || segs[1].Seq != 2 || segs[2].Writer != "ingester-1" {
		t.Fatalf("ListSegments = %+v", segs)
	}
	var readers []*Reader
	for _, seg := range segs {
		r, err := ReadSegment(ctx, bkt, seg)
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, r)
	}
	s, err := NewMultiReader(readers...).Series(nil, 0, 100)
	if err != nil || len(s) != 1 || len(s[0].Chunks) != 3 {
		t.Fatalf("Series over the listed segments = %+v, %v", s, err)
	}
	if _, err := ReadSegment(ctx, bkt, Segment{Period: 9, Tenant: "fake", Writer: "x"}); !objstore.IsNotFound(err) {
		t.Errorf("reading a missing segment: err = %v, want not found", err)
	}
	// A damaged object is a CorruptionError naming the key.
	key, _ := SegmentKey(Segment{Period: 7, Tenant: "fake", Writer: "broken"})
	if err := bkt.Upload(ctx, key, strings.NewReader("SKIXgarbage"), 11); err != nil {
		t.Fatal(err)
	}
	_, err = ReadSegment(ctx, bkt, Segment{Period: 7, Tenant: "fake", Writer: "broken"})
	var ce *CorruptionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), key) {
		t.Errorf("reading a damaged segment: err = %v", err)
	}
}
