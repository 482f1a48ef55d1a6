package store

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/objstore"
)

// WriterConfig configures a Writer.
type WriterConfig struct {
	// WriterID names this writer's index segments (the ingester's ID); unique per process that
	// writes concurrently, stable or not across restarts.
	WriterID string `yaml:"writer_id"`
	// UploadConcurrency bounds parallel chunk uploads per WriteChunks call.
	UploadConcurrency int `yaml:"upload_concurrency"`
}

// RegisterFlags registers the flags with prefix (e.g. "store.") and sets defaults.
func (c *WriterConfig) RegisterFlags(prefix string, fs *flag.FlagSet) {
	fs.StringVar(&c.WriterID, prefix+"writer-id", "", "Name of this process's index segments in the object store (the ingester ID); required.")
	fs.IntVar(&c.UploadConcurrency, prefix+"upload-concurrency", 8, "Chunk uploads in flight per flush; 0 means 8.")
}

// Validate checks the configuration.
func (c *WriterConfig) Validate() error {
	if c.WriterID == "" {
		return errors.New("store writer: writer_id is required")
	}
	if _, err := index.SegmentKey(index.Segment{Tenant: "t", Writer: c.WriterID}); err != nil {
		return fmt.Errorf("store writer: writer_id: %w", err)
	}
	return nil
}

// FlushedChunk is one encoded chunk of a stream, ready to store.
type FlushedChunk struct {
	Labels labels.Labels
	Data   []byte
	Meta   chunk.Meta
}

// BuildChunk encodes one stream's entries (sorted by timestamp) into a FlushedChunk.
func BuildChunk(lbls labels.Labels, entries []iter.Entry, opts chunk.Options) (FlushedChunk, error) {
	b := chunk.NewBuilder(opts)
	for _, e := range entries {
		if err := b.Append(e.Timestamp, e.Line, e.StructuredMetadata); err != nil {
			return FlushedChunk{}, fmt.Errorf("build chunk of %s: %w", lbls, err)
		}
	}
	data, meta, err := b.Finish()
	if err != nil {
		return FlushedChunk{}, fmt.Errorf("build chunk of %s: %w", lbls, err)
	}
	return FlushedChunk{Labels: lbls, Data: data, Meta: meta}, nil
}

// Writer stores flushed chunks and their index. Safe for concurrent use.
type Writer struct {
	bkt    objstore.Bucket
	cfg    WriterConfig
	logger *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	lastSeq uint64
}

// NewWriter returns a writer into bkt. cfg.WriterID must be valid (see Validate).
func NewWriter(bkt objstore.Bucket, cfg WriterConfig, logger *slog.Logger) *Writer {
	if cfg.UploadConcurrency <= 0 {
		cfg.UploadConcurrency = 8
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Writer{bkt: bkt, cfg: cfg, logger: logger.With("component", "store_writer"), now: time.Now}
}

// nextSeq returns a segment sequence number that grows across calls and across restarts (it is
// the wall clock in ns, bumped past the last one), so a writer never overwrites its own segment.
func (w *Writer) nextSeq() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := uint64(w.now().UnixNano())
	if s <= w.lastSeq {
		s = w.lastSeq + 1
	}
	w.lastSeq = s
	return s
}

// WriteChunks uploads the chunks of one tenant, then one index segment per 24 h period they
// touch, and returns nil only when all of it is durable in the bucket. Empty chunks are
// skipped. On error some objects may be stored; calling again with the same chunks is safe
// (chunk keys are content-addressed; a retry writes a new segment and readers drop duplicate
// refs).
func (w *Writer) WriteChunks(ctx context.Context, tenant string, chunks []FlushedChunk) error {
	if err := validateTenant(tenant); err != nil {
		return fmt.Errorf("write chunks: %w", err)
	}
	type upload struct {
		key string
		fc  *FlushedChunk
	}
	ups := make([]upload, 0, len(chunks))
	for i := range chunks {
		fc := &chunks[i]
		if fc.Meta.Entries == 0 {
			continue
		}
		if fc.Meta.MaxT < fc.Meta.MinT || int64(len(fc.Data)) != fc.Meta.CompressedSize {
			return fmt.Errorf("write chunks: chunk %d of %s: meta does not match data", i, fc.Labels)
		}
		ups = append(ups, upload{key: ChunkKey(tenant, fc.Labels.Hash(), fc.Meta), fc: fc})
	}
	if len(ups) == 0 {
		return nil
	}
	start := time.Now()
	err := parallel(ctx, len(ups), w.cfg.UploadConcurrency, func(ctx context.Context, i int) error {
		u := ups[i]
		if err := w.bkt.Upload(ctx, u.key, bytes.NewReader(u.fc.Data), int64(len(u.fc.Data))); err != nil {
			return fmt.Errorf("upload chunk %s: %w", u.key, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write chunks: %w", err)
	}
	// One segment per period: a chunk that crosses midnight is referenced from both days.
	writers := map[int64]*index.Writer{}
	for _, u := range ups {
		m := u.fc.Meta
		ref := index.ChunkRef{From: m.MinT, Through: m.MaxT, Size: int64(len(u.fc.Data)), Entries: m.Entries, Key: u.key, Checksum: m.Checksum}
		for _, p := range index.Periods(m.MinT, m.MaxT) {
			iw := writers[p]
			if iw == nil {
				iw = index.NewWriter()
				writers[p] = iw
			}
			iw.Add(u.fc.Labels, ref)
		}
	}
	for p, iw := range writers {
		data, err := iw.Finish()
		if err != nil {
			return fmt.Errorf("write chunks: build index segment: %w", err)
		}
		key, err := index.SegmentKey(index.Segment{Period: p, Tenant: tenant, Writer: w.cfg.WriterID, Seq: w.nextSeq()})
		if err != nil {
			return fmt.Errorf("write chunks: %w", err)
		}
		if err := w.bkt.Upload(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			return fmt.Errorf("write chunks: upload index segment %s: %w", key, err)
		}
	}
	w.logger.Debug("chunks written", "tenant", tenant, "chunks", len(ups), "segments", len(writers), "duration", time.Since(start))
	return nil
}

// parallel runs f(0..n-1) with at most limit in flight; the first error cancels the rest.
func parallel(ctx context.Context, n, limit int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			if first != nil {
				return first
			}
			return context.Cause(ctx)
		}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			if err := f(ctx, i); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		}(i)
	}
	wg.Wait()
	return first
}
