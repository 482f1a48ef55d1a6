package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/querierpb"
)

var _ logql.Querier = (*Reader)(nil)

// SelectLogs implements logql.Querier: the entries of the matching streams in [Start, End) that
// the pipeline keeps, ordered by p.Direction, at most p.Limit of them. The returned iterator
// implements iter.StatsReporter.
func (r *Reader) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	tid, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	pipeline, err := p.Selector.Pipeline()
	if err != nil {
		return nil, fmt.Errorf("select logs: %w", err)
	}
	needles := p.Selector.RequiredLiterals()
	qs, err := r.prepare(ctx, tid, p.Selector.Matchers(), p.Start, p.End, p.Direction, p.Shards, needles, p.Limit == 0)
	if err != nil {
		return nil, err
	}
	its := make([]iter.EntryIterator, 0, len(qs.plan))
	for _, sp := range qs.plan {
		raw := qs.seriesIterator(sp, p.Direction)
		if raw == nil {
			continue
		}
		its = append(its, &postFilterCounter{EntryIterator: logql.NewPipelineIterator(raw, pipeline.ForStream(sp.labels)), qs: qs})
	}
	var it iter.EntryIterator
	switch len(its) {
	case 0:
		it = iter.NewNoopEntryIterator()
	case 1:
		it = its[0]
	default:
		it = iter.NewMergeEntryIterator(its, p.Direction)
	}
	return &entryResult{EntryIterator: it, qs: qs, limit: int(p.Limit)}, nil
}

// SelectSamples implements logql.Querier: the samples the expression's extractor yields for
// entries of the matching streams in [Start, End), ordered by timestamp. The returned iterator
// implements iter.StatsReporter.
func (r *Reader) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	tid, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	ex, err := p.Expr.Extractor()
	if err != nil {
		return nil, fmt.Errorf("select samples: %w", err)
	}
	sel := p.Expr.Selector()
	needles := sel.RequiredLiterals()
	// A count or byte sum with no pipeline needs no line bytes: read timestamps, lengths,
	// hashes and metadata only (sizesamples.go). Nothing is decoded ahead then: those columns
	// are cheap to decompress in the consumer.
	kind, sizeOnly := log.SizeOnly(ex)
	sizeOnly = sizeOnly && !r.noSizeFastPath
	qs, err := r.prepare(ctx, tid, sel.Matchers(), p.Start, p.End, iter.Forward, p.Shards, needles, !sizeOnly)
	if err != nil {
		return nil, err
	}
	its := make([]iter.SampleIterator, 0, len(qs.plan))
	for _, sp := range qs.plan {
		var it iter.SampleIterator
		cut := p.CutFor(sp.fp)
		summed := p.Buckets.Width > 0 && cut == logql.NoCut // no sample is compared with a copy
		switch {
		case sizeOnly && summed:
			// Counted block by block (bucketcounts.go) unless chunks overlap.
			if it = qs.seriesBucketCounts(sp, ex.ForStream(sp.labels), kind, p.Buckets); it == nil {
				it = qs.seriesSizeSamples(sp, ex.ForStream(sp.labels), kind, false)
			}
		case sizeOnly:
			it = qs.seriesSizeSamples(sp, ex.ForStream(sp.labels), kind, true)
		default:
			if raw := qs.seriesIterator(sp, iter.Forward); raw != nil {
				it = logql.NewExtractorIterator(raw, ex.ForStream(sp.labels))
			}
		}
		if it == nil {
			continue
		}
		if p.Buckets.Width > 0 {
			// One sample per series and step instead of one per entry: the merge and the
			// engine then see a few samples per step (summed in the parallel workers).
			it = logql.NewBucketIterator(it, p.Buckets, cut)
		}
		its = append(its, it)
	}
	// Over several streams, extract (decode, run the pipeline, or read line infos) in parallel
	// (samples_parallel.go); the merge below sees the same samples in the same order.
	var pool *samplePool
	if len(its) > 1 && runtime.GOMAXPROCS(0) > 1 && !r.noParallelSamples {
		batch := r.sampleBatch
		if batch == 0 {
			batch = sampleBatchSize(len(its))
		}
		pool, its = newParallelSamples(its, batch)
		context.AfterFunc(qs.pf.ctx, pool.close) // Close or a cancelled query stops the workers
	}
	var it iter.SampleIterator
	switch len(its) {
	case 0:
		it = iter.NewNoopSampleIterator()
	case 1:
		it = its[0]
	default:
		it = iter.NewMergeSampleIterator(its)
	}
	return &sampleResult{SampleIterator: it, qs: qs, pool: pool}, nil
}

