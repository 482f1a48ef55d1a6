package ingester

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

func TestPushQueryRoundTrip(t *testing.T) {
	h := start(t, natstest.RunServer(t), newMemStore(), testConfig())
	ing := h.ing
	if err := push(t, ing, "t1", `{app="a", env="prod"}`, entry(10, "alpha error"), entry(30, "gamma"), entry(20, "beta error")); err != nil {
		t.Fatal(err)
	}
	if err := push(t, ing, "t1", `{app="b"}`, entry(15, "other error")); err != nil {
		t.Fatal(err)
	}
	if err := push(t, ing, "t2", `{app="a"}`, entry(15, "secret")); err != nil {
		t.Fatal(err)
	}
	got := queryLines(t, ing, "t1", `{app=~"a|b"} |= "error"`, 0, 100, 0, iter.Forward)
	want := []string{`{app="a", env="prod"}|alpha error`, `{app="b"}|other error`, `{app="a", env="prod"}|beta error`}
	if !slices.Equal(got, want) {
		t.Fatalf("forward = %q, want %q", got, want)
	}
	got = queryLines(t, ing, "t1", `{app="a"}`, 0, 30, 1, iter.Backward)
	if !slices.Equal(got, []string{`{app="a", env="prod"}|beta error`}) {
		t.Fatalf("backward limit 1 before 30 = %q", got)
	}
	if got := queryLines(t, ing, "t3", `{app="a"}`, 0, 100, 0, iter.Forward); len(got) != 0 {
		t.Fatalf("other tenant sees %q", got)
	}

	expr, err := syntax.ParseSampleExpr(`count_over_time({app="a"}[1m])`)
	if err != nil {
		t.Fatal(err)
	}
	sit, err := ing.SelectSamples(ctxFor("t1"), logql.SelectSampleParams{Expr: expr, Start: 0, End: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ts []int64
	for sit.Next() {
		ts = append(ts, sit.At().Timestamp)
	}
	if !slices.Equal(ts, []int64{10, 20, 30}) {
		t.Fatalf("samples at %v", ts)
	}

	names, err := ing.Label(ctxFor("t1"), &querierpb.LabelRequest{Start: 0, End: 100})
	if err != nil || !slices.Equal(names.Values, []string{"app", "env"}) {
		t.Fatalf("label names = %v, %v", names, err)
	}
	vals, err := ing.Label(ctxFor("t1"), &querierpb.LabelRequest{Name: "app", Values: true, Start: 0, End: 100, Query: `{env="prod"}`})
	if err != nil || !slices.Equal(vals.Values, []string{"a"}) {
		t.Fatalf("label values = %v, %v", vals, err)
	}
	series, err := ing.Series(ctxFor("t1"), &querierpb.SeriesRequest{Start: 0, End: 12, Groups: []string{`{app=~".+"}`}})
	if err != nil || len(series.Series) != 1 || series.Series[0].Labels[0].Value != "a" {
		t.Fatalf("series = %v, %v", series, err)
	}
}

func TestOutOfOrderAndDuplicates(t *testing.T) {
	cfg := testConfig()
	cfg.MaxChunkAge = 2 * time.Hour // window 1h
	h := start(t, natstest.RunServer(t), newMemStore(), cfg)
	ing := h.ing
	base := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).UnixNano()
	lbls := `{app="a"}`
	if err := push(t, ing, "t", lbls, entry(base, "newest")); err != nil {
		t.Fatal(err)
	}
	// Out of order within the window: accepted.
	if err := push(t, ing, "t", lbls, entry(base-int64(30*time.Minute), "older")); err != nil {
		t.Fatal(err)
	}
	// Too far behind: refused with Loki's text; the good entry of the same push is kept.
	tooOld := base - int64(2*time.Hour)
	err := push(t, ing, "t", lbls, entry(tooOld, "ancient"), entry(base+1, "fresh"))
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("too far behind: %v", err)
	}
	msg := status.Convert(err).Message()
	wantMsg := fmt.Sprintf("entry with timestamp %s ignored, reason: 'entry too far behind, entry timestamp is: %s, oldest acceptable timestamp is: %s',\nuser 't', total ignored: 1 out of 2 for stream: {app=\"a\"}",
		time.Unix(0, tooOld).UTC().String(), "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z")
	if msg != wantMsg {
		t.Fatalf("error text\n got %q\nwant %q", msg, wantMsg)
	}
	// Identical to the previous entry: dropped silently. Same timestamp, other line: kept.
	if err := push(t, ing, "t", lbls, entry(base+1, "fresh"), entry(base+1, "fresh2")); err != nil {
		t.Fatal(err)
	}
	got := queryLines(t, ing, "t", lbls, 0, base+10, 0, iter.Forward)
	want := []string{lbls + "|older", lbls + "|newest", lbls + "|fresh", lbls + "|fresh2"}
	if !slices.Equal(got, want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
	// Invalid labels: 400 with Loki's text.
	err = push(t, ing, "t", `{app=}`, entry(base, "x"))
	if status.Code(err) != codes.InvalidArgument || !strings.HasPrefix(status.Convert(err).Message(), "error parsing labels '{app=}' with error:") {
		t.Fatalf("bad labels: %v", err)
	}
	// Nil messages from an in-process caller are ignored, not a crash.
	if _, err := ing.Push(ctxFor("t"), &logproto.PushRequest{Streams: []*logproto.StreamAdapter{nil, {Labels: lbls, Entries: []*logproto.EntryAdapter{nil}}}}); err != nil {
		t.Fatalf("nil stream and entry: %v", err)
	}
	// No tenant.
	if _, err := ing.Push(context.Background(), &logproto.PushRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no tenant: %v", err)
	}
}

func TestFlushCheckpointAndRetain(t *testing.T) {
	store := newMemStore()
	cfg := testConfig()
	cfg.ChunkRetainPeriod = 0
	h := start(t, natstest.RunServer(t), store, cfg)
	ing := h.ing
	for k := range 5 {
		if err := push(t, ing, "t", `{app="a"}`, entry(int64(k), fmt.Sprint("l", k))); err != nil {
			t.Fatal(err)
		}
	}
	if err := ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.lines("t"); len(got) != 5 {
		t.Fatalf("store has %q", got)
	}
	// Flushed and not retained: memory is empty; the checkpoint covers everything.
	if got := queryLines(t, ing, "t", `{app="a"}`, 0, 100, 0, iter.Forward); len(got) != 0 {
		t.Fatalf("memory still has %q", got)
	}
	seq, _, err := ing.wal.Load().LoadCheckpoint(context.Background())
	if err != nil || seq != ing.applied+1 {
		t.Fatalf("checkpoint %d (applied %d), %v", seq, ing.applied, err)
	}
	// A flush that fails keeps the chunk for the next cycle.
	store.setFail(true)
	if err := push(t, ing, "t", `{app="a"}`, entry(10, "late")); err != nil {
		t.Fatal(err)
	}
	if err := ing.Flush(context.Background()); err == nil {
		t.Fatal("flush with the store down succeeded")
	}
	store.setFail(false)
	if err := ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.lines("t"); len(got) != 6 {
		t.Fatalf("store has %q", got)
	}
}

func TestChunkCutAtTargetSize(t *testing.T) {
	store := newMemStore()
	cfg := testConfig()
	cfg.ChunkTargetSize = 100
	h := start(t, natstest.RunServer(t), store, cfg)
	for k := range 10 {
		if err := push(t, h.ing, "t", `{app="a"}`, entry(int64(k), strings.Repeat("x", 40))); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.ing.flush(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	n := len(store.chunks["t"])
	store.mu.Unlock()
	if n < 3 {
		t.Fatalf("%d chunks flushed, want at least 3 cut by size", n)
	}
}

// TestKillAndReplay pushes concurrently while streams are flushed at different times, then
// stops the ingester without a final flush (the store is down, as after a kill), starts a new
// one on the same NATS and store, and checks that every acknowledged line is stored exactly
// once after its replay and flush.
func TestKillAndReplay(t *testing.T) {
	s := natstest.RunServer(t)
	store := newMemStore()
	cfg := testConfig()
	cfg.ChunkTargetSize = 2000
	cfg.ChunkRetainPeriod = 0
	h := start(t, s, store, cfg)

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 150 {
				// Stream busy-<g> fills chunks quickly; quiet-<g> stays in its head.
				lbls := fmt.Sprintf(`{app="busy-%d"}`, g)
				line := fmt.Sprintf("%d-%d-%s", g, k, strings.Repeat("y", 50))
				if k%10 == 0 {
					lbls = fmt.Sprintf(`{app="quiet-%d"}`, g)
				}
				if err := push(t, h.ing, "t", lbls, entry(int64(k), line)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, lbls+"|"+line)
				mu.Unlock()
				if k%50 == 25 && g == 0 {
					if err := h.ing.flush(context.Background(), false); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := h.ing.flush(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if len(store.lines("t")) == 0 {
		t.Fatal("nothing flushed before the kill: the test would not exercise flush marks")
	}
	store.setFail(true)
	if err := h.stop(); err == nil {
		t.Fatal("final flush succeeded with the store down")
	}
	store.setFail(false)

	h2 := start(t, s, store, cfg)
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

func diff(want, got []string) (missing, dup int) {
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	for _, w := range want {
		switch c := count[w]; {
		case c == 0:
			missing++
		case c > 1:
			dup += c - 1
		}
	}
	return missing, dup
}

func TestCleanShutdownFlushes(t *testing.T) {
	s := natstest.RunServer(t)
	store := newMemStore()
	h := start(t, s, store, testConfig())
	if err := push(t, h.ing, "t", `{app="a"}`, entry(1, "one"), entry(2, "two")); err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := store.lines("t"); len(got) != 2 {
		t.Fatalf("store after shutdown: %q", got)
	}
	// Nothing to replay: a new ingester holds nothing and flushes nothing more.
	h2 := start(t, s, store, testConfig())
	if got := queryLines(t, h2.ing, "t", `{app="a"}`, 0, 10, 0, iter.Forward); len(got) != 0 {
		t.Fatalf("replayed %q after a clean shutdown", got)
	}
	if err := h2.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.lines("t"); len(got) != 2 {
		t.Fatalf("store after second flush: %q", got)
	}
}

// TestCrashBetweenStoreWriteAndCheckpoint stores chunks cut by the clock (idle, forced) but
// dies before checkpointing them. Replay re-applies the logged cut markers, rebuilds the same
// chunks and rewrites them under the same content keys: every line is stored exactly once.
func TestCrashBetweenStoreWriteAndCheckpoint(t *testing.T) {
	s := natstest.RunServer(t)
	store := newMemStore()
	cfg := testConfig()
	cfg.ChunkRetainPeriod = 0
	h := start(t, s, store, cfg)
	var acked []string
	for k := range 30 {
		lbls := fmt.Sprintf(`{app="s%d"}`, k%3)
		line := fmt.Sprint("line-", k)
		if err := push(t, h.ing, "t", lbls, entry(int64(k), line)); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, lbls+"|"+line)
		if k == 14 {
			// Cut (logged in the WAL) and store, but no checkpoint: the crash window.
			err := func() error {
				h.ing.flushMu.Lock()
				defer h.ing.flushMu.Unlock()
				if !h.ing.cutByMarkers(context.Background(), time.Now(), true) {
					h.ing.cutDirect(time.Now(), true)
				}
				return h.ing.flushTenant(context.Background(), "t", time.Now())
			}()
			if err != nil {
				t.Fatal(err)
			}
			if n := len(store.lines("t")); n != 15 {
				t.Fatalf("%d lines stored before the crash, want 15", n)
			}
		}
	}
	if seq, _, _ := h.ing.wal.Load().LoadCheckpoint(context.Background()); seq != 0 {
		t.Fatalf("checkpoint %d written: the test needs none", seq)
	}
	// Die: the WAL connection and the store go away, so nothing more is logged or stored.
	h.nc.Close()
	store.setFail(true)
	_ = h.stop()
	store.setFail(false)

	h2 := start(t, s, store, cfg)
	if err := h2.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := store.lines("t")
	slices.Sort(acked)
	if !slices.Equal(got, acked) {
		missing, dup := diff(acked, got)
		t.Fatalf("store has %d lines, acknowledged %d; missing %d, duplicated %d", len(got), len(acked), missing, dup)
	}
	store.mu.Lock()
	writes := store.writes
	store.mu.Unlock()
	if writes <= len(store.keys) {
		t.Fatalf("no chunk was rewritten (%d writes, %d chunks): the crash window was not exercised", writes, len(store.keys))
	}
}

func TestIdleAndMaxAgeFlush(t *testing.T) {
	store := newMemStore()
	cfg := testConfig()
	cfg.ChunkIdlePeriod = 50 * time.Millisecond
	cfg.MaxChunkAge = 2 * time.Hour
	h := start(t, natstest.RunServer(t), store, cfg)
	base := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).UnixNano()
	// A stream whose head spans max_chunk_age is cut at once.
	if err := push(t, h.ing, "t", `{app="old"}`, entry(base, "first"), entry(base+int64(2*time.Hour), "last")); err != nil {
		t.Fatal(err)
	}
	if err := push(t, h.ing, "t", `{app="idle"}`, entry(base, "x")); err != nil {
		t.Fatal(err)
	}
	if err := h.ing.flush(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if got := store.lines("t"); !slices.Equal(got, []string{`{app="old"}|first`, `{app="old"}|last`}) {
		t.Fatalf("after the age flush the store has %q", got)
	}
	time.Sleep(60 * time.Millisecond)
	if err := h.ing.flush(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if got := store.lines("t"); len(got) != 3 {
		t.Fatalf("after the idle flush the store has %q", got)
	}
}

// TestQueryOrderAcrossChunks: out-of-order writes make retained chunks and the head overlap in
// time; queries still return entries in order.
func TestQueryOrderAcrossChunks(t *testing.T) {
	cfg := testConfig()
	cfg.ChunkRetainPeriod = time.Hour
	h := start(t, natstest.RunServer(t), newMemStore(), cfg)
	if err := push(t, h.ing, "t", `{app="a"}`, entry(10, "c"), entry(5, "a")); err != nil {
		t.Fatal(err)
	}
	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := push(t, h.ing, "t", `{app="a"}`, entry(12, "d"), entry(7, "b")); err != nil {
		t.Fatal(err)
	}
	got := queryLines(t, h.ing, "t", `{app="a"}`, 0, 100, 0, iter.Forward)
	want := []string{`{app="a"}|a`, `{app="a"}|b`, `{app="a"}|c`, `{app="a"}|d`}
	if !slices.Equal(got, want) {
		t.Fatalf("forward = %q, want %q", got, want)
	}
	got = queryLines(t, h.ing, "t", `{app="a"}`, 6, 12, 2, iter.Backward)
	if want := []string{`{app="a"}|c`, `{app="a"}|b`}; !slices.Equal(got, want) {
		t.Fatalf("backward [6,12) limit 2 = %q, want %q", got, want)
	}
}

// TestFlushLoop: the background loop flushes idle streams and checkpoints the WAL by itself.
func TestFlushLoop(t *testing.T) {
	store := newMemStore()
	cfg := testConfig()
	cfg.FlushCheckPeriod = 20 * time.Millisecond
	cfg.ChunkIdlePeriod = 30 * time.Millisecond
	h := start(t, natstest.RunServer(t), store, cfg)
	if err := push(t, h.ing, "t", `{app="a"}`, entry(1, "one")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		seq, _, err := h.ing.wal.Load().LoadCheckpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(store.lines("t")) == 1 && seq > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not flushed by the loop: store %q, checkpoint %d", store.lines("t"), seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCheckpointRelief: a quiet stream's old head holds the checkpoint back while many streams
// flush, so flush marks pile up; past half a record they make the next flush cut the old head,
// the checkpoint moves and the marks shrink. Replay after that stores each line once.
func TestCheckpointRelief(t *testing.T) {
	s := natstest.RunServer(t)
	store := newMemStore()
	cfg := testConfig()
	cfg.WAL.MaxBatchBytes = 2048
	cfg.ChunkTargetSize = 10
	cfg.ChunkRetainPeriod = 0
	h := start(t, s, store, cfg)
	var acked []string
	add := func(lbls, line string) {
		t.Helper()
		if err := push(t, h.ing, "t", lbls, entry(1, line)); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, lbls+"|"+line)
	}
	add(`{app="quiet"}`, "q")
	for k := range 150 {
		add(fmt.Sprintf(`{app="busy-%d"}`, k), "a line over the target size")
	}
	ctx := context.Background()
	if err := h.ing.flush(ctx, false); err != nil {
		t.Fatal(err)
	}
	first, _, _ := h.ing.wal.Load().LoadCheckpoint(ctx)
	if h.ing.relief == 0 {
		t.Fatalf("no relief with %d marks", len(h.ing.marks))
	}
	if err := h.ing.flush(ctx, false); err != nil {
		t.Fatal(err)
	}
	second, meta, _ := h.ing.wal.Load().LoadCheckpoint(ctx)
	if second <= first || len(meta) > 64 {
		t.Fatalf("checkpoint %d -> %d with %d bytes of marks: not relieved", first, second, len(meta))
	}
	add(`{app="quiet"}`, "q2")
	h.nc.Close()
	store.setFail(true)
	_ = h.stop()
	store.setFail(false)
	h2 := start(t, s, store, cfg)
	if err := h2.ing.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(acked)
	if got := store.lines("t"); !slices.Equal(got, acked) {
		missing, dup := diff(acked, got)
		t.Fatalf("store has %d lines, acknowledged %d; missing %d, duplicated %d", len(got), len(acked), missing, dup)
	}
}
