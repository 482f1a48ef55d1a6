package store

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/objstore"
)

// Config configures a Reader.
type Config struct {
	// CacheBytes is the in-memory budget for decoded index segments and chunks.
	CacheBytes int64 `yaml:"cache_bytes"`
	// CacheDir keeps downloaded index segments as files; empty: no disk cache.
	CacheDir string `yaml:"cache_dir"`
	// FetchConcurrency bounds parallel object fetches per query.
	FetchConcurrency int `yaml:"fetch_concurrency"`
	// PrefetchBytes bounds the chunk bytes a query fetches ahead of reading them.
	PrefetchBytes int64 `yaml:"prefetch_bytes"`
	// MaxChunksPerQuery and MaxBytesPerQuery bound what one query may fetch; 0: no limit.
	MaxChunksPerQuery int   `yaml:"max_chunks_per_query"`
	MaxBytesPerQuery  int64 `yaml:"max_query_bytes_read"`
	// SegmentListTTL is how long a tenant's list of index segments for a period is reused
	// before the bucket is listed again; 0 lists on every query.
	SegmentListTTL time.Duration `yaml:"segment_list_ttl"`
}

// RegisterFlags registers the flags with prefix (e.g. "store.") and sets defaults.
func (c *Config) RegisterFlags(prefix string, fs *flag.FlagSet) {
	fs.Int64Var(&c.CacheBytes, prefix+"cache-bytes", 512<<20, "Bytes of memory for cached index segments and chunks; 0 disables the cache.")
	fs.StringVar(&c.CacheDir, prefix+"cache-dir", "", "Directory for downloaded index segments; empty keeps them in memory only.")
	fs.IntVar(&c.FetchConcurrency, prefix+"fetch-concurrency", 16, "Object fetches in flight per query; 0 means 16.")
	fs.Int64Var(&c.PrefetchBytes, prefix+"prefetch-bytes", 64<<20, "Chunk bytes a query may fetch ahead of reading them; 0 means 64 MiB.")
	fs.IntVar(&c.MaxChunksPerQuery, prefix+"max-chunks-per-query", 2000000, "Most chunks one query may read; 0 means no limit.")
	fs.Int64Var(&c.MaxBytesPerQuery, prefix+"max-query-bytes-read", 0, "Most chunk bytes one query may read; 0 means no limit.")
	fs.DurationVar(&c.SegmentListTTL, prefix+"segment-list-ttl", 0, "How long a listing of index segments is reused; 0 lists on every query.")
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.CacheBytes < 0 || c.FetchConcurrency < 0 || c.MaxChunksPerQuery < 0 || c.MaxBytesPerQuery < 0 || c.SegmentListTTL < 0 || c.PrefetchBytes < 0 {
		return errors.New("store: sizes, limits and durations must not be negative")
	}
	return nil
}

// ErrLimit is wrapped by the errors of queries that hit a per-query limit (a client error).
var ErrLimit = errors.New("query limit exceeded")

// Reader reads the store: it implements logql.Querier and the label/series lookups the querier
// needs. Safe for concurrent use.
type Reader struct {
	bkt    objstore.Bucket
	cfg    Config
	logger *slog.Logger

	segments *lru[*index.Reader]
	chunks   *lru[*chunk.Chunk]

	listMu sync.Mutex
	lists  map[string]segmentList // key: tenant + "/" + period

	fetched [numFetchKinds]atomic.Int64 // object bytes read, by kind

	// noSizeFastPath makes SelectSamples decode lines even where the extraction needs none,
	// so tests can compare both paths over the same chunks.
	noSizeFastPath bool
	// noParallelSamples makes SelectSamples read streams serially; sampleBatch, when not 0,
	// overrides the parallel path's batch size. For tests.
	noParallelSamples bool
	sampleBatch       int
}

type segmentList struct {
	keys []string
	at   time.Time
}

// NewReader returns a reader of bkt.
func NewReader(bkt objstore.Bucket, cfg Config, logger *slog.Logger) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.FetchConcurrency == 0 {
		cfg.FetchConcurrency = 16
	}
	if cfg.PrefetchBytes == 0 {
		cfg.PrefetchBytes = 64 << 20
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("create cache dir: %w", err)
		}
	}
	// Index segments are small and read by every query, chunks large and read once or a few
	// times: a quarter of the budget is kept for segments so chunk scans cannot flush them.
	return &Reader{
		bkt:      bkt,
		cfg:      cfg,
		logger:   logger.With("component", "store_reader"),
		segments: newLRU[*index.Reader](cfg.CacheBytes / 4),
		chunks:   newLRU[*chunk.Chunk](cfg.CacheBytes - cfg.CacheBytes/4),
		lists:    map[string]segmentList{},
	}, nil
}

