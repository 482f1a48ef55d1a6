package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf8"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// The append functions write an entries record straight from iter.Entry values, in the
// encoding EncodeRecord gives (the same protobuf fields, in field order), so DecodeRecord and
// every replaying binary read it unchanged. They spare the hot path a logproto message per
// entry and a marshal into a fresh buffer:
//
//	dst = AppendRecordHeader(dst, KindEntries, tenant)
//	dst = AppendStream(dst, labels, hash, entries) // once per stream
//
// Protobuf field tags of logproto's PushRequest, StreamAdapter, EntryAdapter, LabelPairAdapter
// and google.protobuf.Timestamp (field number << 3 | wire type).
const (
	tagStreams   = 1<<3 | 2 // PushRequest.streams
	tagLabels    = 1<<3 | 2 // StreamAdapter.labels
	tagEntries   = 2<<3 | 2 // StreamAdapter.entries
	tagHash      = 3<<3 | 0 // StreamAdapter.hash
	tagTimestamp = 1<<3 | 2 // EntryAdapter.timestamp
	tagLine      = 2<<3 | 2 // EntryAdapter.line
	tagMetadata  = 3<<3 | 2 // EntryAdapter.structuredMetadata
	tagSeconds   = 1<<3 | 0 // Timestamp.seconds
	tagNanos     = 2<<3 | 0 // Timestamp.nanos
	tagName      = 1<<3 | 2 // LabelPairAdapter.name
	tagValue     = 2<<3 | 2 // LabelPairAdapter.value
)

// AppendRecordHeader appends the start of a record of kind for tenant to dst; streams follow
// with AppendStream.
func AppendRecordHeader(dst []byte, kind RecordKind, tenant string) []byte {
	dst = append(dst, byte(kind))
	dst = binary.AppendUvarint(dst, uint64(len(tenant)))
	return append(dst, tenant...)
}

// ErrInvalidUTF8 is returned by AppendStream for a string that is not valid UTF-8: protobuf
// decoders, replay's among them, refuse such a record (and proto.Marshal refuses to write it).
var ErrInvalidUTF8 = errors.New("string field contains invalid UTF-8")

// AppendStream appends one stream of the record being written to dst: its label string, hash
// and entries (their Parsed labels are not written, as in a push). On error dst is returned
// as it was.
func AppendStream(dst []byte, lbls string, hash uint64, entries []iter.Entry) ([]byte, error) {
	if err := validUTF8(lbls, entries); err != nil {
		return dst, err
	}
	n := 0
	if lbls != "" {
		n += fieldLen(len(lbls))
	}
	for k := range entries {
		n += fieldLen(entrySize(&entries[k]))
	}
	if hash != 0 {
		n += 1 + uvarintLen(hash)
	}
	dst = appendTagLen(dst, tagStreams, n)
	if lbls != "" {
		dst = appendString(dst, tagLabels, lbls)
	}
	for k := range entries {
		e := &entries[k]
		dst = appendTagLen(dst, tagEntries, entrySize(e))
		sec, ns := splitTimestamp(e.Timestamp)
		dst = appendTagLen(dst, tagTimestamp, timestampSize(sec, ns))
		if sec != 0 {
			dst = binary.AppendUvarint(append(dst, tagSeconds), uint64(sec))
		}
		if ns != 0 {
			dst = binary.AppendUvarint(append(dst, tagNanos), uint64(ns))
		}
		if e.Line != "" {
			dst = appendString(dst, tagLine, e.Line)
		}
		for _, l := range e.StructuredMetadata {
			dst = appendTagLen(dst, tagMetadata, pairSize(l))
			if l.Name != "" {
				dst = appendString(dst, tagName, l.Name)
			}
			if l.Value != "" {
				dst = appendString(dst, tagValue, l.Value)
			}
		}
	}
	if hash != 0 {
		dst = binary.AppendUvarint(append(dst, tagHash), hash)
	}
	return dst, nil
}

func validUTF8(lbls string, entries []iter.Entry) error {
	if !utf8.ValidString(lbls) {
		return fmt.Errorf("encode wal record: labels: %w", ErrInvalidUTF8)
	}
	for k := range entries {
		e := &entries[k]
		if !utf8.ValidString(e.Line) {
			return fmt.Errorf("encode wal record: line of entry %d: %w", k, ErrInvalidUTF8)
		}
		for _, l := range e.StructuredMetadata {
			if !utf8.ValidString(l.Name) || !utf8.ValidString(l.Value) {
				return fmt.Errorf("encode wal record: structured metadata of entry %d: %w", k, ErrInvalidUTF8)
			}
		}
	}
	return nil
}

// splitTimestamp returns the Timestamp message of ns since the epoch, nanos in [0, 1e9), whose
// seconds*1e9 + nanos is ns again (iter.EntryFromProto), in wrapping int64 arithmetic too.
func splitTimestamp(ts int64) (sec, ns int64) {
	sec, ns = ts/1e9, ts%1e9
	if ns < 0 {
		sec, ns = sec-1, ns+1e9
	}
	return sec, ns
}

func timestampSize(sec, ns int64) int {
	n := 0
	if sec != 0 {
		n += 1 + uvarintLen(uint64(sec))
	}
	if ns != 0 {
		n += 1 + uvarintLen(uint64(ns))
	}
	return n
}

func entrySize(e *iter.Entry) int {
	n := fieldLen(timestampSize(splitTimestamp(e.Timestamp)))
	if e.Line != "" {
		n += fieldLen(len(e.Line))
	}
	for _, l := range e.StructuredMetadata {
		n += fieldLen(pairSize(l))
	}
	return n
}

func pairSize(l labels.Label) int {
	n := 0
	if l.Name != "" {
		n += fieldLen(len(l.Name))
	}
	if l.Value != "" {
		n += fieldLen(len(l.Value))
	}
	return n
}

// fieldLen is the size of a length-delimited field of n bytes (one-byte tag).
func fieldLen(n int) int { return 1 + uvarintLen(uint64(n)) + n }

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

func appendTagLen(dst []byte, tag byte, n int) []byte {
	return binary.AppendUvarint(append(dst, tag), uint64(n))
}

func appendString(dst []byte, tag byte, s string) []byte {
	return append(appendTagLen(dst, tag, len(s)), s...)
}
