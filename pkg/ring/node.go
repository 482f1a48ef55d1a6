package ring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// Node is one member of the ring's Raft group, normally an ingester. It implements ReadRing from
// its local copy of the ring, serves the Ring gRPC service (RegisterService) and manages its own
// instance's lifecycle: Start registers it (JOINING) and starts heartbeats, SetState moves it,
// Leave takes it out of the ring, Close stops the Raft node. All methods are safe for concurrent
// use.
type Node struct {
	cfg     Config
	logger  *slog.Logger
	fsm     *fsm
	bcast   *broadcaster
	view    atomic.Pointer[ringView]
	metrics *nodeMetrics

	raft atomic.Pointer[raft.Raft]
	// store is set once opened, before Raft starts, so Status can tell peers that this member
	// has Raft state even while it is still starting.
	store     atomic.Pointer[raftboltdb.BoltStore]
	diskState atomic.Bool

	connMu sync.Mutex
	conns  map[string]*grpc.ClientConn

	joinMu sync.Mutex // serialises leader-side joins so token picks never race
	rnd    *rand.Rand // guarded by joinMu

	lifeMu      sync.Mutex
	started     bool
	wantState   State
	registered  bool
	hbCancel    context.CancelFunc
	hbDone      chan struct{}
	closed      bool
	done        chan struct{}
	observerEnd chan struct{}
}

// NewNode returns a Node that is not started yet: register its service on the gRPC server and
// start serving, then call Start. reg may be nil.
func NewNode(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{
		cfg:    cfg,
		logger: logger.With("component", "ring", "member", cfg.ID),
		bcast:  newBroadcaster(),
		conns:  map[string]*grpc.ClientConn{},
		rnd:    rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		done:   make(chan struct{}),
	}
	n.view.Store(newRingView(nil, &ringpb.RingState{}, cfg.ReplicationFactor, cfg.HeartbeatTimeout))
	n.fsm = newFSM(func(st *ringpb.RingState) {
		// Only the FSM goroutine stores views, so load-then-store does not race.
		n.view.Store(newRingView(n.view.Load(), st, cfg.ReplicationFactor, cfg.HeartbeatTimeout))
		n.bcast.Notify()
	})
	n.metrics = newNodeMetrics(n, reg)
	return n, nil
}

// RegisterService registers the Ring gRPC service. Do it before the server starts serving and
// before Start: blank members probe each other during Start.
func (n *Node) RegisterService(s grpc.ServiceRegistrar) {
	ringpb.RegisterRingServer(s, &service{n: n})
}

// Start opens the Raft stores and transport, bootstraps or rejoins the group, registers this
// member in the ring (state JOINING, existing tokens kept) and starts heartbeats. It returns
// once registered, or with ctx's error. Call Close afterwards even when Start fails.
func (n *Node) Start(ctx context.Context) error {
	n.lifeMu.Lock()
	started, closed := n.started, n.closed
	n.started = true
	n.lifeMu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case started:
		return errors.New("start ring node: already started")
	}
	if err := n.openRaft(ctx); err != nil {
		return err
	}
	n.lifeMu.Lock()
	n.wantState = Joining
	n.lifeMu.Unlock()
	if err := n.register(ctx); err != nil {
		return err
	}
	n.lifeMu.Lock()
	defer n.lifeMu.Unlock()
	if n.closed {
		return ErrClosed
	}
	hctx, cancel := context.WithCancel(context.Background())
	n.hbCancel, n.hbDone = cancel, make(chan struct{})
	go n.heartbeatLoop(hctx, n.hbDone)
	return nil
}

