package ingester

import (
	"unsafe"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// ownEntries rewrites es in place so that no string of theirs aliases the request or WAL
// message they were decoded from: the lines and structured-metadata strings are copied into
// one exactly-sized byte arena and the metadata label pairs into one exactly-sized slice.
// Decoders hand out strings that point into the decompressed body (~1 MiB per push); a head
// that kept one line of each push would keep every such body alive. One allocation per stream
// and push keeps the copy cheap, and the arena is freed once every entry in it is gone (the
// chunk holding them was encoded or dropped). Parsed labels are dropped: stored entries have
// none.
func ownEntries(es []iter.Entry) {
	n, pairs := 0, 0
	for k := range es {
		n += len(es[k].Line)
		pairs += len(es[k].StructuredMetadata)
		for _, l := range es[k].StructuredMetadata {
			n += len(l.Name) + len(l.Value)
		}
	}
	arena := make([]byte, 0, n)
	var lbls []labels.Label
	if pairs > 0 {
		lbls = make([]labels.Label, 0, pairs)
	}
	str := func(s string) string {
		if len(s) == 0 {
			return ""
		}
		start := len(arena)
		arena = append(arena, s...)
		// arena never grows (exact capacity), so earlier strings stay valid; bytes are
		// never written again after this.
		return unsafe.String(&arena[start], len(s))
	}
	for k := range es {
		e := &es[k]
		e.Line = str(e.Line)
		e.Parsed = nil
		if len(e.StructuredMetadata) == 0 {
			e.StructuredMetadata = nil
			continue
		}
		start := len(lbls)
		for _, l := range e.StructuredMetadata {
			lbls = append(lbls, labels.Label{Name: str(l.Name), Value: str(l.Value)})
		}
		e.StructuredMetadata = lbls[start:len(lbls):len(lbls)]
	}
}
