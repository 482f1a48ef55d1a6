package ingester

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
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
