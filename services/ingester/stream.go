package ingester

import (
	"slices"
	"sync"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// memChunk is a cut, immutable run of one stream's entries. From its cut until it is encoded
// it holds the entries themselves; then only the encoded chunk (compressed blocks with their
// token filters), which is what the flush uploads and what queries read through the filters.
type memChunk struct {
	// segs (each sorted by timestamp; their stable merge is the chunk's order, ties in arrival
	// order) until encoded, then nil. enc and meta once encoded. Guarded by the stream's mu;
	// the values they point to are immutable.
	segs []*headSeg
	enc  *chunk.Chunk
	data []byte // enc's bytes
	meta chunk.Meta
	// encMu serialises encoding between the background encoder and a flush.
	encMu sync.Mutex
	// queued, set under the ingester's encQMu when the chunk is queued for the background
	// encoder, is closed once that encoder is done with it (encoded or failed).
	queued chan struct{}

	minT, maxT  int64
	count       int // entries
	bytes       int
	firstSeq    uint64    // WAL sequence of the first batch applied into it
	cutSeq      uint64    // last batch applied when it was cut: it holds everything up to here
	flushedAt   time.Time // zero until flushed
	pending     bool      // len(data) is counted in Ingester.pendingBytes
	flushFailed bool
}

// stream is one tenant's stream in memory: a head of recent entries in arrival order (any
// timestamp order within the out-of-order window) and the chunks cut from it.
type stream struct {
	lbls labels.Labels
	lstr string
	fp   uint64

	mu sync.RWMutex
	// Validation state: the newest timestamp accepted and the last entry, for deduplication.
	maxT    int64
	last    iter.Entry
	hasLast bool

	// The head: its older entries compressed in segments (arrival order between segments),
	// the newer ones raw in head. head is never empty while headSegs is not (a segment is cut
	// leaving the last entry raw), so len(head) > 0 tells whether the stream has a head.
	headSegs      []*headSeg
	head          []iter.Entry
	headTailBytes int  // line bytes in head
	headUnsorted  bool // an entry of head arrived older than the one before it
	headBytes     int
	headMinT      int64
	headMaxT      int64
	headFirstSeq  uint64
	headCreated   time.Time
	lastPush      time.Time
	full          bool // head reached the target size: cut at the end of the batch
	removed       bool // dropped from its tenant's map: appliers must look the stream up again

	chunks []*memChunk // in cut order: unflushed ones after flushed (retained) ones

	// Per-stream rate limit bucket, touched by Push only.
	rateTokens float64
	rateLast   time.Time
}

func newStream(lbls labels.Labels) *stream {
	return &stream{lbls: lbls, lstr: lbls.String(), fp: lbls.Hash()}
}

func entryBytes(e *iter.Entry) int {
	n := len(e.Line)
	for _, l := range e.StructuredMetadata {
		n += len(l.Name) + len(l.Value)
	}
	return n
}

func sameEntry(a, b *iter.Entry) bool {
	return a.Timestamp == b.Timestamp && a.Line == b.Line && labels.Equal(a.StructuredMetadata, b.StructuredMetadata)
}

// apply appends entries already validated and durable in the WAL batch seq. Caller holds the
// ingester's apply lock (so batches apply in sequence order) but not s.mu. It returns false,
// applying nothing, when the stream was removed meanwhile.
// segBytes is the raw line bytes at which the head's older entries are compressed into a
// segment (0: never).
func (s *stream) apply(seq uint64, entries []iter.Entry, now time.Time, target, segBytes int) (ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return false
	}
	for i := range entries {
		e := entries[i]
		if n := len(s.head); n > 0 && e.Timestamp < s.head[n-1].Timestamp {
			s.headUnsorted = true
		}
		if len(s.head) == 0 {
			s.headFirstSeq = seq
			s.headCreated = now
			s.headMinT, s.headMaxT = e.Timestamp, e.Timestamp
		}
		s.head = append(s.head, e)
		s.headBytes += entryBytes(&e)
		s.headTailBytes += len(e.Line)
		s.headMinT = min(s.headMinT, e.Timestamp)
		s.headMaxT = max(s.headMaxT, e.Timestamp)
		if !s.hasLast || e.Timestamp > s.maxT {
			s.maxT = e.Timestamp
		}
		s.last, s.hasLast = e, true
	}
	s.lastPush = now
	if n := len(s.head); segBytes > 0 && s.headTailBytes >= segBytes && n >= 2 {
		// Compress all but the newest entry, which stays raw for the checks above.
		tail := s.head[:n-1]
		if s.headUnsorted {
			sortEntries(tail)
		}
		s.headSegs = append(s.headSegs, newHeadSeg(tail))
		// The segment copied what it keeps: reuse the slots (clear them so the request
		// arenas they point to can go). Readers copy the head under s.mu.
		last := s.head[n-1]
		clear(s.head)
		s.head = append(s.head[:0], last)
		s.headTailBytes, s.headUnsorted = len(last.Line), false
	}
	if s.headBytes >= target {
		s.full = true
	}
	return true
}

// cutLocked turns the head into a chunk holding everything applied up to batch cutSeq and
// returns it (nil when the head was empty), for the caller to have it encoded.
func (s *stream) cutLocked(cutSeq uint64) *memChunk {
	if len(s.head) == 0 {
		s.full = false
		return nil
	}
	if s.headUnsorted {
		// Stable: entries with equal timestamps keep their arrival order, as replay rebuilds
		// them, so the chunk's bytes do not depend on whether it was replayed.
		sortEntries(s.head)
	}
	segs := append(s.headSegs, newHeadSeg(s.head))
	n := 0
	for _, g := range segs {
		n += g.n
	}
	c := &memChunk{
		segs:     segs,
		minT:     s.headMinT,
		maxT:     s.headMaxT,
		count:    n,
		bytes:    s.headBytes,
		firstSeq: s.headFirstSeq,
		cutSeq:   cutSeq,
	}
	s.chunks = append(s.chunks, c)
	s.headSegs, s.head, s.headBytes, s.headTailBytes, s.full, s.headUnsorted = nil, nil, 0, 0, false, false
	return c
}

func sortEntries(es []iter.Entry) {
	slices.SortStableFunc(es, func(a, b iter.Entry) int {
		switch {
		case a.Timestamp < b.Timestamp:
			return -1
		case a.Timestamp > b.Timestamp:
			return 1
		}
		return 0
	})
}

// unflushedFrom returns the first WAL sequence whose entries of this stream are not yet in the
// store, and false when everything is flushed. Caller holds s.mu.
func (s *stream) unflushedFromLocked() (uint64, bool) {
	for _, c := range s.chunks {
		if c.flushedAt.IsZero() {
			return c.firstSeq, true
		}
	}
	if len(s.head) > 0 {
		return s.headFirstSeq, true
	}
	return 0, false
}
