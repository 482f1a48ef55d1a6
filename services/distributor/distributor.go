package distributor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/pkg/loghttp/push"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

// Distributor validates pushes and replicates them to ingesters. It is safe for concurrent use.
type Distributor struct {
	logproto.UnimplementedPusherServer

	cfg     Config
	deps    Deps
	logger  *slog.Logger
	decoder *push.Decoder
	limiter *rateLimiter
	streams *streamCache
	discard *validation.DiscardMetrics
	m       *metrics

	clientsMu sync.Mutex
	clients   map[string]logproto.PusherClient
}

// New returns a Distributor. reg may be nil (metrics unregistered).
func New(cfg Config, deps Deps, logger *slog.Logger, reg prometheus.Registerer) (*Distributor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = nopLogger()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("register distributor metrics: %w", err)
	}
	return &Distributor{
		cfg:    cfg,
		deps:   deps,
		logger: logger.With("component", "distributor"),
		decoder: push.NewDecoder(push.Limits{
			MaxCompressedBytes:   int64(cfg.MaxRecvMsgSize),
			MaxDecompressedBytes: int64(cfg.MaxDecompressedSize),
		}),
		limiter: newRateLimiter(),
		streams: newStreamCache(streamCacheSize),
		discard: validation.NewDiscardMetrics(reg),
		m:       m,
		clients: map[string]logproto.PusherClient{},
	}, nil
}

// Run prunes idle rate-limit buckets until ctx is done. The distributor holds no other state:
// every push is finished (acknowledged or failed) before its handler returns.
func (d *Distributor) Run(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			d.limiter.prune(d.deps.Now(), 10*time.Minute)
		}
	}
}

func (d *Distributor) client(addr string) (logproto.PusherClient, error) {
	d.clientsMu.Lock()
	defer d.clientsMu.Unlock()
	if c, ok := d.clients[addr]; ok {
		return c, nil
	}
	c, err := d.deps.IngesterClient(addr)
	if err != nil {
		return nil, fmt.Errorf("create ingester client for %s: %w", addr, err)
	}
	d.clients[addr] = c
	return c, nil
}

func (d *Distributor) healthyDistributors() int {
	if d.deps.HealthyDistributors == nil {
		return max(1, d.cfg.Distributors)
	}
	return max(1, d.deps.HealthyDistributors())
}
