package ingester

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// TestEarlyFlush: once the encoded chunks awaiting the flush reach flush_pending_bytes they
// are flushed (and dropped, retain period 0) without waiting for the flush check; with 0 they
// wait for it.
func TestEarlyFlush(t *testing.T) {
	for _, tc := range []struct {
		pending int
		flushed bool
	}{{1, true}, {0, false}} {
		t.Run(fmt.Sprint(tc.pending), func(t *testing.T) {
			st := &encStore{memStore: newMemStore(), opts: chunk.DefaultOptions()}
			cfg := testConfig() // flush check every hour
			cfg.ChunkTargetSize = 1 << 10
			cfg.FlushPendingBytes = tc.pending
			h := start(t, natstest.RunServer(t), st, cfg)
			const lbls = `{app="a"}`
			for k := range 20 {
				if err := push(t, h.ing, "t", lbls, entry(int64(k+1), strings.Repeat(fmt.Sprint(k), 200))); err != nil {
					t.Fatal(err)
				}
			}
			if !tc.flushed {
				waitEncoder(h.ing)
				time.Sleep(50 * time.Millisecond)
				if n := len(st.lines("t")); n != 0 {
					t.Fatalf("%d lines flushed before the flush check", n)
				}
				if p := h.ing.pendingBytes.Load(); p <= 0 {
					t.Fatalf("pending bytes %d, want the encoded chunks counted", p)
				}
				return
			}
			s := h.ing.tenant("t", false).lookup(lbls)
			inMemory := func() int {
				s.mu.RLock()
				defer s.mu.RUnlock()
				return len(s.chunks)
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(st.lines("t")) < 15 || h.ing.pendingBytes.Load() != 0 || inMemory() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%d lines flushed, %d bytes pending, %d chunks in memory", len(st.lines("t")), h.ing.pendingBytes.Load(), inMemory())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(st.lines("t")); n != 20 {
				t.Fatalf("%d lines stored after the final flush, want 20", n)
			}
		})
	}
}

// TestEncodeBacklogBound: pushes wait while the encoder's backlog is at the bound, until the
// encoder took it below, or for half of what is left of their deadline at most (then they go
// on: a push is slowed down, not failed), or until their context is cancelled.
func TestEncodeBacklogBound(t *testing.T) {
	cfg := testConfig()
	cfg.EncodeBacklogBytes = 100
	h := start(t, natstest.RunServer(t), newMemStore(), cfg)
	h.ing.encQMu.Lock()
	h.ing.encBacklog = 150 // as if a chunk of 150 bytes were queued
	h.ing.encQMu.Unlock()
	ts := int64(0)
	req := func() *logproto.PushRequest {
		ts++
		return &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: `{app="a"}`, Entries: []*logproto.EntryAdapter{entry(ts, fmt.Sprint("line ", ts))}}}}
	}

	cctx, cancel := context.WithCancel(ctxFor("t"))
	cancel()
	if _, err := h.ing.Push(cctx, req()); status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled push with a full backlog: %v, want Canceled", err)
	}
	dctx, cancel := context.WithTimeout(ctxFor("t"), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	if _, err := h.ing.Push(dctx, req()); err != nil {
		t.Fatalf("push with a deadline and a full backlog: %v", err)
	}
	if d := time.Since(t0); d < 90*time.Millisecond {
		t.Fatalf("push with a full backlog returned after %v, want about half its 200ms deadline", d)
	}
	done := make(chan error, 1)
	go func() { _, err := h.ing.Push(ctxFor("t"), req()); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("push returned (%v) with a full backlog", err)
	case <-time.After(50 * time.Millisecond):
	}
	h.ing.encoded(100)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := queryLines(t, h.ing, "t", `{app="a"}`, 0, 10, 0, iter.Forward); len(got) != 2 {
		t.Fatalf("stored %q, want the two pushes that were not cancelled", got)
	}
}
