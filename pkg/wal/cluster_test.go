package wal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
)

// TestReplicatedWAL runs the WAL as an R3 stream on a 3-node cluster: Open waits for the meta
// leader, appends keep succeeding with one node down, and a fresh WAL with the same ID (as
// after the ingester's disk was wiped) finds the checkpoint and replays the rest. An append
// that failed (no acknowledgement while the stream elected a leader) may still have been
// stored, so a record retried after a failure may replay once per attempt: the ingester drops
// such copies on replay (services/ingester, withoutHeld). Every other record replays once.
func TestReplicatedWAL(t *testing.T) {
	c := natstest.RunCluster(t, 3)
	cfg := testConfig()
	cfg.Replicas = 3
	cfg.RequestTimeout = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := wal.Open(ctx, c.Connect(t), "ing-1", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var seqs []uint64
	attempts := map[string]int{} // records whose first append failed: how many were tried
	appendN := func(from, n int) {
		t.Helper()
		for k := from; k < from+n; k++ {
			var seq uint64
			var err error
			// A node loss may fail an append while the stream elects a new leader: the
			// caller (the ingester) refuses the push and the client retries, as here.
			for try := 0; try < 50; try++ {
				if seq, err = w.Append(ctx, rec("t", fmt.Sprint(k))); err == nil {
					if try > 0 {
						attempts[fmt.Sprint(k)] = try + 1
					}
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("append %d: %v", k, err)
			}
			seqs = append(seqs, seq)
		}
	}
	appendN(0, 10)
	if err := w.Checkpoint(ctx, seqs[5], []byte("m")); err != nil {
		t.Fatal(err)
	}
	c.Stop(2)
	appendN(10, 10)
	c.Restart(t, 2)
	_ = w.Close()

	w2, err := wal.Open(ctx, c.Connect(t), "ing-1", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	seq, meta, err := w2.LoadCheckpoint(ctx)
	if err != nil || seq != seqs[5] || string(meta) != "m" {
		t.Fatalf("checkpoint = %d %q %v, want %d", seq, meta, err, seqs[5])
	}
	seen := map[string]int{}
	if err := w2.Replay(ctx, seq, func(_ uint64, r wal.Record) error {
		seen[r.Streams[0].Entries[0].Line]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for k := 5; k < 20; k++ {
		key := fmt.Sprint(k)
		n, most := seen[key], max(1, attempts[key])
		if n < 1 || n > most {
			t.Fatalf("record %d replayed %d times, want 1..%d (all: %v, retried: %v)", k, n, most, seen, attempts)
		}
	}
	if len(seen) != 15 {
		t.Fatalf("replayed %v, want records 5..19", seen)
	}
}
