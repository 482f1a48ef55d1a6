package wal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

func testConfig() wal.Config {
	c := wal.DefaultConfig()
	c.RequestTimeout = 5 * time.Second
	return c
}

func openWAL(t testing.TB, s *server.Server, id string) *wal.WAL {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := wal.Open(ctx, natstest.Connect(t, s), id, testConfig(), nil)
	if err != nil {
		t.Fatalf("open wal: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func rec(tenant, line string) wal.Record {
	return wal.Record{Tenant: tenant, Streams: []*logproto.StreamAdapter{{
		Labels:  `{app="a"}`,
		Entries: []*logproto.EntryAdapter{{Timestamp: timestamppb.New(time.Unix(0, 1)), Line: line}},
	}}}
}

type replayed struct {
	seq    uint64
	tenant string
	line   string
}

func replayAll(t *testing.T, w *wal.WAL, from uint64) []replayed {
	t.Helper()
	var out []replayed
	err := w.Replay(context.Background(), from, func(seq uint64, r wal.Record) error {
		for _, s := range r.Streams {
			for _, e := range s.Entries {
				out = append(out, replayed{seq, r.Tenant, e.Line})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return out
}

func TestAppendReplayCheckpoint(t *testing.T) {
	s := natstest.RunServer(t)
	w := openWAL(t, s, "ing-1")
	ctx := context.Background()
	var seqs []uint64
	for i := range 5 {
		seq, err := w.Append(ctx, rec("t1", fmt.Sprint("line", i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
			t.Fatalf("sequence %d not above %d", seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, seq)
	}
	got := replayAll(t, w, 0)
	if len(got) != 5 {
		t.Fatalf("replayed %d records, want 5: %v", len(got), got)
	}
	for i, g := range got {
		if g.seq != seqs[i] || g.tenant != "t1" || g.line != fmt.Sprint("line", i) {
			t.Fatalf("record %d = %+v, want seq %d line%d", i, g, seqs[i], i)
		}
	}
	if err := w.Checkpoint(ctx, seqs[3], []byte("meta")); err != nil {
		t.Fatal(err)
	}
	seq, meta, err := w.LoadCheckpoint(ctx)
	if err != nil || seq != seqs[3] || string(meta) != "meta" {
		t.Fatalf("LoadCheckpoint = %d, %q, %v; want %d, meta", seq, meta, err, seqs[3])
	}
	// Purged below the checkpoint: even a replay from 0 starts at the checkpoint.
	got = replayAll(t, w, 0)
	if len(got) != 2 || got[0].line != "line3" || got[1].line != "line4" {
		t.Fatalf("after checkpoint replayed %v, want line3, line4", got)
	}
	if err := w.Checkpoint(ctx, seqs[1], nil); err == nil {
		t.Fatal("checkpoint below the current one accepted")
	}
	// A second ingester on the same stream sees only its own subject.
	w2 := openWAL(t, s, "ing-2")
	if got := replayAll(t, w2, 0); len(got) != 0 {
		t.Fatalf("other WAL replayed %v", got)
	}
	if seq, _, _ := w2.LoadCheckpoint(ctx); seq != 0 {
		t.Fatalf("other WAL checkpoint = %d", seq)
	}
}

func TestConcurrentAppendsGroupCommit(t *testing.T) {
	s := natstest.RunServer(t)
	w := openWAL(t, s, "ing-1")
	const writers, each = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := w.Append(context.Background(), rec("t", fmt.Sprintf("%d-%d", g, i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := replayAll(t, w, 0)
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g.line] {
			t.Fatalf("duplicate %s", g.line)
		}
		seen[g.line] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("replayed %d distinct records, want %d", len(seen), writers*each)
	}
	st := w.Stats()
	if st.Appends.Load() != writers*each {
		t.Fatalf("appends = %d", st.Appends.Load())
	}
	if st.Batches.Load() >= st.Appends.Load() {
		t.Errorf("no group commit: %d batches for %d appends", st.Batches.Load(), st.Appends.Load())
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	s := natstest.RunServerInDir(t, dir)
	w := openWAL(t, s, "ing-1")
	ctx := context.Background()
	first, err := w.Append(ctx, rec("t", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append(ctx, rec("t", "b")); err != nil {
		t.Fatal(err)
	}
	if err := w.Checkpoint(ctx, first+1, []byte("m")); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	natstest.Shutdown(s)

	s2 := natstest.RunServerInDir(t, dir)
	w2 := openWAL(t, s2, "ing-1")
	seq, meta, err := w2.LoadCheckpoint(ctx)
	if err != nil || seq != first+1 || string(meta) != "m" {
		t.Fatalf("checkpoint after restart = %d %q %v", seq, meta, err)
	}
	got := replayAll(t, w2, seq)
	if len(got) != 1 || got[0].line != "b" {
		t.Fatalf("replayed after restart %v, want b", got)
	}
	// Appends continue above the old sequences.
	next, err := w2.Append(ctx, rec("t", "c"))
	if err != nil || next <= got[0].seq {
		t.Fatalf("append after restart = %d, %v", next, err)
	}
}

func TestAppendErrors(t *testing.T) {
	s := natstest.RunServer(t)
	w := openWAL(t, s, "ing-1")
	big := rec("t", string(make([]byte, w.MaxRecordBytes()+1)))
	if _, err := w.Append(context.Background(), big); err == nil {
		t.Fatal("oversized record accepted")
	}
	_ = w.Close()
	if _, err := w.Append(context.Background(), rec("t", "x")); err != wal.ErrClosed {
		t.Fatalf("append after close: %v", err)
	}
	if _, err := wal.Open(context.Background(), natstest.Connect(t, s), "bad.id", testConfig(), nil); err == nil {
		t.Fatal("id with a dot accepted")
	}
}

func TestReplayStopsOnCallbackError(t *testing.T) {
	s := natstest.RunServer(t)
	w := openWAL(t, s, "ing-1")
	for i := range 3 {
		if _, err := w.Append(context.Background(), rec("t", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	err := w.Replay(context.Background(), 0, func(uint64, wal.Record) error {
		n++
		return fmt.Errorf("stop")
	})
	if err == nil || n != 1 {
		t.Fatalf("replay = %v after %d calls", err, n)
	}
}

func TestAppendApplyOrderAndHooks(t *testing.T) {
	s := natstest.RunServer(t)
	w := openWAL(t, s, "ing-1")
	var (
		mu      sync.Mutex
		applied []uint64
		inBatch bool
		bad     string
	)
	w.SetBatchHooks(func(uint64) {
		mu.Lock()
		inBatch = true
		mu.Unlock()
	}, func(uint64) {
		mu.Lock()
		inBatch = false
		mu.Unlock()
	})
	data, err := wal.EncodeRecord(nil, rec("t", "x"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				done := false
				seq, err := w.AppendApply(context.Background(), data, func(seq uint64) {
					mu.Lock()
					defer mu.Unlock()
					if !inBatch {
						bad = "apply outside batch hooks"
					}
					applied = append(applied, seq)
					done = true
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if !done {
					bad = fmt.Sprintf("append of %d returned before apply", seq)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if bad != "" {
		t.Fatal(bad)
	}
	if len(applied) != 320 {
		t.Fatalf("applied %d records", len(applied))
	}
	for i := 1; i < len(applied); i++ {
		if applied[i] < applied[i-1] {
			t.Fatalf("apply order %d after %d", applied[i], applied[i-1])
		}
	}
}

// TestReplayMixedCompression: a WAL written with and without compression (the setting changed
// between restarts) replays every batch; a line s2 shrinks is stored compressed, one it cannot
// shrink as it is.
func TestReplayMixedCompression(t *testing.T) {
	s := natstest.RunServer(t)
	ctx := context.Background()
	long := strings.Repeat("compressible log line ", 200)
	var want []string
	for k, compress := range []bool{true, false, true} {
		cfg := testConfig()
		cfg.Compress = compress
		w, err := wal.Open(ctx, natstest.Connect(t, s), "ing-1", cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{fmt.Sprint(k, long), fmt.Sprint(k)} {
			if _, err := w.Append(ctx, rec("t", line)); err != nil {
				t.Fatal(err)
			}
			want = append(want, line)
		}
		if k == 0 {
			if st := w.Stats(); st.Bytes.Load() >= uint64(len(long)) {
				t.Fatalf("%d bytes published for a %d-byte line s2 shrinks", st.Bytes.Load(), len(long))
			}
		}
		_ = w.Close()
	}
	w := openWAL(t, s, "ing-1")
	got := replayAll(t, w, 0)
	if len(got) != len(want) {
		t.Fatalf("replayed %d records, want %d", len(got), len(want))
	}
	for k := range got {
		if got[k].line != want[k] {
			t.Fatalf("record %d = %.20q, want %.20q", k, got[k].line, want[k])
		}
	}
}

// TestFullCheckpointFreesDisk: a checkpoint past every record, with no flush marks, leaves the
// stream's files a few bytes (the purged records' block goes), keeps LoadCheckpoint's answer,
// and records appended afterwards replay.
func TestFullCheckpointFreesDisk(t *testing.T) {
	dir := t.TempDir()
	s := natstest.RunServerInDir(t, dir)
	w := openWAL(t, s, "ing-1")
	ctx := context.Background()
	var last uint64
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		line := make([]byte, 50<<10)
		for k := range line {
			line[k] = 'a' + byte(r.IntN(26)) // incompressible enough for the batches' s2
		}
		seq, err := w.Append(ctx, rec("t", string(line)))
		if err != nil {
			t.Fatal(err)
		}
		last = seq
	}
	blocks := func() int64 {
		var n int64
		_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && filepath.Ext(p) == ".blk" {
				n += fi.Size()
			}
			return nil
		})
		return n
	}
	if b := blocks(); b < 1<<20 {
		t.Fatalf("%d bytes of blocks before the checkpoint", b)
	}
	if err := w.Checkpoint(ctx, last+1, nil); err != nil {
		t.Fatal(err)
	}
	if b := blocks(); b > 4<<10 {
		t.Fatalf("%d bytes of blocks after a checkpoint past every record", b)
	}
	if seq, meta, err := w.LoadCheckpoint(ctx); err != nil || seq != last+1 || len(meta) != 0 {
		t.Fatalf("LoadCheckpoint = %d %q %v, want %d", seq, meta, err, last+1)
	}
	next, err := w.Append(ctx, rec("t", "after"))
	if err != nil || next <= last {
		t.Fatalf("append after = %d %v", next, err)
	}
	if got := replayAll(t, w, last+1); len(got) != 1 || got[0].line != "after" {
		t.Fatalf("replayed %v, want the record appended after", got)
	}
}
