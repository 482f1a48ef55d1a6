// Package wal implements Skald's write-ahead log on NATS JetStream: the ingester appends every
// push to it before acknowledging, and replays it after a restart.
//
// # Layout
//
// All ingesters share one JetStream stream (Config.Stream, file storage, R1 on an embedded server,
// R3 on a NATS cluster) whose subjects are Config.SubjectPrefix + ".>". Ingester <id> owns two
// subjects:
//
//	<prefix>.<id>.rec   the records, one JetStream message per group-commit batch
//	<prefix>.<id>.ckpt  its checkpoints; only the newest is kept
//
// Because the log and its checkpoint live in JetStream, an ingester whose data directory is wiped
// (or a replacement with the same ID) finds both on the (replicated) stream and loses nothing.
//
// # Records and group commit
//
// A Record is a tenant plus the logproto.StreamAdapter messages of (part of) a push. Concurrent
// Append calls are gathered by one writer goroutine into a batch that is published as a single
// JetStream message; a few batches may be in flight at once. Append returns only after JetStream
// acknowledged the message holding its record, that is, after the record is stored on the
// server (on a quorum of replicas when R3). Every record of a batch gets that message's stream
// sequence, so sequences are shared by records appended together; they grow with append order.
// Acknowledgements are handled on one goroutine in sequence order; AppendApply lets the caller
// apply a record to its in-memory state there, so that live state is built in exactly the order
// Replay delivers records (SetBatchHooks marks batch boundaries).
//
// The message payload is
//
//	magic 'W', version 1, uvarint n, n × (uvarint len, record)
//	record = kind (0 entries, 1 marker), uvarint len(tenant), tenant,
//	         protobuf logproto.PushRequest{streams}
//
// or, with Config.Compress (the default) when that is smaller, magic 'W', version 2 and the
// s2 block of what follows version 1's version byte. Replay reads both, whatever Compress says.
//
// and a checkpoint payload is an 8-byte big-endian sequence followed by caller-defined bytes.
//
// # Checkpoints
//
// Checkpoint(seq, meta) states that every record with a sequence below seq is durable elsewhere
// (the object store): it stores the checkpoint, then purges the record subject below seq.
// LoadCheckpoint returns it, and Replay(fromSeq) delivers the records from fromSeq on. The meta
// bytes let the caller keep finer-grained progress (the ingester stores per-stream flush marks)
// in the same atomic write as the sequence. A checkpoint without meta that is left alone in the
// stream (a lone ingester fully flushed) is written once more after the stream is emptied, so
// JetStream drops the block that held the purged records instead of keeping it for the
// checkpoint's sake (up to 8 MiB on disk).
//
// A WAL is safe for concurrent use. Replay must not run concurrently with Append.
package wal
