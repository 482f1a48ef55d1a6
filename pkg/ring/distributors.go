package ring

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// DistributorConfig configures how a distributor announces itself in the ring, so that
// distributors can count each other and share per-tenant global rate limits.
type DistributorConfig struct {
	// ID names this distributor; empty means <hostname>-<pid>. Distributors hold no state, so
	// the ID need not survive restarts, but it must be unique among live distributors.
	ID string `yaml:"id"`
	// Addr is shown on the /ring page; nothing dials it through the ring.
	Addr string `yaml:"addr"`
	// HeartbeatPeriod is how often the distributor refreshes its entry.
	HeartbeatPeriod time.Duration `yaml:"heartbeat_period"`
	// HeartbeatTimeout: an entry older than this no longer counts. Entries twice as old are
	// dropped from the ring state by the next heartbeat of any distributor.
	HeartbeatTimeout time.Duration `yaml:"heartbeat_timeout"`
}

// RegisterFlags registers the flags under prefix (e.g. "distributor.ring.") and sets the
// defaults.
func (c *DistributorConfig) RegisterFlags(prefix string, fs *flag.FlagSet) {
	fs.StringVar(&c.ID, prefix+"id", "", "Distributor ID in the ring, unique among live distributors; empty: <hostname>-<pid>.")
	fs.StringVar(&c.Addr, prefix+"addr", "", "Address shown for this distributor on the /ring page.")
	fs.DurationVar(&c.HeartbeatPeriod, prefix+"heartbeat-period", 5*time.Second, "How often a distributor heartbeats in the ring.")
	fs.DurationVar(&c.HeartbeatTimeout, prefix+"heartbeat-timeout", 30*time.Second, "Heartbeat age after which a distributor no longer shares the global rate limits.")
}

// Validate checks the configuration and fills the default ID.
func (c *DistributorConfig) Validate() error {
	if c.ID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "distributor"
		}
		c.ID = host + "-" + strconv.Itoa(os.Getpid())
	}
	if c.HeartbeatPeriod <= 0 {
		return errors.New("ring distributor: heartbeat_period must be positive")
	}
	if c.HeartbeatTimeout < c.HeartbeatPeriod {
		return errors.New("ring distributor: heartbeat_timeout must be at least heartbeat_period")
	}
	return nil
}

// DistributorRing is the ring a distributor announces itself through: a Watcher (the
// distributor process watches the members) or a Node (the distributor shares a process with an
// ingester). Both forward the commands to the Raft leader.
type DistributorRing interface {
	State() *ringpb.RingState
	// applyOnce sends one command to the leader, through any member; one attempt.
	applyOnce(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error)
}

var (
	_ DistributorRing = (*Watcher)(nil)
	_ DistributorRing = (*Node)(nil)
)

// DistributorLifecycler keeps a distributor's entry in the ring fresh while Run runs and removes
// it when Run ends, and counts the healthy distributors. Safe for concurrent use.
type DistributorLifecycler struct {
	cfg    DistributorConfig
	ring   DistributorRing
	logger *slog.Logger
	now    func() time.Time

	heartbeats *prometheus.CounterVec
}

// NewDistributorLifecycler returns a lifecycler announcing this distributor through r; call
// Run. reg may be nil.
func NewDistributorLifecycler(cfg DistributorConfig, r DistributorRing, logger *slog.Logger, reg prometheus.Registerer) (*DistributorLifecycler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &DistributorLifecycler{
		cfg:    cfg,
		ring:   r,
		logger: logger.With("component", "ring-distributor", "distributor", cfg.ID),
		now:    time.Now,
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_ring_distributor_heartbeats_total",
			Help: "Ring heartbeats of this distributor, by result (ok, error).",
		}, []string{"result"}),
	}
	if reg != nil {
		healthy := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "skald_ring_healthy_distributors",
			Help: "Distributors with a fresh ring heartbeat (this one included): the divisor of global rate limits.",
		}, func() float64 { return float64(l.HealthyDistributors()) })
		if err := registerAll(reg, l.heartbeats, healthy); err != nil {
			return nil, fmt.Errorf("register ring distributor metrics: %w", err)
		}
	}
	return l, nil
}

func registerAll(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// ID returns the distributor's ID in the ring.
func (l *DistributorLifecycler) ID() string { return l.cfg.ID }

// Run heartbeats until ctx ends (retrying sooner after a failure), then removes this
// distributor from the ring, waiting at most a heartbeat timeout for that. It returns nil.
func (l *DistributorLifecycler) Run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	var failingSince time.Time
	for {
		wait := l.cfg.HeartbeatPeriod
		if err := l.heartbeat(ctx); err != nil && ctx.Err() == nil {
			l.heartbeats.WithLabelValues("error").Inc()
			// A ring that is still starting (no leader yet) is routine for a moment; warn
			// once failures last a heartbeat period.
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			lvl := slog.LevelDebug
			if time.Since(failingSince) >= l.cfg.HeartbeatPeriod {
				lvl = slog.LevelWarn
			}
			l.logger.Log(ctx, lvl, "ring heartbeat", "err", err, "failing_for", time.Since(failingSince).Round(time.Millisecond))
			wait = min(wait, backoff)
			backoff = min(2*backoff, l.cfg.HeartbeatPeriod)
		} else if err == nil {
			l.heartbeats.WithLabelValues("ok").Inc()
			backoff, failingSince = 100*time.Millisecond, time.Time{}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			l.leave(ctx)
			return nil
		case <-t.C:
		}
	}
}

// leave removes this distributor promptly so the others' share of the limits grows at once
// rather than after the timeout; a failure only delays that until the entry goes stale.
func (l *DistributorLifecycler) leave(ctx context.Context) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(l.cfg.HeartbeatTimeout, 5*time.Second))
	defer cancel()
	cmd := &ringpb.Command{Cmd: &ringpb.Command_DistributorLeave{DistributorLeave: &ringpb.DistributorLeaveCommand{Id: l.cfg.ID}}}
	if _, err := l.ring.applyOnce(lctx, cmd); err != nil {
		l.logger.Warn("leave ring", "err", err)
		return
	}
	l.logger.Info("left ring")
}

func (l *DistributorLifecycler) heartbeat(ctx context.Context) error {
	hctx, cancel := context.WithTimeout(ctx, l.cfg.HeartbeatTimeout)
	defer cancel()
	_, err := l.ring.applyOnce(hctx, &ringpb.Command{Cmd: &ringpb.Command_DistributorHeartbeat{
		DistributorHeartbeat: &ringpb.DistributorHeartbeatCommand{
			Id:              l.cfg.ID,
			Addr:            l.cfg.Addr,
			ExpireAfterNano: int64(2 * l.cfg.HeartbeatTimeout),
		},
	}})
	return err
}

// HealthyDistributors returns how many distributors have a fresh heartbeat in the ring, this
// one always included (it is alive even when the ring cannot be reached): at least 1.
func (l *DistributorLifecycler) HealthyDistributors() int {
	return CountHealthyDistributors(l.ring.State(), l.cfg.ID, l.cfg.HeartbeatTimeout, l.now())
}

// CountHealthyDistributors counts the distributors of st whose heartbeat is at most timeout old
// at now, plus self when self is not among them (self may be empty).
func CountHealthyDistributors(st *ringpb.RingState, self string, timeout time.Duration, now time.Time) int {
	n, seen := 0, false
	for _, d := range st.GetDistributors() {
		if now.Sub(time.Unix(0, d.HeartbeatUnixNano)) > timeout {
			continue
		}
		n++
		seen = seen || d.Id == self
	}
	if !seen && self != "" {
		n++
	}
	return max(1, n)
}
