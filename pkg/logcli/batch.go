package logcli

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/loghttp"
)

// queryLogsBatched runs a log range query for up to o.limit lines in requests of at most
// o.batch lines, as logcli does, so a limit above the server's per-query maximum still works.
// Each next request starts where the previous one ended (its oldest line when backward, its
// newest when forward); lines at that boundary timestamp that were already returned are
// skipped.
func queryLogsBatched(ctx context.Context, c *client, o *options, params url.Values, start, end time.Time) (*loghttp.QueryResult, error) {
	out := &loghttp.QueryResult{Type: loghttp.ResultStreams}
	byLabels := map[string]int{} // stream labels -> index in out.Streams
	seen := map[boundaryKey]bool{}
	from, to := start.UnixNano(), end.UnixNano()
	remaining := o.limit
	for remaining > 0 {
		// Lines at the boundary already returned come back first: ask for that many more.
		n := min(remaining, o.batch) + len(seen)
		params.Set("limit", strconv.Itoa(n))
		params.Set("start", strconv.FormatInt(from, 10))
		params.Set("end", strconv.FormatInt(to, 10))
		res, err := c.queryRange(ctx, params)
		if err != nil {
			return nil, err
		}
		if res.Type != loghttp.ResultStreams {
			return res, nil // a metric query: no batching
		}
		got, added := 0, 0
		edge := int64(0)
		first := true
		for _, s := range res.Streams {
			key := s.Labels.String()
			for _, e := range s.Entries {
				got++
				if first || (o.forward && e.Timestamp > edge) || (!o.forward && e.Timestamp < edge) {
					edge, first = e.Timestamp, false
				}
			}
			for _, e := range s.Entries {
				k := boundaryKey{key, e.Timestamp, e.Line}
				if seen[k] {
					continue
				}
				i, ok := byLabels[key]
				if !ok {
					i = len(out.Streams)
					byLabels[key] = i
					out.Streams = append(out.Streams, loghttp.Stream{Labels: s.Labels})
				}
				out.Streams[i].Entries = append(out.Streams[i].Entries, e)
				added++
				seen[k] = true
			}
		}
		addStats(&out.Stats, res.Stats)
		remaining -= added
		if got < n || added == 0 {
			break
		}
		// Keep only what the next request can return again: lines at the boundary.
		for k := range seen {
			if k.ts != edge {
				delete(seen, k)
			}
		}
		if o.forward {
			from = edge
		} else {
			to = edge + 1
		}
		if from >= to {
			break
		}
	}
	trimToLimit(out, o)
	return out, nil
}

type boundaryKey struct {
	labels string
	ts     int64
	line   string
}

// trimToLimit keeps the o.limit lines first in the query's direction.
func trimToLimit(res *loghttp.QueryResult, o *options) {
	total := 0
	for _, s := range res.Streams {
		total += len(s.Entries)
	}
	if total <= o.limit {
		return
	}
	type ref struct{ s, e int }
	var all []ref
	for i, s := range res.Streams {
		for k := range s.Entries {
			all = append(all, ref{i, k})
		}
	}
	ts := func(r ref) int64 { return res.Streams[r.s].Entries[r.e].Timestamp }
	slices.SortStableFunc(all, func(a, b ref) int {
		if o.forward {
			return cmp.Compare(ts(a), ts(b))
		}
		return cmp.Compare(ts(b), ts(a))
	})
	keep := map[ref]bool{}
	for _, r := range all[:o.limit] {
		keep[r] = true
	}
	for i := range res.Streams {
		var es []iter.Entry
		for k, e := range res.Streams[i].Entries {
			if keep[ref{i, k}] {
				es = append(es, e)
			}
		}
		res.Streams[i].Entries = es
	}
}

func addStats(dst *loghttp.Stats, s loghttp.Stats) {
	dst.Summary.TotalBytesProcessed += s.Summary.TotalBytesProcessed
	dst.Summary.TotalLinesProcessed += s.Summary.TotalLinesProcessed
	dst.Summary.TotalEntriesReturned += s.Summary.TotalEntriesReturned
	dst.Summary.ExecTime += s.Summary.ExecTime
	dst.Ingester.TotalReached += s.Ingester.TotalReached
	dst.Querier.Store.Chunk.TotalDuplicates += s.Querier.Store.Chunk.TotalDuplicates
	if dst.Summary.ExecTime > 0 {
		dst.Summary.BytesProcessedPerSecond = int64(float64(dst.Summary.TotalBytesProcessed) / dst.Summary.ExecTime)
		dst.Summary.LinesProcessedPerSecond = int64(float64(dst.Summary.TotalLinesProcessed) / dst.Summary.ExecTime)
	}
}
