package ring_test

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/pkg/ring"
)

// TestNodeFromFlags runs the one-process default as cmd/skald would configure it: flags, a Raft
// transport bound by the node itself, a single-node bootstrap.
func TestNodeFromFlags(t *testing.T) {
	t.Parallel()
	node, srv := serveFlagNode(t, "127.0.0.1:0", t.TempDir(), "-ring.heartbeat-period=100ms", "-ring.heartbeat-timeout=1s")
	defer srv.Stop()
	if err := node.Ready(); !errors.Is(err, ring.ErrNotStarted) {
		t.Fatalf("ready before start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := node.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := node.Start(ctx); err == nil {
		t.Fatal("second start accepted")
	}
	if err := node.Ready(); err == nil {
		t.Fatal("ready while JOINING")
	}
	if err := node.SetState(ctx, ring.Active); err != nil {
		t.Fatal(err)
	}
	if err := node.Ready(); err != nil {
		t.Fatal(err)
	}
	rs, err := node.Get(12345, ring.Write)
	if err != nil || len(rs.Instances) != 1 || len(rs.Instances[0].Tokens) != 128 || rs.MaxErrors != 0 {
		t.Fatalf("get: %+v %v", rs, err)
	}
	// Heartbeats keep the lone member healthy past the heartbeat timeout.
	time.Sleep(1500 * time.Millisecond)
	if _, err := node.Get(12345, ring.Read); err != nil {
		t.Fatalf("member went stale despite heartbeats: %v", err)
	}
	if err := node.Close(); err != nil {
		t.Fatal(err)
	}
	if err := node.Close(); err != nil {
		t.Fatal("second close:", err)
	}
	if err := node.Ready(); !errors.Is(err, ring.ErrClosed) {
		t.Fatalf("ready after close: %v", err)
	}
}

// TestSingleNodeNewRaftAddress restarts a one-node ring on its data with another Raft port (a
// new machine, a port picked at start): the lone voter must take its new address and become
// ready. Removing and re-adding it, as for a member of a larger group, cannot work: Raft refuses
// to remove the last voter.
func TestSingleNodeNewRaftAddress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for run := 0; run < 2; run++ {
		raftLis, err := net.Listen("tcp", "127.0.0.1:0") // a free port, different each run
		if err != nil {
			t.Fatal(err)
		}
		raftAddr := raftLis.Addr().String()
		_ = raftLis.Close()
		node, srv := serveFlagNode(t, raftAddr, dir)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = node.Start(ctx)
		if err == nil {
			err = node.SetState(ctx, ring.Active)
		}
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if err := node.Ready(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if err := node.Close(); err != nil {
			t.Fatal(err)
		}
		srv.Stop()
	}
}

// serveFlagNode configures a one-node ring "solo" from flags as cmd/skald does (Raft bound at
// raftAddr, state in dir, fast elections, extra flags last) and serves its gRPC API on loopback.
func serveFlagNode(t *testing.T, raftAddr, dir string, extra ...string) (*ring.Node, *grpc.Server) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var cfg ring.Config
	fs := flag.NewFlagSet("skald", flag.ContinueOnError)
	cfg.RegisterFlags("ring.", fs)
	if err := fs.Parse(append([]string{
		"-ring.id=solo", "-ring.addr=" + lis.Addr().String(), "-ring.raft-bind-addr=" + raftAddr,
		"-ring.dir=" + dir, "-ring.raft-heartbeat-timeout=500ms", "-ring.raft-election-timeout=500ms",
	}, extra...)); err != nil {
		t.Fatal(err)
	}
	node, err := ring.NewNode(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	node.RegisterService(srv)
	go func() { _ = srv.Serve(lis) }()
	return node, srv
}
