package ingester

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// Deps are the ingester's collaborators.
type Deps struct {
	// NATS is the connection the WAL uses (in-process to the embedded server, or to a cluster).
	// The ingester does not close it.
	NATS *nats.Conn
	// Store receives flushed chunks.
	Store ChunkStore
	// Limits, optional, gives the per-tenant stream and per-stream rate limits.
	Limits Limits
}

// Ingester holds recent log data in memory, makes every push durable in its WAL before
// acknowledging it, flushes chunks to the store and serves queries over what it holds.
type Ingester struct {
	logproto.UnimplementedPusherServer
	querierpb.UnimplementedQuerierServer

	cfg     Config
	deps    Deps
	logger  *slog.Logger
	metrics *metrics

	wal       atomic.Pointer[wal.WAL]
	walClosed atomic.Bool
	ready     atomic.Bool
	// pushMu is held shared by each Push and exclusively by shutdown to wait for them.
	pushMu sync.RWMutex

	tenantsMu sync.RWMutex
	tenants   map[string]*tenantState

	// applyMu orders the application of WAL batches to memory with chunk cuts: it is held by
	// the WAL's acknowledgement goroutine for a whole batch and by cuts, so a chunk boundary
	// never falls inside a batch. applied is the last batch applied.
	applyMu sync.Mutex
	applied uint64
	toCut   []*stream

	// marks are the per-stream flush marks (see doc.go), guarded by flushMu with the flush.
	flushMu    sync.Mutex
	marks      map[markKey]uint64
	marksDirty bool
	lastCkpt   uint64
	// relief, when set, makes the next flush cut every head that started below it: the flush
	// marks grew too large for one checkpoint because old heads held the checkpoint back.
	relief uint64

	// chunkOpts encode cut chunks (the store's when it takes encoded chunks); encStore is
	// deps.Store when it does. The encode queue feeds the background encoder (encode.go).
	chunkOpts  chunk.Options
	encStore   EncodedChunkStore
	encQMu     sync.Mutex
	encQ       []encodeJob
	encWorkers int
	// encBacklog is the raw bytes of the chunks queued or being encoded; encRoom, when not
	// nil, is closed once it falls below cfg.EncodeBacklogBytes (pushes wait on it).
	encBacklog int
	encRoom    chan struct{}
	encWG      sync.WaitGroup
	// pendingBytes is the encoded bytes of chunks not yet flushed (memChunk.pending);
	// flushSoon asks the flush loop for a flush once it reaches cfg.FlushPendingBytes.
	pendingBytes atomic.Int64
	flushSoon    chan struct{}
	// noSizeFastPath makes sample queries read lines even when log.SizeOnly says they need
	// none (tests compare both paths).
	noSizeFastPath bool

	flushReqs chan chan error
	stopping  chan struct{} // closed when Run stops serving flush requests
}

type tenantState struct {
	mu      sync.RWMutex
	streams map[string]*stream
}

type markKey struct {
	tenant string
	fp     uint64
}

// ErrNotReady is returned while the ingester replays its WAL or after it began stopping.
var ErrNotReady = errors.New("ingester not ready")

