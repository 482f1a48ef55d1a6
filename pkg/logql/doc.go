// Package logql implements the LogQL engine: it evaluates parsed queries (pkg/logql/syntax)
// over any data source that implements Querier, with Loki's semantics.
//
// Data sources do the per-line work (matchers, line filters, the pipeline and sample
// extraction, via NewPipelineIterator and NewExtractorIterator); the engine does the rest:
// limit and direction of log queries, range windows (t−range, t] at each step, vector
// aggregations, binary operations, label_replace, and the limits Loki enforces. The merge
// functions in split.go let a frontend split a query by time or by stream shard and combine the
// partial results into the answer the whole query would give.
package logql