func readAll(ctx context.Context, bkt objstore.Bucket, key string) ([]byte, error) {
	rc, err := bkt.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// listSegments returns the keys of tenant's segments for period p.
func (r *Reader) listSegments(ctx context.Context, tenant string, p int64) ([]string, error) {
	lk := fmt.Sprintf("%s/%d", tenant, p)
	if r.cfg.SegmentListTTL > 0 {
		r.listMu.Lock()
		l, ok := r.lists[lk]
		r.listMu.Unlock()
		if ok && time.Since(l.at) < r.cfg.SegmentListTTL {
			return l.keys, nil
		}
	}
	var keys []string
	err := r.bkt.Iter(ctx, index.TenantPrefix(p, tenant), func(k string) error {
		if _, err := index.ParseSegmentKey(k); err == nil {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list index segments of period %d: %w", p, err)
	}
	r.pruneCacheDir(index.TenantPrefix(p, tenant), keys)
	if r.cfg.SegmentListTTL > 0 {
		r.listMu.Lock()
		r.lists[lk] = segmentList{keys: keys, at: time.Now()}
		r.listMu.Unlock()
	}
	return keys, nil
}

// pruneCacheDir removes cached segment files under prefix that the bucket no longer lists (the
// compactor merged or retention deleted them), so the cache directory does not grow forever.
func (r *Reader) pruneCacheDir(prefix string, live []string) {
	if r.cfg.CacheDir == "" {
		return
	}
	dir := filepath.Join(r.cfg.CacheDir, filepath.FromSlash(prefix))
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // nothing cached for this prefix yet
	}
	keep := make(map[string]bool, len(live))
	for _, k := range live {
		keep[k] = true
	}
	for _, e := range ents {
		if e.IsDir() || keep[prefix+e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			r.logger.Warn("prune cached index segment", "file", e.Name(), "err", err)
		}
	}
}

// maxListedPeriods is the widest query range, in periods, whose segments are listed period by
// period; wider ranges list the whole index once.
const maxListedPeriods = 64

// listAllSegments lists every segment of tenant in periods [first, last], by period.
func (r *Reader) listAllSegments(ctx context.Context, tenant string, first, last int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := r.bkt.Iter(ctx, "index/", func(k string) error {
		seg, err := index.ParseSegmentKey(k)
		if err == nil && seg.Tenant == tenant && seg.Period >= first && seg.Period <= last {
			out[seg.Period] = append(out[seg.Period], k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list index segments: %w", err)
	}
	return out, nil
}

// segment returns the decoded segment at key: from memory, the cache directory, or the bucket.
func (r *Reader) segment(ctx context.Context, key string) (*index.Reader, error) {
	if s, ok := r.segments.get(key); ok {
		return s, nil
	}
	var data []byte
	path := ""
	if r.cfg.CacheDir != "" {
		path = filepath.Join(r.cfg.CacheDir, filepath.FromSlash(key))
		if b, err := os.ReadFile(path); err == nil {
			data = b
		}
	}
	fromDisk := data != nil
	if data == nil {
		b, err := readAll(ctx, r.bkt, key)
		r.fetched[fetchSegment].Add(int64(len(b)))
		if err != nil {
			return nil, fmt.Errorf("get index segment %s: %w", key, err)
		}
		data = b
	}
	s, err := index.Open(data)
	if err != nil && fromDisk {
		// A damaged cache file is not the segment's fault: drop it and fetch again.
		r.logger.Warn("dropping damaged cached index segment", "key", key, "err", err)
		_ = os.Remove(path)
		return r.segmentFromBucket(ctx, key, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open index segment %s: %w", key, err)
	}
	if path != "" && !fromDisk {
		r.writeCacheFile(path, data)
	}
	r.segments.put(key, s, int64(len(data)))
	return s, nil
}

func (r *Reader) segmentFromBucket(ctx context.Context, key, path string) (*index.Reader, error) {
	data, err := readAll(ctx, r.bkt, key)
	r.fetched[fetchSegment].Add(int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("get index segment %s: %w", key, err)
	}
	s, err := index.Open(data)
	if err != nil {
		return nil, fmt.Errorf("open index segment %s: %w", key, err)
	}
	r.writeCacheFile(path, data)
	r.segments.put(key, s, int64(len(data)))
	return s, nil
}

// writeCacheFile stores a segment in the cache directory through a rename, so a crash leaves
// the old file, the new one or none. A failure only costs a later download.
func (r *Reader) writeCacheFile(path string, data []byte) {
	if path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.logger.Warn("cache index segment", "path", path, "err", err)
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		r.logger.Warn("cache index segment", "path", path, "err", err)
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		r.logger.Warn("cache index segment", "path", path, "err", errors.Join(werr, cerr))
		return
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		r.logger.Warn("cache index segment", "path", path, "err", err)
	}
}

// index returns a MultiReader over every segment of tenant for the periods touching
// [from, through] (inclusive), one per period.
func (r *Reader) indexes(ctx context.Context, tenant string, from, through int64) ([]*index.MultiReader, error) {
	var out []*index.MultiReader
	wide := index.Period(through)-index.Period(from) >= maxListedPeriods
	var byPeriod map[int64][]string
	if wide {
		// One listing of every segment beats thousands of per-period listings (a query from
		// the epoch would otherwise list ~20000 prefixes).
		var err error
		if byPeriod, err = r.listAllSegments(ctx, tenant, index.Period(from), index.Period(through)); err != nil {
			return nil, err
		}
	}
	var periods []int64
	if wide {
		periods = slices.Sorted(maps.Keys(byPeriod))
	} else {
		periods = index.Periods(from, through)
	}
	for _, p := range periods {
		var keys []string
		var err error
		if wide {
			keys = byPeriod[p]
		} else if keys, err = r.listSegments(ctx, tenant, p); err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			continue
		}
		segs := make([]*index.Reader, len(keys))
		err = parallel(ctx, len(keys), r.cfg.FetchConcurrency, func(ctx context.Context, i int) error {
			s, err := r.segment(ctx, keys[i])
			segs[i] = s
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, index.NewMultiReader(segs...))
	}
	return out, nil
}