// queryState is one query's plan, its prefetcher and the counters its iterators fill. Its
// stats are read from the goroutine that iterates (or after iteration).
type queryState struct {
	plan        []*seriesPlan
	pf          *prefetcher
	jobs        map[string]*fetchJob
	refs        int64
	chunkIts    []chunkStatser
	dupCounters []iter.DuplicateCounter // merges of overlapping chunks, for their duplicate counts
	post        int64
}

func (r *Reader) prepare(ctx context.Context, tid string, ms []*labels.Matcher, start, end int64, dir iter.Direction, shards []logql.Shard, needles []string, decodeAhead bool) (*queryState, error) {
	plan, err := r.lookup(ctx, tid, [][]*labels.Matcher{ms}, start, end, shards)
	if err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	if err := r.checkLimits(plan); err != nil {
		return nil, err
	}
	qs := &queryState{plan: plan}
	for _, sp := range plan {
		qs.refs += int64(len(sp.refs))
	}
	skipped := r.dropRuledOut(plan, start, end, needles)
	if len(needles) > 0 && !decodeAhead {
		// A rare needle leaves a few chunks, whose blocks the query will decode whatever its
		// limit: decoding them in the workers spreads that over the cores, where the consumer
		// would decode them one by one. A common needle leaves most chunks, and with a limit
		// most of them need not be decoded at all.
		left := int64(0)
		for _, sp := range plan {
			left += int64(len(sp.refs))
		}
		decodeAhead = 4*left <= qs.refs
	}
	qs.pf, qs.jobs = r.newPrefetcher(ctx, plan, start, end, dir, needles, decodeAhead)
	qs.pf.chunkSkipped.Add(skipped)
	return qs, nil
}

// seriesIterator returns the raw entries of one stream from its chunks, labelled with the
// stream, or nil when it has no chunk. Chunks are grouped into runs that overlap in time
// (replicas cut at different points): a run of one chunk is read as is, a longer run is merged
// with identical entries dropped, and the runs are read one after the other, so a stream's
// chunks are fetched as the query reaches them, not all up front.
func (qs *queryState) seriesIterator(sp *seriesPlan, dir iter.Direction) iter.EntryIterator {
	if len(sp.refs) == 0 {
		return nil
	}
	var runs [][]*lazyChunkIterator
	for _, run := range overlapRuns(sp) {
		ls := make([]*lazyChunkIterator, 0, len(run))
		for _, ref := range run {
			l := &lazyChunkIterator{pf: qs.pf, job: qs.jobs[ref.Key], dir: dir, lbls: sp.str, hash: sp.fp}
			qs.chunkIts = append(qs.chunkIts, l)
			ls = append(ls, l)
		}
		runs = append(runs, ls)
	}
	if dir == iter.Backward {
		slices.Reverse(runs)
	}
	// The first run is read before the query returns anything: fetch it first.
	for _, l := range runs[0] {
		qs.pf.markUrgent(l.job)
	}
	its := make([]iter.EntryIterator, 0, len(runs))
	for _, run := range runs {
		if len(run) == 1 {
			its = append(its, run[0])
			continue
		}
		in := make([]runSource[iter.Entry], len(run))
		for i, l := range run {
			in[i] = l
		}
		m := &entryRun{
			runMerge: newRunMerge(in, dir == iter.Backward,
				func(e iter.Entry) int64 { return e.Timestamp },
				func(e iter.Entry) string { return e.Line }),
			lbls: sp.str, hash: sp.fp,
		}
		qs.dupCounters = append(qs.dupCounters, m)
		its = append(its, m)
	}
	if len(its) == 1 {
		return its[0]
	}
	return &concatIterator{its: its}
}

// stats sums the counters of the query so far.
func (qs *queryState) stats(topDups int64) *querierpb.QueryStats {
	st := &querierpb.QueryStats{
		TotalChunksRef:        qs.refs,
		TotalChunksDownloaded: qs.pf.downloaded.Load(),
		ChunksDownloadTimeNs:  qs.pf.downloadNs.Load(),
		BlocksSkipped:         qs.pf.chunkSkipped.Load(),
		PostFilterLines:       qs.post,
		TotalDuplicates:       topDups,
	}
	for _, ci := range qs.chunkIts {
		s := ci.currentStats()
		st.DecompressedBytes += s.DecompressedBytes
		st.DecompressedLines += s.DecompressedLines
		st.CompressedBytes += s.CompressedBytes
		st.BlocksSkipped += int64(s.BlocksFilterSkip)
		st.StructuredMetadataBytes += s.StructuredMetadataBytes
	}
	for _, dc := range qs.dupCounters {
		st.TotalDuplicates += dc.Duplicates()
	}
	return st
}

