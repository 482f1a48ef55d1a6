package ingester

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/wal/natstest"
)

// TestReplicatedWALReplacement runs the ingester's WAL as an R3 stream on a 3-node NATS
// cluster. The ingester dies (nothing flushed at the end); one NATS node is down meanwhile; a
// replacement with the same ID and no local state replays the subject and stores every
// acknowledged line exactly once.
func TestReplicatedWALReplacement(t *testing.T) {
	c := natstest.RunCluster(t, 3)
	store := newMemStore()
	cfg := testConfig()
	cfg.WAL.Replicas = 3
	cfg.ChunkRetainPeriod = 0
	h := startOn(t, c.Connect(t), store, cfg)
	var acked []string
	pushN := func(h *harness, from, n int) {
		t.Helper()
		for k := from; k < from+n; k++ {
			lbls := fmt.Sprintf(`{app="s%d"}`, k%4)
			line := fmt.Sprint("line-", k)
			var err error
			// While a stream leader is re-elected a push may fail; the client retries.
			for try := 0; try < 50; try++ {
				if err = push(t, h.ing, "t", lbls, entry(int64(k), line)); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("push %d: %v", k, err)
			}
			acked = append(acked, lbls+"|"+line)
		}
	}
	pushN(h, 0, 40)
	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Stop(1)
	pushN(h, 40, 40)
	h.nc.Close() // the ingester dies with 40 lines only in its WAL
	store.setFail(true)
	_ = h.stop()
	store.setFail(false)
	c.Restart(t, 1)

	h2 := startOn(t, c.Connect(t), store, cfg)
	if err := h2.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := store.lines("t")
	slices.Sort(acked)
	if !slices.Equal(got, acked) {
		missing, dup := diff(acked, got)
		t.Fatalf("store has %d lines, acknowledged %d; missing %d, duplicated %d", len(got), len(acked), missing, dup)
	}
}
