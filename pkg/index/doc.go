// Package index implements Skald's per-tenant, per-period (24 h) index segments: which series
// (label sets) exist, the postings that map each label name/value to those series, and for each
// series the chunk references (time span, size, entry count, object key, checksum) of its chunks.
//
// A segment is an immutable byte slice in a versioned, checksummed format (docs/format/index.md):
// a Writer collects series and chunk refs and Finish encodes them; Open checks every section's
// CRC32C and returns a Reader that answers matcher lookups (Series, LabelNames, LabelValues)
// without touching chunks. Damage is reported as a *CorruptionError, never a panic.
//
// Ingesters each upload their own segments (keys from SegmentKey) and queriers read them without
// merging through a MultiReader, which unions series across segments and drops identical chunk
// refs (replicas flushing the same chunk). The compactor later merges a period's segments into
// one with the same Writer.
//
// Times are Unix nanoseconds. A chunk ref covers [From, Through], both inclusive, and the lookup
// range [from, through] is inclusive too: pass end-1 for an exclusive query end.
package index
