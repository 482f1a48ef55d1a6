// Package ringtest runs in-process Raft ring clusters for tests: real TCP on 127.0.0.1, real
// raft-boltdb stores in t.TempDir(), one gRPC server per member.
package ringtest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/tenant"
)

// Options tunes a test cluster; zero fields take test-friendly defaults.
type Options struct {
	ReplicationFactor int           // default 3
	NumTokens         int           // default 16
	HeartbeatPeriod   time.Duration // default 200ms
	HeartbeatTimeout  time.Duration // default 2s
	Logger            *slog.Logger  // default: discard
	// Snapshot settings; defaults 8192 entries checked every 2m, 10240 trailing entries.
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
}

func (o *Options) defaults() {
	if o.ReplicationFactor == 0 {
		o.ReplicationFactor = 3
	}
	if o.NumTokens == 0 {
		o.NumTokens = 16
	}
	if o.HeartbeatPeriod == 0 {
		o.HeartbeatPeriod = 200 * time.Millisecond
	}
	if o.HeartbeatTimeout == 0 {
		o.HeartbeatTimeout = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SnapshotThreshold == 0 {
		o.SnapshotThreshold = 8192
	}
	if o.SnapshotInterval == 0 {
		o.SnapshotInterval = 2 * time.Minute
	}
	if o.TrailingLogs == 0 {
		o.TrailingLogs = 10240
	}
}

// Member is one cluster member; Node is nil while it is stopped.
type Member struct {
	ID, Addr, RaftAddr, Dir string
	Voter                   bool
	Node                    *ring.Node
	// Registry holds the metrics of the member's current node.
	Registry *prometheus.Registry
	srv      *grpc.Server
}

// Cluster is a set of ring members. Its methods call t.Fatal on errors and are not safe for
// concurrent use.
type Cluster struct {
	t       testing.TB
	opts    Options
	peers   []ring.Peer
	Members []*Member
}

// NewCluster starts n voters, waits until each is registered and ACTIVE in every member's view,
// and stops them at the end of the test.
func NewCluster(t testing.TB, n int) *Cluster { return NewClusterWith(t, n, Options{}) }

// NewClusterWith is NewCluster with options.
func NewClusterWith(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	opts.defaults()
	c := &Cluster{t: t, opts: opts}
	lis := make([][2]net.Listener, n)
	for i := range n {
		g, r := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.1:0")
		lis[i] = [2]net.Listener{g, r}
		m := &Member{ID: fmt.Sprintf("ingester-%d", i), Addr: g.Addr().String(), RaftAddr: r.Addr().String(),
			Dir: filepath.Join(t.TempDir(), "raft"), Voter: true}
		c.Members = append(c.Members, m)
		c.peers = append(c.peers, ring.Peer{ID: m.ID, Addr: m.Addr, RaftAddr: m.RaftAddr})
	}
	t.Cleanup(c.Close)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, m := range c.Members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.start(m, lis[i][0], lis[i][1])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range c.Members {
		c.activate(m)
	}
	c.WaitConverged(10 * time.Second)
	return c
}

func listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	var err error
	// A restarted member re-binds its old port, which a closing socket may hold briefly.
	for range 50 {
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("listen %s: %v", addr, err)
	return nil
}

// Config returns the ring.Config the cluster uses for m.
func (c *Cluster) Config(m *Member) ring.Config {
	cfg := ring.Config{
		ID: m.ID, Addr: m.Addr, RaftBindAddr: m.RaftAddr, Dir: m.Dir,
		Peers:                c.peers,
		NumTokens:            c.opts.NumTokens,
		ReplicationFactor:    c.opts.ReplicationFactor,
		HeartbeatPeriod:      c.opts.HeartbeatPeriod,
		HeartbeatTimeout:     c.opts.HeartbeatTimeout,
		RaftHeartbeatTimeout: 500 * time.Millisecond,
		RaftElectionTimeout:  500 * time.Millisecond,
		ApplyTimeout:         2 * time.Second,
		SnapshotThreshold:    c.opts.SnapshotThreshold,
		SnapshotInterval:     c.opts.SnapshotInterval,
		TrailingLogs:         c.opts.TrailingLogs,
	}
	if !m.Voter {
		cfg.Peers = nil
		for _, p := range c.peers {
			cfg.JoinAddrs = append(cfg.JoinAddrs, p.Addr)
		}
	}
	return cfg
}

func (c *Cluster) start(m *Member, glis, rlis net.Listener) error {
	cfg := c.Config(m)
	cfg.RaftListener = rlis
	reg := prometheus.NewRegistry()
	node, err := ring.NewNode(cfg, c.opts.Logger.With("test_member", m.ID), reg)
	if err != nil {
		return err
	}
	// Like an ingester's server: tenant required, except on the ring's methods.
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(tenant.UnaryServerInterceptor(ring.ServiceMethods()...)),
		grpc.ChainStreamInterceptor(tenant.StreamServerInterceptor(ring.ServiceMethods()...)),
	)
	node.RegisterService(srv)
	go func() { _ = srv.Serve(glis) }()
	m.Node, m.srv, m.Registry = node, srv, reg
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := node.Start(ctx); err != nil {
		return fmt.Errorf("start %s: %w", m.ID, err)
	}
	return nil
}

