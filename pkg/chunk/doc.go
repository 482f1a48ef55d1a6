// Package chunk implements Skald's chunk format: one stream's entries over a time span, cut into
// blocks of a target uncompressed size, each block compressed on its own (snappy, lz4, zstd, gzip
// or none) and stored as columns, so that a query reads only what it needs:
//
//   - timestamps (deltas in a per-block unit) and line lengths: all that count_over_time and
//     bytes_over_time need (SizeIterator decompresses nothing else);
//   - lines, split by shape from version 3 (shape.go): each line is cut into a template of
//     literal bytes and the values between them, and each field's values are stored together
//     (dictionaries, numbers as byte planes, hex as bytes), so JSON and logfmt logs take about
//     half the bytes; readers rebuild the exact lines;
//   - structured metadata, apart, so a line scan never decompresses it when a block has none;
//   - line hashes (xxhash64; version 2, optional in version 3): with the timestamps, lengths
//     and metadata, all that a sample of count_over_time/bytes_over_time needs, deduplication
//     hash included (InfoIterator), so those queries decompress no line bytes. Without them
//     InfoIterator hashes rebuilt lines, or skips hashes (SkipHashes).
//
// Every block has a directory entry with its min/max timestamp, entry count, sizes, a CRC32C per
// column and a token filter: a Bloom filter over the distinct 4-grams of its lines. A literal
// needle (|= "needle", at least 4 bytes) whose 4-grams are not all in a block's filter cannot
// occur in that block, so the block is skipped without decompressing it; the check never gives
// a false negative for any substring.
//
// A Builder takes entries in non-decreasing timestamp order and compresses each block as it is
// cut; Finish returns the encoded chunk and its Meta. Decode validates the header, trailer and
// directory (column checksums are verified when a column is first decompressed) and returns a
// Chunk whose iterators run forward or backward over a time range. Damage is reported as a
// *CorruptionError, never a panic. The byte layout is in docs/format/chunk.md.
package chunk