// overlapRuns groups a stream's chunk refs (sorted by From) into runs that overlap in time.
func overlapRuns(sp *seriesPlan) [][]index.ChunkRef {
	var runs [][]index.ChunkRef
	var maxThrough int64
	for i, ref := range sp.refs {
		// refs are sorted by From, so a ref overlaps the current run iff it starts before the
		// run's latest Through.
		if i > 0 && ref.From <= maxThrough {
			runs[len(runs)-1] = append(runs[len(runs)-1], ref)
			maxThrough = max(maxThrough, ref.Through)
			continue
		}
		runs = append(runs, []index.ChunkRef{ref})
		maxThrough = ref.Through
	}
	return runs
}

// chunkStatser reports the work of one chunk's iterator so far.
type chunkStatser interface{ currentStats() chunk.IterStats }

// entryRun is a merge of overlapping chunks of one stream, labelled with the stream.
type entryRun struct {
	*runMerge[iter.Entry, string]
	lbls string
	hash uint64
}

func (e *entryRun) Labels() string     { return e.lbls }
func (e *entryRun) StreamHash() uint64 { return e.hash }
func (e *entryRun) Close() error       { return nil }

// streamLabelled gives a chunk iterator its stream's labels and hash.
type streamLabelled struct {
	iter.EntryIterator
	lbls string
	hash uint64
}

func (s *streamLabelled) Labels() string     { return s.lbls }
func (s *streamLabelled) StreamHash() uint64 { return s.hash }

// concatIterator reads iterators one after the other.
type concatIterator struct {
	its []iter.EntryIterator
	i   int
	err error
}

func (c *concatIterator) Next() bool {
	for c.i < len(c.its) {
		if c.its[c.i].Next() {
			return true
		}
		if err := c.its[c.i].Err(); err != nil {
			c.err = err
			return false
		}
		c.i++
	}
	return false
}

func (c *concatIterator) cur() iter.EntryIterator { return c.its[min(c.i, len(c.its)-1)] }
func (c *concatIterator) At() iter.Entry          { return c.cur().At() }
func (c *concatIterator) Labels() string          { return c.cur().Labels() }
func (c *concatIterator) StreamHash() uint64      { return c.cur().StreamHash() }
func (c *concatIterator) Err() error              { return c.err }
func (c *concatIterator) Close() error {
	var errs []error
	for _, it := range c.its {
		errs = append(errs, it.Close())
	}
	return errors.Join(errs...)
}

// postFilterCounter counts the entries a stream's pipeline kept.
type postFilterCounter struct {
	iter.EntryIterator
	qs *queryState
}

func (p *postFilterCounter) Next() bool {
	if !p.EntryIterator.Next() {
		return false
	}
	p.qs.post++
	return true
}

// entryResult is SelectLogs' iterator: the limit and the stats.
type entryResult struct {
	iter.EntryIterator
	qs    *queryState
	limit int
	n     int
}

func (e *entryResult) Next() bool {
	if e.limit > 0 && e.n >= e.limit {
		return false
	}
	if !e.EntryIterator.Next() {
		return false
	}
	e.n++
	return true
}

// Close stops the prefetcher and closes the merged iterators.
func (e *entryResult) Close() error {
	e.qs.pf.close()
	return e.EntryIterator.Close()
}

// Stats implements iter.StatsReporter. Call it from the goroutine that iterates.
func (e *entryResult) Stats() *querierpb.QueryStats {
	var dups int64
	if dc, ok := e.EntryIterator.(iter.DuplicateCounter); ok {
		dups = dc.Duplicates()
	}
	return e.qs.stats(dups)
}

// sampleResult is SelectSamples' iterator with stats.
type sampleResult struct {
	iter.SampleIterator
	qs   *queryState
	pool *samplePool // nil: streams are read serially
}

// Close stops the prefetcher and closes the merged iterators.
func (s *sampleResult) Close() error {
	s.qs.pf.close()
	err := s.SampleIterator.Close()
	if s.pool != nil {
		s.pool.close()
	}
	return err
}

// Stats implements iter.StatsReporter. Call it from the goroutine that iterates.
func (s *sampleResult) Stats() *querierpb.QueryStats {
	if s.pool != nil {
		// Workers update the chunk iterators' counters while they fill batches.
		s.pool.mu.Lock()
		defer s.pool.mu.Unlock()
	}
	var dups int64
	if dc, ok := s.SampleIterator.(iter.DuplicateCounter); ok {
		dups = dc.Duplicates()
	}
	return s.qs.stats(dups)
}