func (c *Cluster) activate(m *Member) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Node.SetState(ctx, ring.Active); err != nil {
		c.t.Fatalf("activate %s: %v", m.ID, err)
	}
}

// Stop closes m's node (handing over leadership) and its gRPC server, without leaving the ring.
func (c *Cluster) Stop(m *Member) { c.stop(m, false) }

// Kill stops m as a killed process: no leadership transfer, no leave.
func (c *Cluster) Kill(m *Member) { c.stop(m, true) }

func (c *Cluster) stop(m *Member, kill bool) {
	if m.Node == nil {
		return
	}
	closeNode := m.Node.Close
	if kill {
		closeNode = m.Node.Kill
	}
	if err := closeNode(); err != nil {
		c.t.Errorf("close %s: %v", m.ID, err)
	}
	m.srv.Stop()
	m.Node, m.srv = nil, nil
}

// Restart starts a stopped m again on its old addresses and data dir and makes it ACTIVE.
func (c *Cluster) Restart(m *Member) {
	c.t.Helper()
	if err := c.start(m, listen(c.t, m.Addr), listen(c.t, m.RaftAddr)); err != nil {
		c.t.Fatal(err)
	}
	c.activate(m)
}

// RestartAll restarts stopped members concurrently (members of a group that lost quorum need
// each other to elect a leader) and makes them ACTIVE.
func (c *Cluster) RestartAll(ms ...*Member) {
	c.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(ms))
	for i, m := range ms {
		g, r := listen(c.t, m.Addr), listen(c.t, m.RaftAddr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.start(m, g, r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			c.t.Fatal(err)
		}
	}
	for _, m := range ms {
		c.activate(m)
	}
}

// Wipe stops m, deletes its Raft data dir and starts it again under the same ID.
func (c *Cluster) Wipe(m *Member) {
	c.t.Helper()
	c.Stop(m)
	if err := os.RemoveAll(m.Dir); err != nil {
		c.t.Fatal(err)
	}
	c.Restart(m)
}

// AddNonVoter starts a new member that is not an initial voter; it joins through the others.
func (c *Cluster) AddNonVoter() *Member {
	c.t.Helper()
	g, r := listen(c.t, "127.0.0.1:0"), listen(c.t, "127.0.0.1:0")
	m := &Member{ID: fmt.Sprintf("ingester-%d", len(c.Members)), Addr: g.Addr().String(), RaftAddr: r.Addr().String(),
		Dir: filepath.Join(c.t.TempDir(), "raft")}
	c.Members = append(c.Members, m)
	if err := c.start(m, g, r); err != nil {
		c.t.Fatal(err)
	}
	c.activate(m)
	return m
}

// Running returns the members whose node runs.
func (c *Cluster) Running() []*Member {
	var out []*Member
	for _, m := range c.Members {
		if m.Node != nil {
			out = append(out, m)
		}
	}
	return out
}

// Addrs returns every member's gRPC address.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, m := range c.Members {
		out = append(out, m.Addr)
	}
	return out
}

// Leader waits up to timeout for exactly one running member to lead and returns it.
func (c *Cluster) Leader(timeout time.Duration) *Member {
	c.t.Helper()
	var leader *Member
	c.Eventually(timeout, "a single raft leader", func() bool {
		leader = nil
		for _, m := range c.Running() {
			if m.Node.IsLeader() {
				if leader != nil {
					return false
				}
				leader = m
			}
		}
		return leader != nil
	})
	return leader
}

// WaitConverged waits until every running member sees every running member ACTIVE.
func (c *Cluster) WaitConverged(timeout time.Duration) {
	c.t.Helper()
	c.Eventually(timeout, "every member ACTIVE in every view", func() bool {
		for _, m := range c.Running() {
			active := map[string]bool{}
			for _, in := range m.Node.State().Members {
				if in.State.String() == "ACTIVE" {
					active[in.Id] = true
				}
			}
			for _, o := range c.Running() {
				if !active[o.ID] {
					return false
				}
			}
		}
		return true
	})
}

// Eventually polls cond every 20ms until it holds or timeout passes.
func (c *Cluster) Eventually(timeout time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close stops every member.
func (c *Cluster) Close() {
	for _, m := range c.Members {
		c.Stop(m)
	}
}
