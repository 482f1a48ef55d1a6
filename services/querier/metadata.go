package querier

import (
	"context"
	"fmt"
	"slices"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// Label returns label names (name == "") or the values of label name, over streams matching
// selector (all when empty) with data in [start, end): the union of what ingesters and the
// store know, sorted.
func (q *Querier) Label(ctx context.Context, name string, start, end int64, selector string) ([]string, error) {
	var matchers []*labels.Matcher
	if selector != "" {
		var err error
		if matchers, err = labels.ParseMatchers(selector); err != nil {
			return nil, badRequest(err)
		}
	}
	f := q.fan
	set := map[string]struct{}{}
	if s, e, ok := f.ingesterWindow(start, end); ok {
		req := &querierpb.LabelRequest{Name: name, Values: name != "", Start: s, End: e, Query: selector}
		got, err := forIngesters(ctx, f, func(ctx context.Context, c querierpb.QuerierClient) (*querierpb.LabelResponse, error) {
			ctx, cancel := f.ingesterContext(ctx)
			defer cancel()
			return c.Label(ctx, req)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range got {
			for _, v := range r.GetValues() {
				set[v] = struct{}{}
			}
		}
	}
	if f.store != nil {
		var vals []string
		var err error
		if name == "" {
			vals, err = f.store.LabelNames(ctx, start, end, matchers...)
		} else {
			vals, err = f.store.LabelValues(ctx, name, start, end, matchers...)
		}
		if err != nil {
			return nil, fmt.Errorf("query store labels: %w", err)
		}
		for _, v := range vals {
			set[v] = struct{}{}
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	return out, nil
}

// Series returns the label sets of the streams matching any of groups (selectors) with data
// in [start, end), from ingesters and store, each once, sorted.
func (q *Querier) Series(ctx context.Context, start, end int64, groups []string) ([]labels.Labels, error) {
	matchers := make([][]*labels.Matcher, 0, len(groups))
	for _, g := range groups {
		ms, err := labels.ParseMatchers(g)
		if err != nil {
			return nil, badRequest(err)
		}
		matchers = append(matchers, ms)
	}
	f := q.fan
	set := map[string]labels.Labels{}
	if s, e, ok := f.ingesterWindow(start, end); ok {
		req := &querierpb.SeriesRequest{Start: s, End: e, Groups: groups}
		got, err := forIngesters(ctx, f, func(ctx context.Context, c querierpb.QuerierClient) (*querierpb.SeriesResponse, error) {
			ctx, cancel := f.ingesterContext(ctx)
			defer cancel()
			return c.Series(ctx, req)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range got {
			for _, s := range r.GetSeries() {
				ls := make(labels.Labels, 0, len(s.GetLabels()))
				for _, p := range s.GetLabels() {
					ls = append(ls, labels.Label{Name: p.GetName(), Value: p.GetValue()})
				}
				slices.SortFunc(ls, func(a, b labels.Label) int { return compareStrings(a.Name, b.Name) })
				set[ls.String()] = ls
			}
		}
	}
	if f.store != nil {
		got, err := f.store.Series(ctx, start, end, matchers)
		if err != nil {
			return nil, fmt.Errorf("query store series: %w", err)
		}
		for _, ls := range got {
			set[ls.String()] = ls
		}
	}
	out := make([]labels.Labels, 0, len(set))
	for _, ls := range set {
		out = append(out, ls)
	}
	slices.SortFunc(out, labels.Compare)
	return out, nil
}

// IndexStats answers index/stats: chunks, entries and bytes from the store's index when it
// can; streams also count those only ingesters hold (recent, not yet flushed), found through
// Series. Without an index-capable store the answer has streams only.
func (q *Querier) IndexStats(ctx context.Context, start, end int64, selector string) (IndexStats, error) {
	matchers, err := labels.ParseMatchers(selector)
	if err != nil {
		return IndexStats{}, badRequest(err)
	}
	var st IndexStats
	if is, ok := q.store.(IndexStatser); ok {
		if st, err = is.IndexStats(ctx, start, end, matchers...); err != nil {
			return IndexStats{}, fmt.Errorf("query store index stats: %w", err)
		}
	}
	if _, _, recent := q.fan.ingesterWindow(start, end); recent || st == (IndexStats{}) {
		series, err := q.Series(ctx, start, end, []string{selector})
		if err != nil {
			return IndexStats{}, err
		}
		st.Streams = max(st.Streams, uint64(len(series)))
	}
	return st, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
