package logqltest

import (
	"context"
	"fmt"
	"sort"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
)

// Stream is one stream's labels and entries.
type Stream struct {
	Labels  labels.Labels
	Entries []iter.Entry
}

// Querier serves a fixed set of streams. Safe for concurrent use (it never changes).
type Querier struct {
	streams   []Stream
	noBuckets bool
}

// WithoutBuckets returns a querier over the same streams that ignores
// SelectSampleParams.Buckets, returning one sample per entry as a source that cannot sum does.
func (q *Querier) WithoutBuckets() *Querier { return &Querier{streams: q.streams, noBuckets: true} }

// NewQuerier returns a Querier over streams; entries are sorted by time (stable) on the way in.
func NewQuerier(streams ...Stream) *Querier {
	out := make([]Stream, len(streams))
	for i, s := range streams {
		es := append([]iter.Entry(nil), s.Entries...)
		sort.SliceStable(es, func(a, b int) bool { return es[a].Timestamp < es[b].Timestamp })
		out[i] = Stream{Labels: s.Labels, Entries: es}
	}
	return &Querier{streams: out}
}

func (q *Querier) matching(ms []*labels.Matcher, shards []logql.Shard) []Stream {
	var out []Stream
	for _, s := range q.streams {
		if !labels.MatchesLabels(ms, s.Labels) {
			continue
		}
		if len(shards) > 0 {
			h, in := s.Labels.Hash(), false
			for _, sh := range shards {
				in = in || sh.Contains(h)
			}
			if !in {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// window returns the entries in [start, end) without copying (entries are sorted by time).
func window(es []iter.Entry, start, end int64) []iter.Entry {
	lo := sort.Search(len(es), func(i int) bool { return es[i].Timestamp >= start })
	hi := sort.Search(len(es), func(i int) bool { return es[i].Timestamp >= end })
	if hi < lo {
		hi = lo
	}
	return es[lo:hi]
}

func rawIterator(s Stream, start, end int64, dir iter.Direction) iter.EntryIterator {
	se := iter.StreamEntries{Labels: s.Labels.String(), Hash: s.Labels.Hash(), Entries: window(s.Entries, start, end)}
	if dir == iter.Backward {
		return iter.NewReverseStreamIterator(se)
	}
	return iter.NewStreamIterator(se)
}

// SelectLogs implements logql.Querier.
func (q *Querier) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pl, err := p.Selector.Pipeline()
	if err != nil {
		return nil, fmt.Errorf("compile pipeline: %w", err)
	}
	var its []iter.EntryIterator
	for _, s := range q.matching(p.Selector.Matchers(), p.Shards) {
		its = append(its, logql.NewPipelineIterator(rawIterator(s, p.Start, p.End, p.Direction), pl.ForStream(s.Labels)))
	}
	it := iter.NewMergeEntryIterator(its, p.Direction)
	if p.Limit > 0 {
		// Real sources stop at the limit; so does this one, so tests see the same cut.
		it = &limited{EntryIterator: it, left: p.Limit}
	}
	return it, nil
}

type limited struct {
	iter.EntryIterator
	left uint32
}

func (l *limited) Next() bool {
	if l.left == 0 {
		return false
	}
	l.left--
	return l.EntryIterator.Next()
}

// SelectSamples implements logql.Querier.
func (q *Querier) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ex, err := p.Expr.Extractor()
	if err != nil {
		return nil, fmt.Errorf("compile extractor: %w", err)
	}
	var its []iter.SampleIterator
	for _, s := range q.matching(p.Expr.Selector().Matchers(), p.Shards) {
		it := logql.NewExtractorIterator(rawIterator(s, p.Start, p.End, iter.Forward), ex.ForStream(s.Labels))
		if p.Buckets.Width > 0 && !q.noBuckets {
			it = logql.NewBucketIterator(it, p.Buckets, p.CutFor(s.Labels.Hash()))
		}
		its = append(its, it)
	}
	return iter.NewMergeSampleIterator(its), nil
}
