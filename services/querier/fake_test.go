package querier

import (
	"context"
	"slices"
	"sync"

	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// memSource is an in-memory data source standing in for both the store and an ingester's
// memory: streams with entries, evaluated with the real LogQL pipeline and extractors.
type memSource struct {
	streams []memStream
	mu      sync.Mutex
	calls   int // SelectLogs/SelectSamples calls, to check which sources a query reached
}

type memStream struct {
	lbls    labels.Labels
	entries []iter.Entry // ascending
}

func (m *memSource) add(ls labels.Labels, es ...iter.Entry) *memSource {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.streams = append(m.streams, memStream{lbls: ls, entries: es})
	return m
}

// snapshot returns the streams as they are now; add may run concurrently (tail tests).
func (m *memSource) snapshot() []memStream {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.streams)
}

func (m *memSource) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func (m *memSource) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	pipe, err := p.Selector.Pipeline()
	if err != nil {
		return nil, err
	}
	out := map[string]*iter.StreamEntries{}
	for _, s := range m.snapshot() {
		if !labels.MatchesLabels(p.Selector.Matchers(), s.lbls) {
			continue
		}
		sp := pipe.ForStream(s.lbls)
		for _, e := range s.entries {
			if e.Timestamp < p.Start || e.Timestamp >= p.End {
				continue
			}
			line, lr, keep := sp.Process(e.Timestamp, []byte(e.Line), e.StructuredMetadata)
			if !keep {
				continue
			}
			key := lr.String()
			se, ok := out[key]
			if !ok {
				se = &iter.StreamEntries{Labels: key, Hash: s.lbls.Hash()}
				out[key] = se
			}
			se.Entries = append(se.Entries, iter.Entry{Timestamp: e.Timestamp, Line: string(line),
				StructuredMetadata: lr.StructuredMetadata(), Parsed: lr.Parsed()})
		}
	}
	var streams []iter.StreamEntries
	for _, se := range out {
		if p.Direction == iter.Backward {
			slices.Reverse(se.Entries)
		}
		streams = append(streams, *se)
	}
	return iter.NewStreamsIterator(streams, p.Direction), nil
}

func (m *memSource) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	ext, err := p.Expr.Extractor()
	if err != nil {
		return nil, err
	}
	out := map[string]*iter.SeriesSamples{}
	for _, s := range m.snapshot() {
		if !labels.MatchesLabels(p.Expr.Selector().Matchers(), s.lbls) {
			continue
		}
		se := ext.ForStream(s.lbls)
		for _, e := range s.entries {
			if e.Timestamp < p.Start || e.Timestamp >= p.End {
				continue
			}
			v, lr, ok := se.Process(e.Timestamp, []byte(e.Line), e.StructuredMetadata)
			if !ok {
				continue
			}
			key := lr.String()
			ss, ok := out[key]
			if !ok {
				ss = &iter.SeriesSamples{Labels: key, Hash: s.lbls.Hash()}
				out[key] = ss
			}
			ss.Samples = append(ss.Samples, iter.Sample{Timestamp: e.Timestamp, Value: v, Hash: uint64(e.Timestamp) ^ s.lbls.Hash()})
		}
	}
	var series []iter.SeriesSamples
	for _, ss := range out {
		series = append(series, *ss)
	}
	return iter.NewMultiSeriesIterator(series), nil
}

func (m *memSource) matching(start, end int64, ms []*labels.Matcher) []labels.Labels {
	var out []labels.Labels
	for _, s := range m.snapshot() {
		if !labels.MatchesLabels(ms, s.lbls) {
			continue
		}
		for _, e := range s.entries {
			if e.Timestamp >= start && e.Timestamp < end {
				out = append(out, s.lbls)
				break
			}
		}
	}
	return out
}

func (m *memSource) LabelNames(ctx context.Context, start, end int64, ms ...*labels.Matcher) ([]string, error) {
	set := map[string]bool{}
	for _, ls := range m.matching(start, end, ms) {
		for _, l := range ls {
			set[l.Name] = true
		}
	}
	return sortedKeys(set), nil
}

