package ingester

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/querierpb"
)

var _ logql.Querier = (*Ingester)(nil)

// matching returns the tenant's streams that match ms and belong to one of shards.
func (i *Ingester) matching(ctx context.Context, ms []*labels.Matcher, shards []logql.Shard) ([]*stream, error) {
	id, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	t := i.tenant(id, false)
	if t == nil {
		return nil, nil
	}
	var out []*stream
	for _, s := range t.snapshot() {
		if matchesAll(ms, s.lbls) && inShards(shards, s.fp) {
			out = append(out, s)
		}
	}
	return out, nil
}

func matchesAll(ms []*labels.Matcher, ls labels.Labels) bool {
	for _, m := range ms {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}

func inShards(shards []logql.Shard, fp uint64) bool {
	if len(shards) == 0 {
		return true
	}
	for _, sh := range shards {
		if sh.Contains(fp) {
			return true
		}
	}
	return false
}

// SelectLogs implements logql.Querier over the data in memory (head, unflushed and retained
// chunks) of the tenant in ctx.
func (i *Ingester) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	it, _, err := i.selectLogs(ctx, p)
	return it, err
}

// ctxCheckEvery is how many entries a query scans between checks for cancellation.
const ctxCheckEvery = 256

// scanStats counts what a query read from memory, for Loki's stats.ingester.
type scanStats querierpb.QueryStats

func (st *scanStats) add(e *iter.Entry) {
	st.HeadChunkLines++
	st.HeadChunkBytes += int64(len(e.Line))
	for _, l := range e.StructuredMetadata {
		st.StructuredMetadataBytes += int64(len(l.Name) + len(l.Value))
	}
}

func (st *scanStats) addInfo(li *chunk.LineInfo) {
	st.HeadChunkLines++
	st.HeadChunkBytes += int64(li.LineLen)
	for _, l := range li.StructuredMetadata {
		st.StructuredMetadataBytes += int64(len(l.Name) + len(l.Value))
	}
}

func (i *Ingester) selectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, *querierpb.QueryStats, error) {
	st := &scanStats{}
	streams, err := i.matching(ctx, p.Selector.Matchers(), p.Shards)
	if err != nil {
		return nil, nil, err
	}
	pipeline, err := p.Selector.Pipeline()
	if err != nil {
		return nil, nil, err
	}
	needles := p.Selector.RequiredLiterals()
	var out []iter.StreamEntries
	for _, s := range streams {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		r, err := s.rangeOf(p.Start, p.End)
		if err != nil {
			return nil, nil, err
		}
		if len(r.pieces) == 0 {
			continue
		}
		sp := pipeline.ForStream(s.lbls)
		byLabels := map[string]int{}
		kept, seen := 0, 0
		var ctxErr error
		err = r.each(p.Start, p.End, p.Direction, needles, func(e *iter.Entry) bool {
			if seen++; seen%ctxCheckEvery == 0 {
				if ctxErr = ctx.Err(); ctxErr != nil {
					return false
				}
			}
			st.add(e)
			line, lr, keep := sp.Process(e.Timestamp, []byte(e.Line), e.StructuredMetadata)
			if !keep {
				return true
			}
			st.PostFilterLines++
			ls := lr.String()
			j, ok := byLabels[ls]
			if !ok {
				j = len(out)
				byLabels[ls] = j
				out = append(out, iter.StreamEntries{Labels: ls, Hash: s.fp})
			}
			out[j].Entries = append(out[j].Entries, iter.Entry{
				Timestamp:          e.Timestamp,
				Line:               string(line),
				StructuredMetadata: e.StructuredMetadata,
				Parsed:             slices.Clone(lr.Parsed()),
			})
			kept++
			return p.Limit == 0 || kept < int(p.Limit)
		})
		if err == nil {
			err = ctxErr
		}
		if err != nil {
			return nil, nil, err
		}
	}
	it := iter.NewStreamsIterator(out, p.Direction)
	if p.Limit > 0 {
		it = &limitEntries{EntryIterator: it, left: int(p.Limit)}
	}
	return it, (*querierpb.QueryStats)(st), nil
}

// SelectSamples implements logql.Querier: the samples the expression's extractor yields for
// the tenant's entries in memory.
func (i *Ingester) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	it, _, _, err := i.selectSamples(ctx, p)
	return it, err
}

