// Package store implements Skald's object-store data path: the Writer that ingesters flush
// chunks through (chunk objects first, then an index segment that references them) and the
// Reader that queriers read them back with (matchers → index segments → chunk refs →
// bounded-parallel fetch → per-block time and token-filter skip → decode → pipeline → one
// ordered, deduplicated iterator). The Reader implements logql.Querier plus label, series and
// index-stats lookups.
//
// Object keys (docs/format/chunk.md):
//
//	chunks/<tenant>/<fingerprint>/<minT>-<maxT>-<crc32c>   one chunk, content-addressed
//	index/<period>/<tenant>/<writer>-<seq>.idx             one index segment (pkg/index)
//
// A chunk's key is derived from its stream and content, so replicas that flush the same chunk
// write the same object and converge. A chunk is never referenced by an index segment before it
// is durable, so a reader that finds a ref finds its chunk (until the compactor's grace period).
//
// Segments are immutable: the Reader caches them decoded in an in-memory LRU with a byte
// budget (a quarter of Config.CacheBytes; the rest holds decoded chunks and chunk directories)
// and, optionally, as files in Config.CacheDir.
//
// Reading. A query resolves its matchers against every segment of the periods its range
// touches, merges the streams across periods and drops duplicate chunk refs, checks the
// per-query limits (ErrLimit), then hands the chunks to a prefetcher: FetchConcurrency workers
// fetch them in the order the query will need them (by time in its direction) while at most
// PrefetchBytes are fetched but unread; an iterator that needs a chunk no worker has started
// fetches it itself. Queries without a limit also decompress in the workers (chunk.Prepare).
// With a |= literal, the chunks whose cached directory (or cached chunk) has no block whose token
// filters admit every literal leave the plan before any fetch (ruledout.go, on all cores); an
// uncached chunk is read by range: header and directory first, then only the blocks whose
// filters admit every literal, and a chunk ruled out gives its prefetch budget back at once.
// Within a block, the chunk package finds candidate lines in the value columns and rebuilds
// only those (docs/format/chunk.md). Each stream's chunks are concatenated, or
// merged when they overlap (replicas cut at different points) with replicas' copies of an entry
// dropped: per timestamp, each line as many times as the chunk holding it most often has it
// (runmerge.go); the pipeline runs per stream; streams are merged in order
// (iter.NewMergeEntryIterator).
//
// Counts without lines. When log.SizeOnly admits a sample expression's extractor
// (count_over_time, rate, bytes_over_time, bytes_rate, … with no pipeline stage), SelectSamples
// reads each chunk's timestamps, line lengths, line hashes and structured metadata
// (chunk.InfoIterator) and never decompresses a line: labels come from the extractor (Process
// with a nil line), the value is 1 or the line length, the hash the stored xxhash64 that the
// line path computes, and overlapping chunks merge by line hash exactly as the line path merges
// by line. TestSizeFastPathSameSamples holds both paths to identical samples.
//
// Parallel extraction. A sample query over several streams (lines or counts-only) runs each
// stream's extractor on a pool of GOMAXPROCS workers, in batches (at most two per stream, sized
// so all streams together buffer ~256k samples), and merges the batches in the caller's
// goroutine: the same samples in the same order as reading the streams one by one
// (samples_parallel.go, TestParallelSamplesSameAsSerial).
//
// Stats. The iterators SelectLogs and SelectSamples return implement iter.StatsReporter, the
// same contract as the ingesters' wire iterators: Stats returns a querierpb.QueryStats with
// TotalChunksRef, TotalChunksDownloaded, ChunksDownloadTimeNs, DecompressedBytes/Lines,
// CompressedBytes, StructuredMetadataBytes, BlocksSkipped (blocks never decompressed because a
// token filter ruled them out), PostFilterLines and TotalDuplicates. Call it from the goroutine
// that iterates, or after iteration.
package store