func (n *Node) openRaft(ctx context.Context) error {
	if err := os.MkdirAll(n.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create raft dir: %w", err)
	}
	hlog := newHCLog(n.logger, "raft")
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(n.cfg.Dir, "raft.db")})
	if err != nil {
		return fmt.Errorf("open raft store: %w", err)
	}
	n.store.Store(store)
	snaps, err := raft.NewFileSnapshotStoreWithLogger(n.cfg.Dir, 2, hlog)
	if err != nil {
		return fmt.Errorf("open raft snapshots: %w", err)
	}
	has, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		return fmt.Errorf("check raft state: %w", err)
	}
	n.diskState.Store(has)
	bootstrap := false
	if !has {
		running := true
		if n.cfg.voter() {
			running, err = n.probeRunning(ctx)
			if err != nil {
				return err
			}
		}
		if running {
			// The group may still count an earlier incarnation of this ID (its data dir was
			// wiped). A blank node grants votes to anyone, so it must not start Raft until the
			// old incarnation is out of the configuration; it is then added as a new server.
			n.logger.Info("blank raft state, removing any earlier incarnation before joining")
			if err := n.removeOldIncarnation(ctx); err != nil {
				return err
			}
		} else {
			bootstrap = true
		}
	}
	trans, err := n.transport()
	if err != nil {
		return err
	}
	rconf := n.raftConfig()
	if bootstrap {
		var servers []raft.Server
		for _, p := range n.cfg.Peers {
			servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.RaftAddr)})
		}
		n.logger.Info("bootstrapping raft group", "voters", len(servers))
		if err := raft.BootstrapCluster(rconf, store, store, snaps, trans, raft.Configuration{Servers: servers}); err != nil {
			_ = trans.Close()
			return fmt.Errorf("bootstrap raft: %w", err)
		}
	}
	r, err := raft.NewRaft(rconf, n.fsm, store, store, snaps, trans)
	if err != nil {
		_ = trans.Close()
		return fmt.Errorf("start raft: %w", err)
	}
	n.lifeMu.Lock()
	closed := n.closed
	if !closed {
		n.raft.Store(r)
		n.observerEnd = make(chan struct{})
		go n.observe(r, n.observerEnd)
	}
	n.lifeMu.Unlock()
	if closed {
		_ = r.Shutdown().Error()
		return ErrClosed
	}
	return nil
}

func (n *Node) raftConfig() *raft.Config {
	c := raft.DefaultConfig()
	c.LocalID = raft.ServerID(n.cfg.ID)
	c.HeartbeatTimeout = n.cfg.RaftHeartbeatTimeout
	c.ElectionTimeout = n.cfg.RaftElectionTimeout
	c.LeaderLeaseTimeout = min(c.LeaderLeaseTimeout, n.cfg.RaftHeartbeatTimeout)
	c.SnapshotThreshold = n.cfg.SnapshotThreshold
	c.SnapshotInterval = n.cfg.SnapshotInterval
	c.TrailingLogs = n.cfg.TrailingLogs
	// A removed member keeps running so a later Join can add it back (e.g. an operator forgot
	// a live member); it does not campaign while outside the configuration.
	c.ShutdownOnRemove = false
	c.Logger = newHCLog(n.logger, "raft")
	return c
}

func (n *Node) transport() (*raft.NetworkTransport, error) {
	l := n.cfg.RaftListener
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", n.cfg.RaftBindAddr); err != nil {
			return nil, fmt.Errorf("listen raft: %w", err)
		}
	}
	adv, err := net.ResolveTCPAddr("tcp", n.cfg.RaftAdvertiseAddr)
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("resolve raft advertise address: %w", err)
	}
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  &streamLayer{Listener: l, advertise: adv},
		MaxPool: 3,
		Timeout: 10 * time.Second,
		Logger:  newHCLog(n.logger, "raft-net"),
	}), nil
}

// streamLayer is raft's TCP stream layer over a listener we bound ourselves.
type streamLayer struct {
	net.Listener
	advertise net.Addr
}

func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", string(addr), timeout)
}

func (s *streamLayer) Addr() net.Addr { return s.advertise }

