package logql

import (
	"context"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

func (e *Engine) execLog(ctx context.Context, sel *syntax.LogSelector, p Params) (Result, error) {
	if p.Instant() {
		return Result{}, badRequest(msgInstantLogQuery)
	}
	if int64(p.Limit) > int64(e.opts.MaxEntriesLimitPerQuery) {
		return Result{}, newEntriesLimitError(p.Limit, e.opts.MaxEntriesLimitPerQuery)
	}
	limit := p.Limit
	if p.Interval > 0 {
		// Lines skipped by the interval do not count towards the limit, so the source must not
		// stop at it.
		limit = 0
	}
	it, err := e.q.SelectLogs(ctx, SelectLogParams{
		Selector:  sel,
		Start:     p.Start,
		End:       p.End,
		Limit:     limit,
		Direction: p.Direction,
		Shards:    p.Shards,
	})
	if err != nil {
		return Result{}, err
	}
	streams, n, err := readStreams(it, p.Limit, p.Direction, int64(p.Interval))
	res := Result{Type: ValueStreams, Streams: streams}
	res.Stats.EntriesReturned = n
	if dc, ok := it.(iter.DuplicateCounter); ok {
		res.Stats.Duplicates = dc.Duplicates()
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// readStreams reads at most limit entries (0: all) and groups them by stream. With an interval,
// an entry is kept only when it is at least interval after (forward) or before (backward) the
// last kept entry of any stream, as Loki does; skipped entries do not count towards the limit.
func readStreams(it iter.EntryIterator, limit uint32, dir iter.Direction, interval int64) (Streams, int64, error) {
	idx := map[string]int{}
	var out Streams
	var keys []string
	var n int64
	var last int64
	first := true
	for (limit == 0 || n < int64(limit)) && it.Next() {
		e := it.At()
		if interval > 0 && !first {
			if dir == iter.Forward && e.Timestamp < last+interval {
				continue
			}
			if dir == iter.Backward && e.Timestamp > last-interval {
				continue
			}
		}
		first = false
		last = e.Timestamp
		l := it.Labels()
		i, ok := idx[l]
		if !ok {
			ls, err := parseSeriesLabels(l)
			if err != nil {
				return nil, 0, err
			}
			i = len(out)
			idx[l] = i
			out = append(out, Stream{Labels: ls})
			keys = append(keys, l)
		}
		out[i].Entries = append(out[i].Entries, e)
		n++
	}
	if err := it.Err(); err != nil {
		return nil, 0, err
	}
	sortStreams(out, keys)
	return out, n, nil
}
