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
}

// Shard selects the streams whose label hash modulo Of equals Index.
type Shard struct {
	Index, Of uint32
}

// Contains reports whether a stream with the given label hash belongs to the shard.
func (s Shard) Contains(streamHash uint64) bool {
	return s.Of == 0 || uint32(streamHash%uint64(s.Of)) == s.Index
}
