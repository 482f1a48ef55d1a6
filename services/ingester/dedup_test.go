package ingester

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// TestRetriedPushStoredOnce: a retried push (after a timeout, or re-sent to a replica that got
// the first attempt) carries entries the stream already holds, in its head or in a chunk still
// in memory; they are dropped, so each line is stored once.
func TestRetriedPushStoredOnce(t *testing.T) {
	cfg := testConfig()
	cfg.ChunkRetainPeriod = time.Hour
	store := newMemStore()
	h := start(t, natstest.RunServer(t), store, cfg)
	lbls := `{app="a"}`
	if err := push(t, h.ing, "t", lbls, entry(1, "a"), entry(2, "b")); err != nil {
		t.Fatal(err)
	}
	if err := h.ing.Flush(context.Background()); err != nil { // a and b now in a retained chunk
		t.Fatal(err)
	}
	if err := push(t, h.ing, "t", lbls, entry(3, "c")); err != nil {
		t.Fatal(err)
	}
	// The retry of both pushes, plus one new line with a held timestamp.
	if err := push(t, h.ing, "t", lbls, entry(1, "a"), entry(2, "b"), entry(3, "c"), entry(2, "b2")); err != nil {
		t.Fatal(err)
	}
	// Check what is stored, not a query: query merges would hide copies.
	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := store.lines("t")
	want := []string{lbls + "|a", lbls + "|b", lbls + "|b2", lbls + "|c"}
	if !slices.Equal(got, want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
	if got := queryLines(t, h.ing, "t", lbls, 0, 10, 0, iter.Forward); len(got) != 4 {
		t.Fatalf("query returned %q", got)
	}
}

// TestHeldReadsOnlyTimestamps: a push that lands inside the time range of a stream's
// compressed head segments without repeating any of their timestamps (concurrent batches of one
// stream do this all the time) is checked on the segments' timestamp columns alone: no segment
// is decompressed. A repeated entry is still found.
func TestHeldReadsOnlyTimestamps(t *testing.T) {
	cfg := testConfig()
	cfg.HeadBlockSize = 4 << 10 // many small segments
	h := start(t, natstest.RunServer(t), newMemStore(), cfg)
	lbls := `{app="a"}`
	var es []*logproto.EntryAdapter
	for k := range 2000 {
		es = append(es, entry(int64(10*(k+1)), fmt.Sprintf("line %d of a stream with enough bytes to fill segments", k)))
	}
	if err := push(t, h.ing, "t", lbls, es...); err != nil {
		t.Fatal(err)
	}
	s := h.ing.tenant("t", false).lookup(lbls)
	if s == nil || len(s.headSegs) == 0 {
		t.Fatal("no head segments to test")
	}
	s.mu.RLock()
	maxT := s.maxT
	s.mu.RUnlock()
	between := []*logproto.EntryAdapter{entry(15, "x"), entry(10005, "y"), entry(19995, "z")}
	allocs := testing.AllocsPerRun(20, func() {
		if got := s.held(between, maxT, true); got != nil {
			t.Fatalf("held %v", got)
		}
	})
	if allocs > 40 {
		t.Fatalf("%.0f allocations to check 3 entries that share no timestamp: segments decompressed", allocs)
	}
	if got := s.held([]*logproto.EntryAdapter{entry(10, "line 0 of a stream with enough bytes to fill segments")}, maxT, true); len(got) != 1 || !got[0] {
		t.Fatalf("repeated first entry not found: %v", got)
	}
}
