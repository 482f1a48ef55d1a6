package querier

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/pkg/buildinfo"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// Store is the object-store read path the querier needs: log and sample selection plus the
// metadata queries. The tenant travels in the context (tenant.InjectContext). Times are Unix
// nanoseconds, start inclusive, end exclusive. Implementations are safe for concurrent use.
type Store interface {
	logql.Querier
	// LabelNames returns the sorted label names of the streams matching matchers (all streams
	// when empty) with data in [start, end).
	LabelNames(ctx context.Context, start, end int64, matchers ...*labels.Matcher) ([]string, error)
	// LabelValues returns the sorted values of label name, likewise.
	LabelValues(ctx context.Context, name string, start, end int64, matchers ...*labels.Matcher) ([]string, error)
	// Series returns the label sets of the streams matching any of groups, each group a
	// conjunction of matchers.
	Series(ctx context.Context, start, end int64, groups [][]*labels.Matcher) ([]labels.Labels, error)
}

// IndexStats is the answer of index/stats (the store's type, so *store.Reader is an
// IndexStatser as it is).
type IndexStats = store.IndexStats

// IndexStatser is implemented by stores that can answer index/stats from their index alone.
// Without it the querier approximates the answer from Series (streams only).
type IndexStatser interface {
	IndexStats(ctx context.Context, start, end int64, matchers ...*labels.Matcher) (IndexStats, error)
}

// Engine evaluates LogQL over a data source; *logql.Engine implements it.
type Engine interface {
	Exec(ctx context.Context, p logql.Params) (logql.Result, error)
}

// Deps are what the querier works with.
type Deps struct {
	// Ring lists the ingesters; nil queries the store only.
	Ring ring.ReadRing
	// IngesterClient returns a client for an ingester's gRPC address (pooled by the caller,
	// or inproc.QuerierClient in one process). Required with Ring.
	IngesterClient func(addr string) (querierpb.QuerierClient, error)
	// Store holds flushed data; nil queries ingesters only.
	Store Store
	// Limits are the per-tenant query limits; nil means Loki's defaults (DefaultLimits).
	Limits Limits
	// NewEngine builds a LogQL engine over the querier's fan-out data source with a tenant's
	// limits, e.g. func(q logql.Querier, o logql.EngineOpts) Engine { return
	// logql.NewEngine(o, q, logger) }. The querier keeps one engine per distinct set of limits.
	NewEngine func(logql.Querier, logql.EngineOpts) Engine
	// BuildInfo is served at /loki/api/v1/status/buildinfo; zero means buildinfo.Get().
	BuildInfo buildinfo.Info
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Querier serves Loki's query API over ingesters and the store.
type Querier struct {
	cfg     Config
	fan     *fanout
	engines sync.Map // logql.EngineOpts -> Engine
	tails   atomic.Int64
	newEng  func(logql.Querier, logql.EngineOpts) Engine
	limits  Limits
	store   Store
	build   buildinfo.Info
	now     func() time.Time
	logger  *slog.Logger
	metrics *metrics
}

// New builds a querier.
func New(cfg Config, deps Deps, logger *slog.Logger, reg prometheus.Registerer) (*Querier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Ring != nil && deps.IngesterClient == nil {
		return nil, errors.New("querier: a ring needs an ingester client")
	}
	if deps.NewEngine == nil {
		return nil, errors.New("querier: no engine")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "querier")
	q := &Querier{
		cfg:    cfg,
		limits: deps.Limits,
		store:  deps.Store,
		build:  deps.BuildInfo,
		now:    deps.Now,
		logger: logger,
	}
	if q.limits == nil {
		q.limits = DefaultLimits{}
	}
	if q.build == (buildinfo.Info{}) {
		q.build = buildinfo.Get()
	}
	if q.now == nil {
		q.now = time.Now
	}
	q.fan = &fanout{ring: deps.Ring, clients: deps.IngesterClient, store: deps.Store, cfg: cfg, now: q.now, logger: logger}
	q.newEng = deps.NewEngine
	if q.engineFor("") == nil {
		return nil, errors.New("querier: NewEngine returned nil")
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	q.metrics = m
	return q, nil
}

// engineFor returns the engine with the tenant's limits.
func (q *Querier) engineFor(tenantID string) Engine {
	opts := logql.EngineOpts{
		MaxQuerySeries:          q.limits.MaxQuerySeries(tenantID),
		MaxEntriesLimitPerQuery: q.limits.MaxEntriesLimitPerQuery(tenantID),
	}
	if e, ok := q.engines.Load(opts); ok {
		return e.(Engine)
	}
	e, _ := q.engines.LoadOrStore(opts, q.newEng(q.fan, opts))
	return e.(Engine)
}

// DataSource returns the querier's fan-out over ingesters and store, a logql.Querier for other
// evaluators in the process (e.g. the ruler).
func (q *Querier) DataSource() logql.Querier { return q.fan }

// Run returns when ctx is cancelled; the querier has no background work of its own.
func (q *Querier) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
