package ring

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// WatcherConfig configures a Watcher.
type WatcherConfig struct {
	// Addrs are gRPC addresses of ring members to watch; members learned from the ring are
	// tried too.
	Addrs []string `yaml:"addrs"`
	// ReplicationFactor and HeartbeatTimeout must match the members' (see Config).
	ReplicationFactor int           `yaml:"replication_factor"`
	HeartbeatTimeout  time.Duration `yaml:"heartbeat_timeout"`
	// IdleTimeout: a stream that delivered nothing for this long is dropped and another member
	// is tried (members heartbeat, so a live ring changes every heartbeat period). 0 disables.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxBackoff caps the pause after every known member failed.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// RegisterFlags registers the flags under prefix (e.g. "ring.watch.") and sets the defaults.
func (c *WatcherConfig) RegisterFlags(prefix string, fs *flag.FlagSet) {
	fs.Var(stringsFlag{&c.Addrs}, prefix+"addrs", "Comma-separated gRPC addresses of ring members (ingesters) to watch.")
	fs.IntVar(&c.ReplicationFactor, prefix+"replication-factor", 1, "Members each stream is written to; as the ring members' (3 in a cluster).")
	fs.DurationVar(&c.HeartbeatTimeout, prefix+"heartbeat-timeout", time.Minute, "Heartbeat age after which a member is unhealthy; as the ring members'; 0 never.")
	fs.DurationVar(&c.IdleTimeout, prefix+"idle-timeout", 30*time.Second, "Move to another member after a watch delivered nothing this long; 0 never.")
	fs.DurationVar(&c.MaxBackoff, prefix+"max-backoff", 2*time.Second, "Longest pause after every known member failed.")
}

// Validate checks the configuration.
func (c *WatcherConfig) Validate() error {
	if len(c.Addrs) == 0 {
		return errors.New("ring watcher: at least one member address is required")
	}
	if c.ReplicationFactor <= 0 {
		return errors.New("ring watcher: replication_factor must be positive")
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 2 * time.Second
	}
	return nil
}

// Watcher follows the ring through Ring.Watch on one member at a time and implements ReadRing
// from the last state it received. When the member dies (stream error or idle timeout) it moves
// to the next known member. Safe for concurrent use; Run must be running for updates.
type Watcher struct {
	cfg    WatcherConfig
	logger *slog.Logger
	view   atomic.Pointer[ringView]
	bcast  *broadcaster
	got    atomic.Bool
	member atomic.Pointer[string]

	reconnects prometheus.Counter

	connMu sync.Mutex
	conns  map[string]*grpc.ClientConn
}

// NewWatcher returns a Watcher; call Run to follow the ring. reg may be nil.
func NewWatcher(cfg WatcherConfig, logger *slog.Logger, reg prometheus.Registerer) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Watcher{
		cfg:    cfg,
		logger: logger.With("component", "ring-watcher"),
		bcast:  newBroadcaster(),
		conns:  map[string]*grpc.ClientConn{},
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skald_ring_watcher_reconnects_total",
			Help: "Times the ring watcher moved to another member after its stream ended.",
		}),
	}
	w.view.Store(newRingView(nil, &ringpb.RingState{}, cfg.ReplicationFactor, cfg.HeartbeatTimeout))
	if reg != nil {
		reg.MustRegister(w.reconnects, newMembersCollector("skald_ring_watcher_members", func() *desc { return w.view.Load().desc }))
	}
	return w, nil
}

// Run follows the ring until ctx ends; it returns nil then.
func (w *Watcher) Run(ctx context.Context) error {
	defer w.closeConns()
	backoff := 50 * time.Millisecond
	next := 0
	for ctx.Err() == nil {
		addrs := w.addrs()
		failedRound := true
		for range addrs {
			a := addrs[next%len(addrs)]
			next++
			delivered, err := w.follow(ctx, a)
			if ctx.Err() != nil {
				return nil
			}
			w.reconnects.Inc()
			w.logger.Info("ring watch ended, trying another member", "member_addr", a, "err", err)
			if delivered {
				failedRound = false
				backoff = 50 * time.Millisecond
				break
			}
		}
		if failedRound {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, w.cfg.MaxBackoff)
		}
	}
	return nil
}

