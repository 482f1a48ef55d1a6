package logql

import (
	"sort"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// SplitByTime cuts a range query into consecutive pieces of at most interval each, for a
// frontend that runs them in parallel and combines them with MergeStreams (log queries) or
// MergeMatrices (metric queries), which give the same answer as the whole query.
//
// Metric pieces start on a step of the original query and cover disjoint sets of steps, so
// every step is evaluated exactly once with its full lookback. Log pieces cover disjoint
// [Start, End) ranges and each keeps the query's Limit. An instant query, or one shorter
// than interval, is returned whole.
func SplitByTime(p Params, interval time.Duration, metric bool) []Params {
	if p.Instant() || interval <= 0 || p.End-p.Start <= int64(interval) {
		return []Params{p}
	}
	var out []Params
	iv := int64(interval)
	if !metric {
		for s := p.Start; s < p.End; s += iv {
			q := p
			q.Start, q.End = s, min(s+iv, p.End)
			out = append(out, q)
		}
		return out
	}
	step := int64(p.Step)
	if step <= 0 {
		return []Params{p}
	}
	// Steps per piece: at least one, so a step longer than interval still progresses.
	per := max(iv/step, 1)
	for s := p.Start; s <= p.End; s += per * step {
		q := p
		q.Start = s
		// A one-step piece keeps Step > 0, so it stays a range query.
		q.End = min(s+(per-1)*step, p.End)
		out = append(out, q)
	}
	return out
}

// MergeStreams combines the results of log queries over disjoint time ranges or disjoint
// stream shards (SplitByTime, Params.Shards): entries ordered by dir, at most limit entries in
// total (0: all), streams sorted by labels. Nothing is deduplicated: a part may rightly hold
// equal lines of two streams that its pipeline gave the same labels, and disjoint parts never
// repeat an entry.
func MergeStreams(parts []Streams, dir iter.Direction, limit uint32) Streams {
	type item struct {
		key string
		e   iter.Entry
	}
	var all []item
	lbls := map[string]Stream{}
	for _, ss := range parts {
		for _, s := range ss {
			k := s.Labels.String()
			if _, ok := lbls[k]; !ok {
				lbls[k] = Stream{Labels: s.Labels}
			}
			for _, e := range s.Entries {
				all = append(all, item{k, e})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.e.Timestamp != b.e.Timestamp {
			if dir == iter.Backward {
				return a.e.Timestamp > b.e.Timestamp
			}
			return a.e.Timestamp < b.e.Timestamp
		}
		if a.key != b.key {
			return a.key < b.key
		}
		return a.e.Line < b.e.Line
	})
	if limit > 0 && len(all) > int(limit) {
		all = all[:limit]
	}
	idx := map[string]int{}
	var out Streams
	var keys []string
	for _, it := range all {
		i, ok := idx[it.key]
		if !ok {
			i = len(out)
			idx[it.key] = i
			out = append(out, lbls[it.key])
			keys = append(keys, it.key)
		}
		out[i].Entries = append(out[i].Entries, it.e)
	}
	sortStreams(out, keys)
	return out
}

func sortStreams(out Streams, keys []string) {
	sort.Sort(streamsByKey{out, keys})
}

type streamsByKey struct {
	s    Streams
	keys []string
}

func (b streamsByKey) Len() int           { return len(b.s) }
func (b streamsByKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b streamsByKey) Swap(i, j int) {
	b.s[i], b.s[j] = b.s[j], b.s[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// MergeMatrices concatenates range-query results over disjoint step sets (SplitByTime):
// series with equal labels are joined, points in time order, a point at a repeated time
// kept once.
func MergeMatrices(parts ...Matrix) Matrix {
	idx := map[string]int{}
	var out Matrix
	for _, m := range parts {
		for _, s := range m {
			k := keyOf(s.Metric)
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, Series{Metric: s.Metric})
			}
			out[i].Points = append(out[i].Points, s.Points...)
		}
	}
	for i := range out {
		pts := out[i].Points
		sort.SliceStable(pts, func(a, b int) bool { return pts[a].T < pts[b].T })
		w := 0
		for r := range pts {
			if w > 0 && pts[w-1].T == pts[r].T {
				continue
			}
			pts[w] = pts[r]
			w++
		}
		out[i].Points = pts[:w]
	}
	sort.Slice(out, func(i, j int) bool { return labels.Compare(out[i].Metric, out[j].Metric) < 0 })
	return out
}

// stepMap is a metric result keyed by evaluation time.
type stepMap map[int64][]promSample

func resultSteps(r Result) stepMap {
	out := stepMap{}
	switch r.Type {
	case ValueVector:
		for _, s := range r.Vector {
			out[s.T] = append(out[s.T], promSample{lbls: s.Metric, v: s.V})
		}
	case ValueMatrix:
		for _, s := range r.Matrix {
			for _, p := range s.Points {
				out[p.T] = append(out[p.T], promSample{lbls: s.Metric, v: p.V})
			}
		}
	}
	return out
}
