package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/querierpb"
)

const sec = int64(1e9)

// base is 2026-11-24T23:00:00Z: an hour before a period boundary, so data spans two periods.
var base = int64(1795647600) * sec

type fixture struct {
	bkt     objstore.Bucket
	streams map[string][]iter.Entry // by labels string
	lbls    map[string]labels.Labels
}

// newFixture writes 3 streams of 2 h of one line per second each, as 10-minute chunks, via two
// writers (ingesters) that both flush the app=api stream (replicas, cut at other points).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{bkt: newBucket(t), streams: map[string][]iter.Entry{}, lbls: map[string]labels.Labels{}}
	w1 := NewWriter(f.bkt, WriterConfig{WriterID: "ing-1"}, nil)
	w2 := NewWriter(f.bkt, WriterConfig{WriterID: "ing-2"}, nil)
	for _, ls := range []labels.Labels{
		labels.FromStrings("app", "api", "env", "prod"),
		labels.FromStrings("app", "web", "env", "prod"),
		labels.FromStrings("app", "db", "env", "dev"),
	} {
		var es []iter.Entry
		for i := int64(0); i < 7200; i++ {
			line := fmt.Sprintf("level=%s app=%s msg=\"request %d\" status=%d", []string{"info", "warn", "error"}[i%3], ls.Get("app"), i, 200+i%5*100)
			e := iter.Entry{Timestamp: base + i*sec, Line: line}
			if i%100 == 0 {
				e.StructuredMetadata = labels.FromStrings("trace_id", fmt.Sprintf("t%d", i))
			}
			es = append(es, e)
		}
		es[3600].Line += " needle-xyzzy-42"
		f.streams[ls.String()] = es
		f.lbls[ls.String()] = ls
		if err := w1.WriteChunks(ctx, "t1", cut(t, ls, es, 600)); err != nil {
			t.Fatal(err)
		}
		if ls.Get("app") == "api" {
			if err := w2.WriteChunks(ctx, "t1", cut(t, ls, es, 700)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func cut(t *testing.T, ls labels.Labels, es []iter.Entry, per int) []FlushedChunk {
	t.Helper()
	var out []FlushedChunk
	for i := 0; i < len(es); i += per {
		fc, err := BuildChunk(ls, es[i:min(i+per, len(es))], chunk.Options{BlockSize: 8 << 10})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fc)
	}
	return out
}

func newTestReader(t *testing.T, bkt objstore.Bucket, cfg Config) *Reader {
	t.Helper()
	r, err := NewReader(bkt, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func tctx(id string) context.Context { return tenant.InjectContext(context.Background(), id) }

func selectLogs(t *testing.T, r *Reader, q string, start, end int64, limit uint32, dir iter.Direction) ([]iter.Entry, []string, *querierpb.QueryStats) {
	t.Helper()
	sel, err := syntax.ParseLogSelector(q, true)
	if err != nil {
		t.Fatal(err)
	}
	it, err := r.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: start, End: end, Limit: limit, Direction: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var es []iter.Entry
	var ls []string
	for it.Next() {
		es = append(es, it.At())
		ls = append(ls, it.Labels())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return es, ls, it.(iter.StatsReporter).Stats()
}

func TestSelectLogsEndToEnd(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20, CacheDir: t.TempDir()})
	api := labels.FromStrings("app", "api", "env", "prod").String()
	start, end := base+1000*sec, base+5000*sec // crosses the period boundary at base+3600s

	// Forward, one stream, replicas deduplicated, exact range.
	es, _, st := selectLogs(t, r, `{app="api"}`, start, end, 0, iter.Forward)
	want := f.streams[api][1000:5000]
	if len(es) != len(want) {
		t.Fatalf("got %d entries, want %d", len(es), len(want))
	}
	for i := range want {
		if es[i].Timestamp != want[i].Timestamp || es[i].Line != want[i].Line || !labels.Equal(es[i].StructuredMetadata, want[i].StructuredMetadata) {
			t.Fatalf("entry %d: %+v, want %+v", i, es[i], want[i])
		}
	}
	if st.TotalDuplicates == 0 || st.TotalChunksRef == 0 || st.DecompressedLines == 0 || st.PostFilterLines != int64(len(want)) {
		t.Fatalf("stats %+v", st)
	}

	// Backward with a limit over all streams: newest first, ties by labels.
	es, ls, _ := selectLogs(t, r, `{env=~"prod|dev"}`, start, end, 10, iter.Backward)
	if len(es) != 10 || es[0].Timestamp != end-sec || es[9].Timestamp != end-4*sec {
		t.Fatalf("backward limit: %d entries, first %d last %d", len(es), es[0].Timestamp-base, es[len(es)-1].Timestamp-base)
	}
	if !slices.IsSorted(ls[:3]) {
		t.Fatalf("ties not ordered by labels: %v", ls[:3])
	}

	// A needle: the filter skips nearly every block, the pipeline keeps the line.
	es, ls, st = selectLogs(t, r, `{env="prod"} |= "needle-xyzzy"`, base, base+7200*sec, 0, iter.Forward)
	if len(es) != 2 || !strings.Contains(es[0].Line, "needle-xyzzy-42") || ls[0] == ls[1] {
		t.Fatalf("needle: %v %v", es, ls)
	}
	if st.BlocksSkipped == 0 || st.DecompressedLines > 2000 {
		t.Fatalf("needle stats %+v", st)
	}

	// A parser stage: labels in the result are the pipeline's.
	es, ls, _ = selectLogs(t, r, `{app="db"} | logfmt | status >= 600`, base, base+100*sec, 0, iter.Forward)
	if len(es) != 20 || !strings.Contains(ls[0], `status="600"`) {
		t.Fatalf("logfmt: %d entries, labels %v", len(es), ls[:min(1, len(ls))])
	}

	// Nothing matches: empty, no error.
	if es, _, _ := selectLogs(t, r, `{app="nope"}`, start, end, 0, iter.Forward); len(es) != 0 {
		t.Fatal("entries for an unknown stream")
	}
	// Another tenant sees nothing.
	sel, _ := syntax.ParseLogSelector(`{app="api"}`, true)
	it, err := r.SelectLogs(tctx("t2"), logql.SelectLogParams{Selector: sel, Start: start, End: end})
	if err != nil || it.Next() {
		t.Fatalf("tenant t2 sees t1's data (err %v)", err)
	}
	if _, err := r.SelectLogs(context.Background(), logql.SelectLogParams{Selector: sel, Start: start, End: end}); !errors.Is(err, tenant.ErrNoOrgID) {
		t.Fatalf("no tenant: %v", err)
	}
}

func TestSelectSamples(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
	expr, err := syntax.ParseSampleExpr(`count_over_time({env="prod"} |= "level=error" [1m])`)
	if err != nil {
		t.Fatal(err)
	}
	start, end := base, base+7200*sec
	it, err := r.SelectSamples(tctx("t1"), logql.SelectSampleParams{Expr: expr, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	prev := int64(0)
	for it.Next() {
		s := it.At()
		if s.Timestamp < prev {
			t.Fatal("samples out of order")
		}
		prev = s.Timestamp
		lbls, err := labels.Parse(it.Labels())
		if err != nil {
			t.Fatal(err)
		}
		n[lbls.Get("app")]++ // structured metadata becomes labels, splitting series
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if len(n) != 2 || n["api"] != 2400 || n["web"] != 2400 {
		t.Fatalf("samples per series %v", n)
	}
	if st := it.(iter.StatsReporter).Stats(); st.TotalDuplicates == 0 {
		t.Fatalf("replica samples not counted as duplicates: %+v", st)
	}
}

func TestLabelsAndSeries(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{CacheBytes: 1 << 20, SegmentListTTL: 1 << 40})
	ctx := tctx("t1")
	names, err := r.LabelNames(ctx, base, base+7200*sec)
	if err != nil || !slices.Equal(names, []string{"app", "env"}) {
		t.Fatalf("names %v %v", names, err)
	}
	vals, err := r.LabelValues(ctx, "app", base, base+7200*sec, labels.MustNewMatcher(labels.MatchEqual, "env", "prod"))
	if err != nil || !slices.Equal(vals, []string{"api", "web"}) {
		t.Fatalf("values %v %v", vals, err)
	}
	ss, err := r.Series(ctx, base, base+7200*sec, [][]*labels.Matcher{
		{labels.MustNewMatcher(labels.MatchEqual, "app", "db")},
		{labels.MustNewMatcher(labels.MatchEqual, "app", "web")},
	})
	if err != nil || len(ss) != 2 || ss[0].Get("app") != "db" || ss[1].Get("app") != "web" {
		t.Fatalf("series %v %v", ss, err)
	}
	// The replica's chunk across midnight is in both periods' segments but counts once.
	st, err := r.IndexStats(ctx, base, base+7200*sec, labels.MustNewMatcher(labels.MatchEqual, "app", "api"))
	if err != nil || st.Chunks != 12+11 || st.Entries != 2*7200 {
		t.Fatalf("index stats of the replicated stream %+v %v", st, err)
	}
	// Outside the data: nothing.
	if vals, _ := r.LabelValues(ctx, "app", base-10*day, base-9*day); len(vals) != 0 {
		t.Fatalf("values outside the data %v", vals)
	}
	st, err = r.IndexStats(ctx, base, base+7200*sec, labels.MustNewMatcher(labels.MatchEqual, "app", "web"))
	if err != nil || st.Streams != 1 || st.Entries != 7200 || st.Chunks != 12 {
		t.Fatalf("index stats %+v %v", st, err)
	}
}

func TestQueryLimits(t *testing.T) {
	f := newFixture(t)
	sel, _ := syntax.ParseLogSelector(`{env="prod"}`, true)
	p := logql.SelectLogParams{Selector: sel, Start: base, End: base + 7200*sec}
	r := newTestReader(t, f.bkt, Config{MaxChunksPerQuery: 5})
	if _, err := r.SelectLogs(tctx("t1"), p); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "max number of chunks") {
		t.Fatalf("chunk limit: %v", err)
	}
	r = newTestReader(t, f.bkt, Config{MaxBytesPerQuery: 1000})
	if _, err := r.SelectLogs(tctx("t1"), p); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "too many bytes") {
		t.Fatalf("bytes limit: %v", err)
	}
}

func TestCorruptChunkIsAnError(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var key string
	_ = f.bkt.Iter(ctx, ChunkTenantPrefix("t1"), func(k string) error {
		if key == "" {
			key = k
		}
		return nil
	})
	data := readObject(t, f.bkt, key)
	data[len(data)/2] ^= 0xff
	if err := f.bkt.Upload(ctx, key, strings.NewReader(string(data)), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	r := newTestReader(t, f.bkt, Config{})
	sel, _ := syntax.ParseLogSelector(`{env=~".+"}`, true)
	it, err := r.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: base, End: base + 7200*sec})
	if err == nil {
		for it.Next() {
		}
		err = it.Err()
	}
	var ce *chunk.CorruptionError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a CorruptionError", err)
	}
}

func TestDiskCacheServesSegments(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	r := newTestReader(t, f.bkt, Config{CacheDir: dir})
	if names, err := r.LabelNames(tctx("t1"), base, base+7200*sec); err != nil || len(names) != 2 {
		t.Fatalf("names %v %v", names, err)
	}
	// A fresh reader (no memory cache) over a bucket whose segments are unreadable still answers
	// from the cache directory.
	r2 := newTestReader(t, noGetBucket{f.bkt}, Config{CacheDir: dir})
	if names, err := r2.LabelNames(tctx("t1"), base, base+7200*sec); err != nil || len(names) != 2 {
		t.Fatalf("names from disk cache %v %v", names, err)
	}
}

func TestDiskCachePrunesDeletedSegments(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	r := newTestReader(t, f.bkt, Config{CacheDir: dir})
	ctx := tctx("t1")
	if _, err := r.LabelNames(ctx, base, base+7200*sec); err != nil {
		t.Fatal(err)
	}
	segs := listKeys(t, f.bkt, "index/")
	cached := func() int {
		n := 0
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	if got := cached(); got != len(segs) {
		t.Fatalf("%d cached files for %d segments", got, len(segs))
	}
	// The compactor replaced a segment: the next query forgets its cached copy.
	if err := f.bkt.Delete(context.Background(), segs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.LabelNames(ctx, base, base+7200*sec); err != nil {
		t.Fatal(err)
	}
	if got := cached(); got != len(segs)-1 {
		t.Fatalf("%d cached files after deleting one of %d segments", got, len(segs))
	}
}

type noGetBucket struct{ objstore.Bucket }

func (noGetBucket) Get(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("bucket offline")
}

func TestWideRangeListsOnce(t *testing.T) {
	f := newFixture(t)
	cb := &countingBucket{Bucket: f.bkt}
	r := newTestReader(t, cb, Config{})
	names, err := r.LabelNames(tctx("t1"), 0, base+7200*sec)
	if err != nil || len(names) != 2 {
		t.Fatalf("names %v %v", names, err)
	}
	if cb.iters != 1 {
		t.Fatalf("%d listings for a range from the epoch", cb.iters)
	}
	es, _, _ := selectLogs(t, r, `{app="web"}`, 0, 1<<62, 0, iter.Forward)
	if len(es) != 7200 {
		t.Fatalf("%d entries over the widest range", len(es))
	}
}

type countingBucket struct {
	objstore.Bucket
	iters int
}

func (c *countingBucket) Iter(ctx context.Context, prefix string, f func(string) error) error {
	c.iters++
	return c.Bucket.Iter(ctx, prefix, f)
}

func TestLimitFetchesLittle(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{FetchConcurrency: 1, PrefetchBytes: 1})
	es, _, st := selectLogs(t, r, `{app="web"}`, base, base+7200*sec, 10, iter.Backward)
	if len(es) != 10 || es[0].Timestamp != base+7199*sec {
		t.Fatalf("got %d entries, first at %d", len(es), es[0].Timestamp-base)
	}
	// 12 chunks hold the stream; the newest one (plus at most what the one worker prefetched
	// before the budget stopped it) is all a backward limit of 10 needs.
	if st.TotalChunksRef != 12 || st.TotalChunksDownloaded > 3 {
		t.Fatalf("stats %+v", st)
	}
	// The replicated stream's chunks (cut every 600 and every 700 lines) overlap in two runs,
	// split where both cut at line 4200: a backward limit reads only the later run.
	es, _, st = selectLogs(t, r, `{app="api"}`, base, base+7200*sec, 10, iter.Backward)
	if len(es) != 10 || es[0].Timestamp != base+7199*sec || es[1].Timestamp != base+7198*sec {
		t.Fatalf("replicated: %d entries", len(es))
	}
	if st.TotalChunksRef != 23 || st.TotalChunksDownloaded > 11 || st.TotalDuplicates == 0 {
		t.Fatalf("replicated stats %+v", st)
	}
}

func TestCloseWithoutReading(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{FetchConcurrency: 4, PrefetchBytes: 1})
	sel, _ := syntax.ParseLogSelector(`{env=~".+"}`, true)
	before := runtime.NumGoroutine()
	for range 20 {
		it, err := r.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: base, End: base + 7200*sec})
		if err != nil {
			t.Fatal(err)
		}
		it.Next()
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// A query whose context is cancelled releases its workers without Close.
	ctx, cancel := context.WithCancel(tctx("t1"))
	it, err := r.SelectLogs(ctx, logql.SelectLogParams{Selector: sel, Start: base, End: base + 7200*sec})
	if err != nil {
		t.Fatal(err)
	}
	it.Next()
	cancel()
	// Prefetch workers exit once their query is closed.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before the queries", runtime.NumGoroutine(), before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Queries share the caches and may run concurrently (run with -race).
func TestConcurrentQueries(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{CacheBytes: 256 << 10, FetchConcurrency: 3, PrefetchBytes: 32 << 10})
	queries := []string{`{env="prod"}`, `{app="api"} |= "level=error"`, `{env=~".+"} |= "needle-xyzzy"`, `{app="db"} | logfmt`}
	want := make([]int, len(queries))
	for i, q := range queries {
		es, _, _ := selectLogs(t, r, q, base, base+7200*sec, 0, iter.Forward)
		want[i] = len(es)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := g % len(queries)
			sel, err := syntax.ParseLogSelector(queries[i], true)
			if err != nil {
				errs <- err
				return
			}
			it, err := r.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: base, End: base + 7200*sec, Direction: iter.Direction(g % 2)})
			if err != nil {
				errs <- err
				return
			}
			defer it.Close()
			n := 0
			for it.Next() {
				n++
			}
			if it.Err() != nil || n != want[i] {
				errs <- fmt.Errorf("query %q: %d entries, want %d, err %v", queries[i], n, want[i], it.Err())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
	reg := prometheus.NewPedanticRegistry()
	if err := r.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	selectLogs(t, r, `{app="web"}`, base, base+7200*sec, 0, iter.Forward)
	selectLogs(t, r, `{app="web"}`, base, base+7200*sec, 0, iter.Forward)
	selectLogs(t, r, `{app="db"} |= "needle-xyzzy-42"`, base, base+7200*sec, 0, iter.Forward)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "/" + l.GetValue()
			}
			got[key] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	for _, k := range []string{
		"skald_store_fetched_bytes_total/chunk", "skald_store_fetched_bytes_total/index_segment",
		"skald_store_cache_hits_total/chunk", "skald_store_cache_misses_total/chunk", "skald_store_cache_bytes/chunk",
		"skald_store_cache_hits_total/index_segment",
	} {
		if got[k] <= 0 {
			t.Errorf("%s = %v", k, got[k])
		}
	}
}

// Shards partition the streams: their union is the whole answer, their intersection empty.
func TestShards(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{})
	sel, _ := syntax.ParseLogSelector(`{env=~".+"}`, true)
	seen := map[uint64]int{}
	for i := range uint32(3) {
		it, err := r.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: base, End: base + 10*sec, Shards: []logql.Shard{{Index: i, Of: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		for it.Next() {
			if !(logql.Shard{Index: i, Of: 3}).Contains(it.StreamHash()) {
				t.Fatalf("shard %d returned a stream of another shard", i)
			}
			seen[it.StreamHash()]++
		}
		it.Close()
	}
	if len(seen) != 3 {
		t.Fatalf("streams over all shards: %v", seen)
	}
	for s, n := range seen {
		if n != 10 {
			t.Fatalf("stream %x: %d entries over all shards, want 10", s, n)
		}
	}
}
