// Package ingester implements Skald's ingester: it accepts pushes (logproto.Pusher), makes them
// durable in a NATS JetStream WAL (pkg/wal) before acknowledging, keeps recent data in memory,
// flushes it in chunks to the store, and answers queries over what it holds
// (querierpb.Querier, and logql.Querier in process).
//
// # Write path
//
// Push parses each stream's labels, validates its entries against the stream's state (refusing
// entries older than the newest minus max_chunk_age/2 with Loki's 400 text, dropping an entry
// identical in timestamp, line and structured metadata to the previous one), and appends the
// accepted entries as one WAL record (several if too large). The record is applied to memory on
// the WAL's acknowledgement goroutine, in WAL sequence order, before Push returns: so memory is
// built in exactly the order a replay rebuilds it. Each stream keeps a head (arrival order,
// sorted when cut) and cut chunks. Heads are cut when they reach chunk_target_size (only at the
// end of a WAL batch), and by the flush loop when idle, older than max_chunk_age, or on /flush
// and shutdown.
//
// # Memory
//
// Accepted lines and structured metadata of one stream of one push are copied into one
// exactly-sized arena (arena.go), so nothing in memory aliases a request body or WAL message
// and those are freed as soon as the push returns. A head keeps at most ~128 KiB of lines raw:
// older entries are sorted and s2-compressed into head segments (headseg.go), whose stable
// merge is exactly the stable sort of the head, so chunk contents do not depend on where
// segments were cut. A cut chunk is encoded with pkg/chunk by a
// background encoder (encode.go; a flush waits for it) and then kept only
// encoded: compressed blocks with their token filters. Queries read encoded chunks through
// chunk iterators, so `|= "needle"` skips blocks its filters rule out, and counts and byte sums
// without a pipeline read line lengths and hashes only; only the head is scanned raw. With a
// store that takes encoded chunks (EncodedChunkStore, as NewStoreAdapter's does) the flush
// uploads the bytes kept in memory; encoding is deterministic, so they are the bytes a replay
// rebuilds. Two bounds keep cut chunks from piling up under heavy ingest: pushes wait (a
// second at most, well within a distributor's timeout) while more than encode_backlog_bytes of
// cut chunks wait for the encoder, so ingest slows towards the encoder's pace, and once flush_pending_bytes of encoded chunks await the flush it runs at
// once rather than at the next flush_check_period tick (the same flush cycle: cuts by marker,
// writes, checkpoint).
//
// # Why replay neither loses nor duplicates
//
// Let a batch be a WAL message (its records share one sequence). Invariants:
//
//  1. Records are applied in sequence order, live and on replay, and application is
//     deterministic (validation happened before the append; applying never refuses).
//  2. A chunk is cut only between batches (the cut holds the apply lock), so chunk k of a stream
//     holds exactly its entries from the batches in (cut(k-1), cut(k)], where cut is the last
//     batch applied at cut time.
//  3. A stream's chunks are flushed in cut order; after chunk k is in the store the stream's
//     flush mark is cut(k): every entry of the stream in batches up to the mark is stored.
//  4. The checkpoint C is the smallest sequence with an entry still only in memory (the first
//     batch of the oldest unflushed chunk or head of any stream), or last applied + 1. Every
//     batch below C is entirely in the store, so the WAL is purged below C. The checkpoint
//     stores, with C, the marks that are >= C.
//
// Replay starts at C and skips a stream's entries in batches at or below its mark: those are
// exactly the ones in its flushed chunks (2, 3); every other entry of a batch >= C is applied
// once (1). Nothing below C is needed (4). Acknowledged pushes are in the WAL, so none is lost.
//
// The window between a flush's store write and its checkpoint: replay then re-applies entries
// already stored. Cuts are deterministic, so the rebuilt chunks are byte-identical and land on
// the same content-addressed keys: size cuts happen at batch ends, and cuts decided by the clock
// (idle, max age, /flush, shutdown) are appended to the WAL as marker records and performed when
// applied, so replay repeats them at the same positions (cut.go). Only when the WAL itself is
// unavailable does a flush cut without a marker; then a crash in that window can store entries
// twice, and queries drop identical entries of a stream as they do for replicas.
//
// # Limits
//
// With Deps.Limits, Push refuses a new stream beyond the tenant's stream limit and a stream's
// entries beyond its per-stream rate (429, ResourceExhausted, with Loki's texts); the other
// streams of the push are stored.
//
// # Read path
//
// SelectLogs and SelectSamples evaluate a parsed query over the heads, unflushed chunks and
// flushed chunks still retained (chunk_retain_period, 0 by default as in Loki: a chunk leaves
// memory only after its index segment is in the store, where queriers list segments on every
// query); the gRPC handlers parse LogQL text and stream the results with pkg/iter's wire helpers.
package ingester
