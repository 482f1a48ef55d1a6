package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/proto/logproto"
)

// Record is one unit appended to the WAL: entries of one tenant's streams, as pushed, or a
// marker the caller replays at the same position among them.
type Record struct {
	Kind    RecordKind
	Tenant  string
	Streams []*logproto.StreamAdapter
}

// RecordKind says what a record means to its writer; the WAL only stores it.
type RecordKind uint8

const (
	// KindEntries is pushed entries.
	KindEntries RecordKind = 0
	// KindMarker is a caller-defined marker (the ingester's chunk cuts), typically with stream
	// labels but no entries.
	KindMarker RecordKind = 1
)

const (
	batchMagic   = 'W'
	batchVersion = 1 // the records framed as they are
	// batchVersionS2 is version 1's framing after the version byte, s2-compressed.
	batchVersionS2 = 2
	// maxBatchDecoded bounds what a compressed batch may claim to decompress to (NATS
	// payloads are at most 64 MiB, and log lines compress far less than 4x that).
	maxBatchDecoded = 256 << 20
)

// ErrCorrupt is wrapped by decoding errors of WAL messages.
var ErrCorrupt = errors.New("corrupt wal message")

// EncodeRecord appends the encoding of r to dst.
func EncodeRecord(dst []byte, r Record) ([]byte, error) {
	body, err := proto.Marshal(&logproto.PushRequest{Streams: r.Streams})
	if err != nil {
		return dst, fmt.Errorf("marshal wal record: %w", err)
	}
	dst = append(dst, byte(r.Kind))
	dst = binary.AppendUvarint(dst, uint64(len(r.Tenant)))
	dst = append(dst, r.Tenant...)
	return append(dst, body...), nil
}

// DecodeRecord decodes one record produced by EncodeRecord.
func DecodeRecord(b []byte) (Record, error) {
	if len(b) == 0 {
		return Record{}, fmt.Errorf("%w: empty record", ErrCorrupt)
	}
	kind := RecordKind(b[0])
	if kind > KindMarker {
		return Record{}, fmt.Errorf("%w: unknown record kind %d", ErrCorrupt, kind)
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Record{}, fmt.Errorf("%w: bad tenant length", ErrCorrupt)
	}
	tenant := string(b[k : k+int(n)])
	var req logproto.PushRequest
	if err := proto.Unmarshal(b[k+int(n):], &req); err != nil {
		return Record{}, fmt.Errorf("%w: unmarshal push request: %v", ErrCorrupt, err)
	}
	return Record{Kind: kind, Tenant: tenant, Streams: req.Streams}, nil
}

// encodeBatch frames already encoded records into one message payload.
func encodeBatch(dst []byte, recs [][]byte) []byte {
	dst = append(dst, batchMagic, batchVersion)
	dst = binary.AppendUvarint(dst, uint64(len(recs)))
	for _, r := range recs {
		dst = binary.AppendUvarint(dst, uint64(len(r)))
		dst = append(dst, r...)
	}
	return dst
}

// compressBatch appends to dst the version-2 form of batch, a version-1 payload, and
// reports false (dst unchanged) when that is not smaller: the batch is then sent as it is, so a
// payload never outgrows the batch bound. Batches are pushes' log lines, which s2 shrinks
// several times over: JetStream then copies, writes and replicates a fraction of the bytes
// (the embedded server copied every batch twice in memory and wrote it once, a third of the
// ingest path's allocations).
func compressBatch(dst, batch []byte) ([]byte, bool) {
	body := batch[2:]
	n := 2 + s2.MaxEncodedLen(len(body))
	if n < 2 {
		return dst, false // too large for s2
	}
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	dst[start], dst[start+1] = batchMagic, batchVersionS2
	enc := s2.Encode(dst[start+2:], body)
	if 2+len(enc) >= len(batch) {
		return dst[:start], false
	}
	return dst[:start+2+len(enc)], true
}

// decodeBatch calls f with each encoded record of a message payload. The slices alias b, or
// for a compressed payload a buffer of their own.
func decodeBatch(b []byte, f func(rec []byte) error) error {
	if len(b) < 2 || b[0] != batchMagic {
		return fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	switch b[1] {
	case batchVersion:
		b = b[2:]
	case batchVersionS2:
		n, err := s2.DecodedLen(b[2:])
		if err != nil || n > maxBatchDecoded {
			return fmt.Errorf("%w: bad compressed length", ErrCorrupt)
		}
		if b, err = s2.Decode(make([]byte, n), b[2:]); err != nil {
			return fmt.Errorf("%w: decompress: %v", ErrCorrupt, err)
		}
	default:
		return fmt.Errorf("%w: unknown version %d", ErrCorrupt, b[1])
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return fmt.Errorf("%w: bad record count", ErrCorrupt)
	}
	b = b[k:]
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return fmt.Errorf("%w: record %d: bad length", ErrCorrupt, i)
		}
		if err := f(b[k : k+int(l)]); err != nil {
			return err
		}
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(b))
	}
	return nil
}
