package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/tenant"
)

// LabelNames returns the sorted label names of the tenant's streams (tenant from ctx) that
// match matchers (all streams when none) and have chunks in [start, end). Reads only the index.
func (r *Reader) LabelNames(ctx context.Context, start, end int64, matchers ...*labels.Matcher) ([]string, error) {
	return r.labelQuery(ctx, start, end, func(m *index.MultiReader) ([]string, error) {
		return m.LabelNames(start, end-1, matchers)
	})
}

// LabelValues returns the sorted values of label name, likewise.
func (r *Reader) LabelValues(ctx context.Context, name string, start, end int64, matchers ...*labels.Matcher) ([]string, error) {
	return r.labelQuery(ctx, start, end, func(m *index.MultiReader) ([]string, error) {
		return m.LabelValues(name, start, end-1, matchers)
	})
}

func (r *Reader) labelQuery(ctx context.Context, start, end int64, f func(*index.MultiReader) ([]string, error)) ([]string, error) {
	tid, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, nil
	}
	idxs, err := r.indexes(ctx, tid, start, end-1)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, idx := range idxs {
		vs, err := f(idx)
		if err != nil {
			return nil, fmt.Errorf("look up labels: %w", err)
		}
		out = append(out, vs...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Series returns the sorted label sets of the tenant's streams with chunks in [start, end) that
// match any of groups (each a conjunction of matchers; no groups means every stream).
func (r *Reader) Series(ctx context.Context, start, end int64, groups [][]*labels.Matcher) ([]labels.Labels, error) {
	tid, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		groups = [][]*labels.Matcher{nil}
	}
	plan, err := r.lookup(ctx, tid, groups, start, end, nil)
	if err != nil {
		return nil, err
	}
	out := make([]labels.Labels, len(plan))
	for i, sp := range plan {
		out[i] = sp.labels
	}
	return out, nil
}

// IndexStats summarises the matching streams from the index alone: streams, chunks, entries
// and stored chunk bytes in [start, end). Chunks that only partly overlap count whole.
type IndexStats struct {
	Streams, Chunks, Entries, Bytes uint64
}

// IndexStats answers Loki's index/stats from the index without reading chunks.
func (r *Reader) IndexStats(ctx context.Context, start, end int64, matchers ...*labels.Matcher) (IndexStats, error) {
	tid, err := tenant.FromContext(ctx)
	if err != nil {
		return IndexStats{}, err
	}
	plan, err := r.lookup(ctx, tid, [][]*labels.Matcher{matchers}, start, end, nil)
	if err != nil {
		return IndexStats{}, err
	}
	var st IndexStats
	for _, sp := range plan {
		st.Streams++
		for _, ref := range sp.refs {
			st.Chunks++
			st.Entries += uint64(ref.Entries)
			st.Bytes += uint64(ref.Size)
		}
	}
	return st, nil
}