func (m *memSource) LabelValues(ctx context.Context, name string, start, end int64, ms ...*labels.Matcher) ([]string, error) {
	set := map[string]bool{}
	for _, ls := range m.matching(start, end, ms) {
		if v := ls.Get(name); v != "" {
			set[v] = true
		}
	}
	return sortedKeys(set), nil
}

func (m *memSource) Series(ctx context.Context, start, end int64, groups [][]*labels.Matcher) ([]labels.Labels, error) {
	var out []labels.Labels
	for _, g := range groups {
		out = append(out, m.matching(start, end, g)...)
	}
	return out, nil
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// fakeIngester serves querierpb over a memSource, as an ingester would, with the pkg/iter
// wire batching (small batches, to exercise concatenation).
type fakeIngester struct {
	querierpb.UnimplementedQuerierServer
	src   *memSource
	err   error // returned by every call when set
	batch int   // entries per response; 0 means 2, to exercise concatenation
}

func (f *fakeIngester) batchSize() int {
	if f.batch > 0 {
		return f.batch
	}
	return 2
}

func (f *fakeIngester) Query(req *querierpb.LogQueryRequest, ss grpc.ServerStreamingServer[querierpb.LogQueryResponse]) error {
	if f.err != nil {
		return f.err
	}
	sel, err := syntax.ParseLogSelector(req.Selector, true)
	if err != nil {
		return err
	}
	dir := iter.Forward
	if req.Direction == querierpb.Direction_BACKWARD {
		dir = iter.Backward
	}
	it, err := f.src.SelectLogs(ss.Context(), logql.SelectLogParams{Selector: sel, Start: req.Start, End: req.End, Limit: req.Limit, Direction: dir})
	if err != nil {
		return err
	}
	return iter.SendEntries(it, f.batchSize(), func(r *querierpb.LogQueryResponse) error {
		r.Stats = &querierpb.QueryStats{HeadChunkLines: 1, HeadChunkBytes: 10}
		return ss.Send(r)
	})
}

func (f *fakeIngester) QuerySample(req *querierpb.SampleQueryRequest, ss grpc.ServerStreamingServer[querierpb.SampleQueryResponse]) error {
	if f.err != nil {
		return f.err
	}
	expr, err := syntax.ParseSampleExpr(req.Selector)
	if err != nil {
		return err
	}
	it, err := f.src.SelectSamples(ss.Context(), logql.SelectSampleParams{Expr: expr, Start: req.Start, End: req.End})
	if err != nil {
		return err
	}
	return iter.SendSamples(it, f.batchSize(), ss.Send)
}

func (f *fakeIngester) Label(ctx context.Context, req *querierpb.LabelRequest) (*querierpb.LabelResponse, error) {
	if f.err != nil {
		return nil, f.err
	}
	var ms []*labels.Matcher
	if req.Query != "" {
		var err error
		if ms, err = labels.ParseMatchers(req.Query); err != nil {
			return nil, err
		}
	}
	var vals []string
	if req.Values {
		vals, _ = f.src.LabelValues(ctx, req.Name, req.Start, req.End, ms...)
	} else {
		vals, _ = f.src.LabelNames(ctx, req.Start, req.End, ms...)
	}
	return &querierpb.LabelResponse{Values: vals}, nil
}

func (f *fakeIngester) Series(ctx context.Context, req *querierpb.SeriesRequest) (*querierpb.SeriesResponse, error) {
	if f.err != nil {
		return nil, f.err
	}
	resp := &querierpb.SeriesResponse{}
	for _, g := range req.Groups {
		ms, err := labels.ParseMatchers(g)
		if err != nil {
			return nil, err
		}
		for _, ls := range f.src.matching(req.Start, req.End, ms) {
			id := &querierpb.SeriesIdentifier{}
			for _, l := range ls {
				id.Labels = append(id.Labels, &logproto.LabelPairAdapter{Name: l.Name, Value: l.Value})
			}
			resp.Series = append(resp.Series, id)
		}
	}
	return resp, nil
}