// New returns an ingester; Run starts it.
func New(cfg Config, deps Deps, logger *slog.Logger, reg prometheus.Registerer) (*Ingester, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.NATS == nil || deps.Store == nil {
		return nil, errors.New("ingester needs a NATS connection and a chunk store")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	i := &Ingester{
		cfg:       cfg,
		deps:      deps,
		logger:    logger.With("component", "ingester", "ingester_id", cfg.ID),
		tenants:   map[string]*tenantState{},
		marks:     map[markKey]uint64{},
		flushReqs: make(chan chan error),
		flushSoon: make(chan struct{}, 1),
		stopping:  make(chan struct{}),
	}
	i.chunkOpts = chunk.DefaultOptions()
	if es, ok := deps.Store.(EncodedChunkStore); ok {
		i.encStore, i.chunkOpts = es, es.ChunkOptions()
	}
	m, err := newMetrics(reg, i)
	if err != nil {
		return nil, err
	}
	i.metrics = m
	return i, nil
}

// Ready returns nil once the WAL is replayed and pushes are accepted.
func (i *Ingester) Ready() error {
	if !i.ready.Load() {
		return ErrNotReady
	}
	return nil
}

// Run opens and replays the WAL, then accepts pushes and flushes chunks until ctx is cancelled;
// then it stops accepting pushes, flushes everything, checkpoints the WAL and returns.
func (i *Ingester) Run(ctx context.Context) error {
	defer i.encWG.Wait() // chunks cut by replay or the final flush may still be encoding
	w, err := wal.Open(ctx, i.deps.NATS, i.cfg.ID, i.cfg.WAL, i.logger)
	if err != nil {
		return fmt.Errorf("open wal: %w", err)
	}
	if err := i.replay(ctx, w); err != nil {
		_ = w.Close()
		return fmt.Errorf("replay wal: %w", err)
	}
	w.SetBatchHooks(i.beginBatch, i.endBatch)
	i.wal.Store(w)
	i.ready.Store(true)
	i.logger.Info("ingester ready")

	t := time.NewTicker(i.cfg.FlushCheckPeriod)
	defer t.Stop()
	var failedAt time.Time // of the last early flush that failed
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
			if err := i.flush(ctx, false); err != nil {
				i.logger.Warn("flush", "err", err)
			}
		case <-i.flushSoon:
			// Chunks are cut faster than the ticks come: flush them now rather than hold them.
			// After a failure, wait for the tick (the flush retries them) instead of
			// retrying at every chunk encoded.
			if time.Since(failedAt) < i.cfg.FlushCheckPeriod {
				continue
			}
			if err := i.flush(ctx, false); err != nil {
				failedAt = time.Now()
				i.logger.Warn("flush", "err", err)
			}
		case reply := <-i.flushReqs:
			reply <- i.flush(ctx, true)
		}
	}
	// Refuse new pushes and wait for those in flight, so the final cut (logged in the WAL)
	// covers everything acknowledged.
	i.ready.Store(false)
	close(i.stopping)
	i.pushMu.Lock()
	i.pushMu.Unlock() //nolint:staticcheck // an empty critical section: waiting is the point
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), i.cfg.FlushOpTimeout)
	defer cancel()
	err = i.flush(fctx, true)
	i.walClosed.Store(true)
	_ = w.Close()
	if err != nil {
		return fmt.Errorf("final flush: %w", err)
	}
	i.logger.Info("ingester stopped after final flush")
	return nil
}

// Flush cuts and flushes every stream's data and checkpoints the WAL, as on shutdown.
func (i *Ingester) Flush(ctx context.Context) error {
	if !i.ready.Load() {
		return ErrNotReady
	}
	reply := make(chan error, 1)
	select {
	case i.flushReqs <- reply:
	case <-i.stopping:
		return ErrNotReady // the final flush is under way
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (i *Ingester) beginBatch(uint64) { i.applyMu.Lock() }

func (i *Ingester) endBatch(seq uint64) {
	i.applied = seq
	i.cutFullLocked()
	i.applyMu.Unlock()
}

// cutFullLocked cuts the heads that reached the target size during the batch. Caller holds
// applyMu.
func (i *Ingester) cutFullLocked() {
	for _, s := range i.toCut {
		s.mu.Lock()
		var c *memChunk
		if s.full {
			c = s.cutLocked(i.applied)
		}
		s.mu.Unlock()
		i.encodeLater(s, c)
	}
	i.toCut = i.toCut[:0]
}

func (i *Ingester) tenant(id string, create bool) *tenantState {
	i.tenantsMu.RLock()
	t := i.tenants[id]
	i.tenantsMu.RUnlock()
	if t != nil || !create {
		return t
	}
	i.tenantsMu.Lock()
	defer i.tenantsMu.Unlock()
	if t = i.tenants[id]; t == nil {
		t = &tenantState{streams: map[string]*stream{}}
		i.tenants[id] = t
	}
	return t
}

// lookup returns the stream whose canonical label string is key, or nil.
func (t *tenantState) lookup(key string) *stream {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.streams[key]
}

func (t *tenantState) stream(key string, mk func() *stream) (*stream, bool) {
	s, created, _ := t.streamLimited(key, mk, 0)
	return s, created
}

// streamLimited returns the stream for key, creating it unless the tenant already has limit
// streams (limit 0: no limit); ok is false when refused.
func (t *tenantState) streamLimited(key string, mk func() *stream, limit int) (s *stream, created, ok bool) {
	t.mu.RLock()
	s = t.streams[key]
	t.mu.RUnlock()
	if s != nil {
		return s, false, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s = t.streams[key]; s != nil {
		return s, false, true
	}
	if limit > 0 && len(t.streams) >= limit {
		return nil, false, false
	}
	s = mk()
	t.streams[key] = s
	return s, true, true
}

// tenantIDs returns the tenants in memory.
func (i *Ingester) tenantIDs() []string {
	i.tenantsMu.RLock()
	defer i.tenantsMu.RUnlock()
	out := make([]string, 0, len(i.tenants))
	for id := range i.tenants {
		out = append(out, id)
	}
	return out
}

// streamsOf returns a snapshot of a tenant's streams.
func (t *tenantState) snapshot() []*stream {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*stream, 0, len(t.streams))
	for _, s := range t.streams {
		out = append(out, s)
	}
	return out
}
