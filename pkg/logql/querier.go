package logql

import (
	"context"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// Querier is a source of log data: the ingester's memory, the store, or the querier's fan-out
// over both. Implementations evaluate the selector, its line filters and its pipeline
// themselves (skipping data that cannot match) and return only matching data. Safe for
// concurrent use.
type Querier interface {
	// SelectLogs returns matching entries in [Start, End), ordered by Direction, at most Limit
	// of them (0: no limit).
	SelectLogs(ctx context.Context, p SelectLogParams) (iter.EntryIterator, error)
	// SelectSamples returns the samples the range aggregation's extractor yields for entries in
	// [Start, End), ordered by timestamp.
	SelectSamples(ctx context.Context, p SelectSampleParams) (iter.SampleIterator, error)
}

// SelectLogParams is a log query handed to a data source.
type SelectLogParams struct {
	Selector syntax.LogSelectorExpr
	// Unix nanoseconds: Start inclusive, End exclusive.
	Start, End int64
	Limit      uint32
	Direction  iter.Direction
	// Shards restricts the query to streams in these shards; empty means all.
	Shards []Shard
}

// SelectSampleParams is a sample query handed to a data source.
type SelectSampleParams struct {
	Expr       syntax.SampleExpr
	Start, End int64
	Shards     []Shard
	// Buckets, when its Width is set, says the query only sums sample values over windows whose
	// ends lie on the grid (count_over_time, rate, bytes_over_time, bytes_rate, no unwrap):
	// a source may then return one sample per stream, labels and bucket instead of one per
	// entry (see BucketGrid). Sources may ignore it.
	Buckets BucketGrid
	// SingleFrom, per stream hash, is the time from which another source also returns the
	// stream's samples: entries at or after it must stay single samples (only those are
	// deduplicated against the other source's copies), so a source sums only earlier buckets.
	// A stream not in the map is held by no other source. Nil with Buckets set: none is.
	SingleFrom map[uint64]int64
}

// BucketGrid cuts time into buckets (p-Width, p] for every p ≡ Anchor (mod Width), the grid
// every window (t-range, t] of a query starts and ends on. A bucket sample has timestamp p and
// sums the values of the bucket's samples of one series; any window sums bucket samples exactly
// as it would sum the entries'. Its Hash is BucketHash, so it is never taken for a copy of an
// entry's sample.
type BucketGrid struct {
	Width, Anchor int64
}

// BucketHash is the Hash of every bucket sample.
const BucketHash uint64 = 0xb0c4e7ed5a3b1e01

// End returns the end of the bucket holding ts: the first grid point at or after ts.
func (g BucketGrid) End(ts int64) int64 {
	r := (g.Anchor - ts) % g.Width
	if r < 0 {
		r += g.Width
	}
	return ts + r
}

// Cut returns the last grid point before t: buckets ending at or before it hold only entries
// older than t.
func (g BucketGrid) Cut(t int64) int64 { return g.End(t) - g.Width }

// Shard selects the streams whose label hash modulo Of equals Index.
type Shard struct {
	Index, Of uint32
}

// Contains reports whether a stream with the given label hash belongs to the shard.
func (s Shard) Contains(streamHash uint64) bool {
	return s.Of == 0 || uint32(streamHash%uint64(s.Of)) == s.Index
}
