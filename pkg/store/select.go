package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
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
	qs, err := r.prepare(ctx, tid, p.Selector.Matchers(), p.Start, p.End, p.Shards, needles)
	if err != nil {
		return nil, err
	}
	its := make([]iter.EntryIterator, 0, len(qs.plan))
	for _, sp := range qs.plan {
		raw := qs.seriesIterator(sp, p.Start, p.End, p.Direction, needles)
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
	qs, err := r.prepare(ctx, tid, sel.Matchers(), p.Start, p.End, p.Shards, needles)
	if err != nil {
		return nil, err
	}
	its := make([]iter.SampleIterator, 0, len(qs.plan))
	for _, sp := range qs.plan {
		raw := qs.seriesIterator(sp, p.Start, p.End, iter.Forward, needles)
		if raw == nil {
			continue
		}
		its = append(its, logql.NewExtractorIterator(raw, ex.ForStream(sp.labels)))
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
	return &sampleResult{SampleIterator: it, qs: qs}, nil
}

// queryState is one query's plan and the counters its iterators fill.
type queryState struct {
	plan []*seriesPlan

	mu        sync.Mutex
	base      querierpb.QueryStats // lookup and fetch counters
	chunkIts  []*chunk.EntryIterator
	seriesIts []iter.EntryIterator // per-series merges, for their duplicate counts
	post      int64
}

func (r *Reader) prepare(ctx context.Context, tid string, ms []*labels.Matcher, start, end int64, shards []logql.Shard, needles []string) (*queryState, error) {
	plan, err := r.lookup(ctx, tid, [][]*labels.Matcher{ms}, start, end, shards)
	if err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	if err := r.checkLimits(plan); err != nil {
		return nil, err
	}
	qs := &queryState{plan: plan}
	if err := r.fetch(ctx, plan, start, end, needles, &qs.base); err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	return qs, nil
}

// seriesIterator returns the raw entries of one stream from its chunks, labelled with the
// stream, or nil when no chunk is left. Chunks that do not overlap in time are read one after
// the other; overlapping ones (replicas cut at different points) are merged with identical
// entries dropped.
func (qs *queryState) seriesIterator(sp *seriesPlan, start, end int64, dir iter.Direction, needles []string) iter.EntryIterator {
	var its []iter.EntryIterator
	overlap := false
	var lastThrough int64
	first := true
	for i, c := range sp.chunks {
		if c == nil {
			continue
		}
		ref := sp.refs[i]
		if !first && ref.From <= lastThrough {
			overlap = true
		}
		if first || ref.Through > lastThrough {
			lastThrough = ref.Through
		}
		first = false
		ci := c.Iterator(start, end, dir, needles)
		qs.mu.Lock()
		qs.chunkIts = append(qs.chunkIts, ci)
		qs.mu.Unlock()
		its = append(its, &streamLabelled{EntryIterator: ci, lbls: sp.str, hash: sp.fp})
	}
	switch {
	case len(its) == 0:
		return nil
	case len(its) == 1:
		return its[0]
	case overlap:
		m := iter.NewMergeEntryIterator(its, dir)
		qs.mu.Lock()
		qs.seriesIts = append(qs.seriesIts, m)
		qs.mu.Unlock()
		return m
	}
	if dir == iter.Backward {
		for l, r := 0, len(its)-1; l < r; l, r = l+1, r-1 {
			its[l], its[r] = its[r], its[l]
		}
	}
	return &concatIterator{its: its}
}

// stats sums the counters of the query so far.
func (qs *queryState) stats(topDups int64) *querierpb.QueryStats {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	st := &querierpb.QueryStats{
		TotalChunksRef:        qs.base.TotalChunksRef,
		TotalChunksDownloaded: qs.base.TotalChunksDownloaded,
		ChunksDownloadTimeNs:  qs.base.ChunksDownloadTimeNs,
		BlocksSkipped:         qs.base.BlocksSkipped,
		PostFilterLines:       qs.post,
		TotalDuplicates:       topDups,
	}
	for _, ci := range qs.chunkIts {
		s := ci.Stats()
		st.DecompressedBytes += s.DecompressedBytes
		st.DecompressedLines += s.DecompressedLines
		st.CompressedBytes += s.CompressedBytes
		st.BlocksSkipped += int64(s.BlocksFilterSkip)
		st.StructuredMetadataBytes += s.StructuredMetadataBytes
	}
	for _, m := range qs.seriesIts {
		if dc, ok := m.(iter.DuplicateCounter); ok {
			st.TotalDuplicates += dc.Duplicates()
		}
	}
	return st
}

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
	n  int64
}

func (p *postFilterCounter) Next() bool {
	if !p.EntryIterator.Next() {
		p.qs.mu.Lock()
		p.qs.post += p.n
		p.n = 0
		p.qs.mu.Unlock()
		return false
	}
	p.n++
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

// Stats implements iter.StatsReporter.
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
	qs *queryState
}

// Stats implements iter.StatsReporter.
func (s *sampleResult) Stats() *querierpb.QueryStats {
	var dups int64
	if dc, ok := s.SampleIterator.(iter.DuplicateCounter); ok {
		dups = dc.Duplicates()
	}
	return s.qs.stats(dups)
}
