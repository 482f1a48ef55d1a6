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
// budget (shared with decoded chunks) and, optionally, as files in a local cache directory.
package store