// selectSamples returns the samples of the tenant's entries in memory, with what the scan read
// and, per stream that has samples, the first one's timestamp (querierpb.StreamTime): from
// then on the querier must keep the store's copies of the stream as single samples.
func (i *Ingester) selectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, *querierpb.QueryStats, []*querierpb.StreamTime, error) {
	st := &scanStats{}
	streams, err := i.matching(ctx, p.Expr.Selector().Matchers(), p.Shards)
	if err != nil {
		return nil, nil, nil, err
	}
	ext, err := p.Expr.Extractor()
	if err != nil {
		return nil, nil, nil, err
	}
	needles := p.Expr.Selector().RequiredLiterals()
	kind, sizeOnly := log.SizeOnly(ext)
	sizeOnly = sizeOnly && !i.noSizeFastPath
	var out []iter.SeriesSamples
	var first []*querierpb.StreamTime
	for _, s := range streams {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		r, err := s.rangeOf(p.Start, p.End)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(r.pieces) == 0 {
			continue
		}
		se := ext.ForStream(s.lbls)
		firstOfStream := len(out)
		bySeries := map[string]int{}
		seen := 0
		var ctxErr error
		// The entry hash lets merges drop the same sample from replicas or the store.
		emit := func(ts int64, v float64, lr log.LabelsResult, hash uint64) {
			st.PostFilterLines++
			ls := lr.String()
			j, found := bySeries[ls]
			if !found {
				j = len(out)
				bySeries[ls] = j
				out = append(out, iter.SeriesSamples{Labels: ls, Hash: s.fp})
			}
			out[j].Samples = append(out[j].Samples, iter.Sample{Timestamp: ts, Value: v, Hash: hash})
		}
		tick := func() bool {
			if seen++; seen%ctxCheckEvery == 0 {
				ctxErr = ctx.Err()
			}
			return ctxErr == nil
		}
		if sizeOnly {
			// Counts and byte sums without a pipeline need no line bytes (log.SizeOnly).
			err = r.eachInfo(p.Start, p.End, func(li *chunk.LineInfo) bool {
				if !tick() {
					return false
				}
				st.addInfo(li)
				v, lr, ok := se.Process(li.Timestamp, nil, li.StructuredMetadata)
				if ok {
					if kind == log.BytesExtraction {
						v = float64(li.LineLen)
					}
					emit(li.Timestamp, v, lr, li.LineHash)
				}
				return true
			})
		} else {
			err = r.each(p.Start, p.End, iter.Forward, needles, func(e *iter.Entry) bool {
				if !tick() {
					return false
				}
				st.add(e)
				v, lr, ok := se.Process(e.Timestamp, []byte(e.Line), e.StructuredMetadata)
				if ok {
					emit(e.Timestamp, v, lr, xxhash.Sum64String(e.Line))
				}
				return true
			})
		}
		if err == nil {
			err = ctxErr
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if t, ok := firstTime(out[firstOfStream:]); ok {
			first = append(first, &querierpb.StreamTime{StreamHash: s.fp, Timestamp: t})
		}
	}
	return iter.NewMultiSeriesIterator(out), (*querierpb.QueryStats)(st), first, nil
}

// firstTime returns the earliest sample of the series (each in time order).
func firstTime(series []iter.SeriesSamples) (int64, bool) {
	t, ok := int64(0), false
	for _, s := range series {
		if len(s.Samples) > 0 && (!ok || s.Samples[0].Timestamp < t) {
			t, ok = s.Samples[0].Timestamp, true
		}
	}
	return t, ok
}

type limitEntries struct {
	iter.EntryIterator
	left int
}

func (l *limitEntries) Next() bool {
	if l.left <= 0 {
		return false
	}
	l.left--
	return l.EntryIterator.Next()
}

// overlaps reports whether the stream holds data in [from, through).
func (s *stream) overlaps(from, through int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.head) > 0 && s.headMaxT >= from && s.headMinT < through {
		return true
	}
	for _, c := range s.chunks {
		if c.maxT >= from && c.minT < through {
			return true
		}
	}
	return false
}

// parseShards parses Skald's shard strings, "index_of_count".
func parseShards(ss []string) ([]logql.Shard, error) {
	out := make([]logql.Shard, 0, len(ss))
	for _, s := range ss {
		a, b, ok := strings.Cut(s, "_of_")
		idx, err1 := strconv.ParseUint(a, 10, 32)
		of, err2 := strconv.ParseUint(b, 10, 32)
		if !ok || err1 != nil || err2 != nil || of == 0 || idx >= of {
			return nil, fmt.Errorf("invalid shard %q: want index_of_count", s)
		}
		out = append(out, logql.Shard{Index: uint32(idx), Of: uint32(of)})
	}
	return out, nil
}
