package ring_test

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/ring/ringtest"
	"github.com/skaldlogs/skald/proto/ringpb"
)

func TestWatcherReconnects(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	// Only the first member is configured: the others are learned from the ring's peers.
	w, err := ring.NewWatcher(ring.WatcherConfig{
		Addrs: c.Addrs()[:1], ReplicationFactor: 3, HeartbeatTimeout: 2 * time.Second, IdleTimeout: 3 * time.Second,
	}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	if err := w.WaitReady(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := w.Ready(); err != nil {
		t.Fatal(err)
	}
	sameAsNode := func(n *ring.Node) bool {
		for key := uint32(0); key < 1<<31; key += 1 << 28 {
			a, err1 := w.Get(key, ring.Write)
			b, err2 := n.Get(key, ring.Write)
			if err1 != nil || err2 != nil || !slices.Equal(setIDs(a), setIDs(b)) {
				return false
			}
		}
		return true
	}
	c.Eventually(5*time.Second, "watcher routes like the members", func() bool { return sameAsNode(c.Members[1].Node) })
	if w.Member() != c.Members[0].Addr {
		t.Fatalf("watching %q, want %q", w.Member(), c.Members[0].Addr)
	}

	// Kill the watched member: the watcher moves on and keeps following changes.
	c.Kill(c.Members[0])
	c.Eventually(5*time.Second, "watcher on another member", func() bool {
		m := w.Member()
		return m != "" && m != c.Members[0].Addr
	})
	other := c.Members[2]
	if err := other.Node.SetState(ctxT(t, 5*time.Second), ring.Leaving); err != nil {
		t.Fatal(err)
	}
	c.Eventually(5*time.Second, "watcher sees the change", func() bool {
		for _, m := range w.State().Members {
			if m.Id == other.ID {
				return m.State == ringpb.State_LEAVING
			}
		}
		return false
	})
	c.Eventually(5*time.Second, "watcher sees the new leader", func() bool {
		l := w.State().LeaderId
		return l != "" && l != c.Members[0].ID
	})
	// The killed member goes stale in the watcher's view too: reads extend past it.
	c.Eventually(5*time.Second, "killed member unhealthy", func() bool {
		rs, err := w.GetAllHealthy(ring.Read)
		return err == nil && !slices.Contains(setIDs(rs), c.Members[0].ID)
	})
	// Forget through the watcher (any member forwards to the leader).
	if err := w.Forget(ctxT(t, 10*time.Second), c.Members[0].ID); err != nil {
		t.Fatal(err)
	}
	c.Eventually(5*time.Second, "forgotten in the watcher's view", func() bool {
		return !slices.Contains(memberIDs(w.State()), c.Members[0].ID)
	})
}

// stuckRing sends one state and then nothing, like a member cut off from its Raft group.
type stuckRing struct {
	ringpb.UnimplementedRingServer
	peerAddr string
}

func (s *stuckRing) Watch(_ *ringpb.WatchRequest, stream ringpb.Ring_WatchServer) error {
	st := &ringpb.RingState{Index: 1, FromId: "stuck", Peers: []*ringpb.Peer{{Id: "real", Addr: s.peerAddr}}}
	if err := stream.Send(st); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

func TestWatcherIdleTimeout(t *testing.T) {
	t.Parallel()
	c := ringtest.NewClusterWith(t, 1, ringtest.Options{ReplicationFactor: 1})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	ringpb.RegisterRingServer(srv, &stuckRing{peerAddr: c.Members[0].Addr})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	// Only the stuck member is configured; the real one is learned from its state.
	w, err := ring.NewWatcher(ring.WatcherConfig{Addrs: []string{lis.Addr().String()}, ReplicationFactor: 1, IdleTimeout: 300 * time.Millisecond},
		slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	c.Eventually(5*time.Second, "watcher leaves the stuck member", func() bool {
		return w.State().FromId == c.Members[0].ID
	})
	if _, err := w.Get(1, ring.Write); err != nil {
		t.Fatal(err)
	}
}