// addrs is the configured addresses followed by those of the ring's peers.
func (w *Watcher) addrs() []string {
	out := append([]string(nil), w.cfg.Addrs...)
	for _, p := range w.view.Load().state.Peers {
		out = append(out, p.Addr)
	}
	return dedupe(out)
}

// follow streams states from one member until the stream fails or goes idle. delivered says
// whether at least one state arrived.
func (w *Watcher) follow(ctx context.Context, addr string) (delivered bool, err error) {
	c, err := w.client(addr)
	if err != nil {
		return false, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Watch(sctx, &ringpb.WatchRequest{})
	if err != nil {
		return false, err
	}
	var idle *time.Timer
	if w.cfg.IdleTimeout > 0 {
		idle = time.AfterFunc(w.cfg.IdleTimeout, cancel)
		defer idle.Stop()
	}
	w.member.Store(&addr)
	defer w.member.Store(nil)
	for {
		st, err := stream.Recv()
		if err != nil {
			return delivered, err
		}
		if idle != nil {
			idle.Reset(w.cfg.IdleTimeout)
		}
		delivered = true
		// Only Run's goroutine stores views, so load-then-store does not race.
		w.view.Store(newRingView(w.view.Load(), st, w.cfg.ReplicationFactor, w.cfg.HeartbeatTimeout))
		w.got.Store(true)
		w.bcast.Notify()
	}
}

func (w *Watcher) client(addr string) (ringpb.RingClient, error) {
	w.connMu.Lock()
	defer w.connMu.Unlock()
	if c, ok := w.conns[addr]; ok {
		return ringpb.NewRingClient(c), nil
	}
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial ring member %s: %w", addr, err)
	}
	w.conns[addr] = c
	return ringpb.NewRingClient(c), nil
}

func (w *Watcher) closeConns() {
	w.connMu.Lock()
	defer w.connMu.Unlock()
	for a, c := range w.conns {
		_ = c.Close()
		delete(w.conns, a)
	}
}

// WaitReady blocks until the first ring state arrived or ctx ends.
func (w *Watcher) WaitReady(ctx context.Context) error {
	for {
		ch := w.bcast.Wait()
		if w.got.Load() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for ring state: %w", ctx.Err())
		case <-ch:
		}
	}
}

// Ready returns nil once a ring state has been received.
func (w *Watcher) Ready() error {
	if !w.got.Load() {
		return errors.New("ring watcher has no ring state yet")
	}
	return nil
}

// Changed returns a channel closed at the next ring state received.
func (w *Watcher) Changed() <-chan struct{} { return w.bcast.Wait() }

// State returns the last ring state received; callers must not modify it.
func (w *Watcher) State() *ringpb.RingState { return w.view.Load().state }

// Member returns the address of the member currently watched, or "".
func (w *Watcher) Member() string {
	if p := w.member.Load(); p != nil {
		return *p
	}
	return ""
}

// Forget asks the ring (through any member, which forwards to the leader) to forget a dead
// member.
func (w *Watcher) Forget(ctx context.Context, id string) error {
	_, err := w.applyOnce(ctx, &ringpb.Command{Cmd: &ringpb.Command_Forget{Forget: &ringpb.ForgetCommand{Id: id}}})
	if err != nil {
		return fmt.Errorf("forget %s: %w", id, err)
	}
	return nil
}

// applyOnce sends cmd to the known members in turn until one applies it (each forwards to the
// leader) or fails for good.
func (w *Watcher) applyOnce(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error) {
	var errs []error
	for _, a := range w.addrs() {
		c, err := w.client(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res, err := c.Apply(ctx, cmd)
		if err == nil || permanent(err) {
			return res, err
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, errors.New("no ring member known")
	}
	return nil, errors.Join(errs...)
}

// Get implements ReadRing.
func (w *Watcher) Get(key uint32, op Operation) (ReplicationSet, error) {
	return w.view.Load().desc.get(key, op, time.Now())
}

// GetAllHealthy implements ReadRing.
func (w *Watcher) GetAllHealthy(op Operation) (ReplicationSet, error) {
	return w.view.Load().desc.getAllHealthy(op, time.Now())
}

// ReplicationFactor implements ReadRing.
func (w *Watcher) ReplicationFactor() int { return w.cfg.ReplicationFactor }

var _ ReadRing = (*Watcher)(nil)
