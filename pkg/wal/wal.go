package wal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrClosed is returned by Append after Close.
	ErrClosed = errors.New("wal closed")
	// ErrRecordTooLarge is returned by Append for a record that does not fit in one batch; split
	// it (see MaxRecordBytes).
	ErrRecordTooLarge = errors.New("wal record too large")
)

// batchOverhead bounds the framing bytes around a batch and each record.
const batchOverhead = 16

// WAL is one ingester's write-ahead log. See the package documentation.
type WAL struct {
	cfg      Config
	id       string
	logger   *slog.Logger
	js       jetstream.JetStream
	stream   jetstream.Stream
	recSubj  string
	ckptSubj string
	maxBatch int

	reqs     chan *appendReq
	inflight chan struct{}
	quit     chan struct{}
	done     chan struct{}
	once     sync.Once

	acks   chan inflightBatch
	acked  chan struct{}
	hookMu sync.Mutex
	begin  func(seq uint64)
	end    func(seq uint64)

	lastCkpt atomic.Uint64
	stats    Stats
}

// Stats are cumulative counters of a WAL, safe to read at any time.
type Stats struct {
	Appends atomic.Uint64 // records acknowledged
	Batches atomic.Uint64 // JetStream messages acknowledged
	Bytes   atomic.Uint64 // payload bytes acknowledged
	Errors  atomic.Uint64 // records whose append failed
}

type appendReq struct {
	data  []byte
	apply func(seq uint64)
	res   chan appendRes
}

type inflightBatch struct {
	paf   jetstream.PubAckFuture
	batch []*appendReq
	n     int
	buf   *[]byte // the payload, back to batchBufs once JetStream is done with it
}

type appendRes struct {
	seq uint64
	err error
}

// Open creates (or joins) the WAL stream on nc's JetStream and returns ingester id's WAL. It
// retries until ctx ends while JetStream has no meta leader yet (a fresh cluster), each attempt
// bounded by cfg.RequestTimeout. The caller keeps ownership of nc and closes it after Close.
func Open(ctx context.Context, nc *nats.Conn, id string, cfg Config, logger *slog.Logger) (*WAL, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, fmt.Errorf("invalid wal id %q: must be a non-empty subject token", id)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncTimeout(cfg.RequestTimeout),
		jetstream.WithPublishAsyncMaxPending(cfg.MaxInflight*2))
	if err != nil {
		return nil, fmt.Errorf("open jetstream: %w", err)
	}
	maxBatch := cfg.MaxBatchBytes
	if mp := int(nc.MaxPayload()); mp > 0 && mp-1024 < maxBatch {
		// Leave room for the message headers.
		maxBatch = mp - 1024
	}
	w := &WAL{
		cfg:      cfg,
		id:       id,
		logger:   logger.With("component", "wal", "wal_id", id),
		js:       js,
		recSubj:  cfg.SubjectPrefix + "." + id + ".rec",
		ckptSubj: cfg.SubjectPrefix + "." + id + ".ckpt",
		maxBatch: maxBatch,
		reqs:     make(chan *appendReq),
		inflight: make(chan struct{}, cfg.MaxInflight),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		acks:     make(chan inflightBatch, cfg.MaxInflight),
		acked:    make(chan struct{}),
	}
	if w.stream, err = w.ensureStream(ctx); err != nil {
		return nil, err
	}
	if _, _, err := w.LoadCheckpoint(ctx); err != nil {
		return nil, err
	}
	go w.ackLoop()
	go w.run()
	return w, nil
}

// ensureStream creates or updates the stream, retrying while JetStream is not ready: a request
// sent before a cluster has elected its meta leader would otherwise hang until its deadline.
func (w *WAL) ensureStream(ctx context.Context) (jetstream.Stream, error) {
	sc := jetstream.StreamConfig{
		Name:        w.cfg.Stream,
		Subjects:    []string{w.cfg.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    w.cfg.Replicas,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		AllowDirect: true,
	}
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, w.cfg.RequestTimeout)
		s, err := w.js.CreateOrUpdateStream(cctx, sc)
		cancel()
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("create wal stream %s: %w (last error: %v)", sc.Name, ctx.Err(), err)
		}
		if attempt%10 == 0 {
			w.logger.Info("waiting for jetstream", "err", err)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// MaxRecordBytes is the largest encoded record Append accepts.
func (w *WAL) MaxRecordBytes() int { return w.maxBatch - batchOverhead }

// Stats returns the WAL's counters.
func (w *WAL) Stats() *Stats { return &w.stats }

// Append writes r and returns the sequence of the JetStream message holding it, once JetStream
// acknowledged that message. If ctx ends first the record may still be written (and replayed
// later): callers must treat the append as failed, not as absent.
func (w *WAL) Append(ctx context.Context, r Record) (uint64, error) {
	data, err := EncodeRecord(nil, r)
	if err != nil {
		return 0, err
	}
	return w.AppendEncoded(ctx, data)
}

// AppendEncoded is Append for a record already encoded with EncodeRecord. data must not be
// modified until it returns.
func (w *WAL) AppendEncoded(ctx context.Context, data []byte) (uint64, error) {
	return w.AppendApply(ctx, data, nil)
}

// SetBatchHooks installs functions called on the acknowledgement goroutine around the apply
// calls of each acknowledged batch: begin before the first, end after the last. Together with
// AppendApply they let a caller apply records to its state in exactly the order Replay will
// deliver them, and observe batch boundaries (e.g. to cut chunks only between batches). Call it
// before the first append.
func (w *WAL) SetBatchHooks(begin, end func(seq uint64)) {
	w.hookMu.Lock()
	w.begin, w.end = begin, end
	w.hookMu.Unlock()
}

// AppendApply is AppendEncoded that, once the record is acknowledged and before returning,
// calls apply(seq) on the WAL's single acknowledgement goroutine. Batches are acknowledged in
// sequence order and a batch's records in append order, which is the order Replay delivers
// them. apply runs even if ctx ended meanwhile (the record is durable and will be replayed), so
// it must not depend on the caller still waiting. It must be quick: it delays every later
// append. apply may be nil.
func (w *WAL) AppendApply(ctx context.Context, data []byte, apply func(seq uint64)) (uint64, error) {
	if len(data) > w.MaxRecordBytes() {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrRecordTooLarge, len(data), w.MaxRecordBytes())
	}
	req := &appendReq{data: data, apply: apply, res: make(chan appendRes, 1)}
	select {
	case w.reqs <- req:
	case <-w.quit:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case res := <-req.res:
		return res.seq, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Close stops accepting appends, waits for the acknowledgements of batches in flight and
// returns. Appends not yet in a batch fail with ErrClosed. It does not close the connection.
func (w *WAL) Close() error {
	w.once.Do(func() { close(w.quit) })
	<-w.done
	return nil
}
