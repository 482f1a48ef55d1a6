package ingester

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// The checkpoint meta the ingester stores with each WAL checkpoint: the per-stream flush marks.
// A mark (tenant, fingerprint) → seq says every entry of that stream in WAL batches up to seq is
// in the store. Format:
//
//	version 1, uvarint n, n × (uvarint len(tenant), tenant, fingerprint u64 BE, uvarint seq)
const marksVersion = 1

var errCorruptMarks = errors.New("corrupt checkpoint flush marks")

func encodeMarks(m map[markKey]uint64) []byte {
	if len(m) == 0 {
		// Nothing: the WAL then knows the checkpoint says no more than its sequence, and may
		// rewrite it alone to let JetStream drop the purged records' block (wal.Checkpoint).
		return nil
	}
	keys := make([]markKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Sorted, so equal marks encode to equal bytes.
	sort.Slice(keys, func(a, b int) bool {
		if keys[a].tenant != keys[b].tenant {
			return keys[a].tenant < keys[b].tenant
		}
		return keys[a].fp < keys[b].fp
	})
	out := []byte{marksVersion}
	out = binary.AppendUvarint(out, uint64(len(keys)))
	for _, k := range keys {
		out = binary.AppendUvarint(out, uint64(len(k.tenant)))
		out = append(out, k.tenant...)
		out = binary.BigEndian.AppendUint64(out, k.fp)
		out = binary.AppendUvarint(out, m[k])
	}
	return out
}

func decodeMarks(b []byte) (map[markKey]uint64, error) {
	out := map[markKey]uint64{}
	if len(b) == 0 {
		return out, nil
	}
	if b[0] != marksVersion {
		return nil, fmt.Errorf("%w: version %d", errCorruptMarks, b[0])
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: bad count", errCorruptMarks)
	}
	b = b[k:]
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, fmt.Errorf("%w: mark %d: bad tenant", errCorruptMarks, i)
		}
		tenant := string(b[k : k+int(l)])
		b = b[k+int(l):]
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: mark %d: short fingerprint", errCorruptMarks, i)
		}
		fp := binary.BigEndian.Uint64(b)
		b = b[8:]
		seq, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, fmt.Errorf("%w: mark %d: bad sequence", errCorruptMarks, i)
		}
		b = b[k:]
		out[markKey{tenant, fp}] = seq
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorruptMarks, len(b))
	}
	return out, nil
}