// observe follows leader changes for the metrics and the Watch streams.
func (n *Node) observe(r *raft.Raft, end chan struct{}) {
	ch := make(chan raft.Observation, 16)
	obs := raft.NewObserver(ch, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	r.RegisterObserver(obs)
	defer r.DeregisterObserver(obs)
	for {
		select {
		case <-ch:
			n.metrics.leaderChanges.Inc()
			n.bcast.Notify()
		case <-end:
			return
		}
	}
}

// Close stops heartbeats, hands leadership to another voter when this node leads, and shuts the
// Raft node down. It does not leave the ring: call SetState(Leaving) and Leave first for a
// graceful shutdown.
func (n *Node) Close() error { return n.shutdown(true) }

// Kill stops the node as a killed process would: no leadership transfer. For fault tests.
func (n *Node) Kill() error { return n.shutdown(false) }

func (n *Node) shutdown(transfer bool) error {
	n.lifeMu.Lock()
	if n.closed {
		n.lifeMu.Unlock()
		return nil
	}
	n.closed = true
	close(n.done)
	end := n.observerEnd
	n.lifeMu.Unlock()
	n.stopHeartbeats()

	var errs []error
	if r := n.raft.Load(); r != nil {
		if transfer && r.State() == raft.Leader && n.otherVoters(r) {
			if err := r.LeadershipTransfer().Error(); err != nil {
				n.logger.Debug("leadership transfer", "err", err)
			}
		}
		if err := r.Shutdown().Error(); err != nil {
			errs = append(errs, fmt.Errorf("shut down raft: %w", err))
		}
		close(end)
	}
	if store := n.store.Load(); store != nil {
		if err := store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close raft store: %w", err))
		}
	}
	n.connMu.Lock()
	for a, c := range n.conns {
		_ = c.Close()
		delete(n.conns, a)
	}
	n.connMu.Unlock()
	n.bcast.Notify()
	return errors.Join(errs...)
}

func (n *Node) otherVoters(r *raft.Raft) bool {
	f := r.GetConfiguration()
	if f.Error() != nil {
		return false
	}
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter && s.ID != raft.ServerID(n.cfg.ID) {
			return true
		}
	}
	return false
}

// State returns the ring state as this member knows it, with the Raft leader filled in. The
// result must not be modified.
func (n *Node) State() *ringpb.RingState {
	st := n.view.Load().state
	out := &ringpb.RingState{Members: st.Members, Peers: st.Peers, Distributors: st.Distributors, Index: st.Index, FromId: n.cfg.ID}
	if r := n.raft.Load(); r != nil {
		_, id := r.LeaderWithID()
		out.LeaderId = string(id)
	}
	return out
}

// IsLeader reports whether this node is the Raft leader.
func (n *Node) IsLeader() bool {
	r := n.raft.Load()
	return r != nil && r.State() == raft.Leader
}

// RaftState returns "Follower", "Candidate", "Leader", "Shutdown", or "" before Start.
func (n *Node) RaftState() string {
	if r := n.raft.Load(); r != nil {
		return r.State().String()
	}
	return ""
}

// Voters returns the IDs of the Raft configuration's voters and non-voters.
func (n *Node) Voters() (voters, nonvoters []string, err error) {
	r := n.raft.Load()
	if r == nil {
		return nil, nil, ErrNotStarted
	}
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, nil, fmt.Errorf("get raft configuration: %w", err)
	}
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter {
			voters = append(voters, string(s.ID))
		} else {
			nonvoters = append(nonvoters, string(s.ID))
		}
	}
	return voters, nonvoters, nil
}

// Get implements ReadRing.
func (n *Node) Get(key uint32, op Operation) (ReplicationSet, error) {
	return n.view.Load().desc.get(key, op, time.Now())
}

// GetAllHealthy implements ReadRing.
func (n *Node) GetAllHealthy(op Operation) (ReplicationSet, error) {
	return n.view.Load().desc.getAllHealthy(op, time.Now())
}

// ReplicationFactor implements ReadRing.
func (n *Node) ReplicationFactor() int { return n.cfg.ReplicationFactor }

var _ ReadRing = (*Node)(nil)

// RaftStats returns hashicorp/raft's statistics (state, term, indexes, configuration), or nil
// before Start.
func (n *Node) RaftStats() map[string]string {
	if r := n.raft.Load(); r != nil {
		return r.Stats()
	}
	return nil
}
