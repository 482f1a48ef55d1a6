package ingester

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/proto/logproto"
)

// maxListedErrors bounds the per-entry lines of an out-of-order error body.
const maxListedErrors = 10

// accepted is one stream's entries that passed validation, in push order.
type accepted struct {
	t       *tenantState
	s       *stream
	entries []iter.Entry
}

// Push validates the streams of req, appends the accepted entries to the WAL and, once the
// WAL acknowledged them, applies them in memory and returns. Entries too far behind their
// stream's newest are refused with Loki's 400 text (InvalidArgument); the others of the same
// push are stored all the same. An entry identical to its stream's previous one is dropped.
func (i *Ingester) Push(ctx context.Context, req *logproto.PushRequest) (*logproto.PushResponse, error) {
	i.pushMu.RLock()
	defer i.pushMu.RUnlock()
	w := i.wal.Load()
	if w == nil || !i.ready.Load() {
		return nil, status.Error(codes.Unavailable, ErrNotReady.Error())
	}
	userID, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	t := i.tenant(userID, true)
	var (
		accs        []accepted
		invalid     []string
		limited     []string
		lim         *validation.Limits
		streamLimit int
	)
	if i.deps.Limits != nil {
		lim = i.deps.Limits.For(userID)
		streamLimit = maxStreams(lim)
	}
	add := func(s *stream, entries []*logproto.EntryAdapter) {
		acc, msg := i.validate(userID, t, s, entries)
		if msg != "" {
			invalid = append(invalid, msg)
		}
		if len(acc.entries) == 0 {
			return
		}
		n := 0
		for k := range acc.entries {
			n += entryBytes(&acc.entries[k])
		}
		if msg := i.checkStreamRate(lim, s, n); msg != "" {
			limited = append(limited, msg)
			i.metrics.discarded.WithLabelValues(validation.ReasonPerStreamRateLimit).Add(float64(len(acc.entries)))
			return
		}
		ownEntries(acc.entries) // stop aliasing the request body: see arena.go
		accs = append(accs, acc)
	}
	for _, sa := range req.GetStreams() {
		if sa == nil {
			continue
		}
		// Most agents and the distributor send the canonical form: skip parsing then.
		if s := t.lookup(sa.Labels); s != nil {
			add(s, sa.Entries)
			continue
		}
		lbls, err := labels.Parse(sa.Labels)
		if err != nil {
			invalid = append(invalid, fmt.Sprintf(validation.InvalidLabelsErrorMsg, sa.Labels, err))
			i.metrics.discarded.WithLabelValues(validation.ReasonInvalidLabels).Add(float64(len(sa.Entries)))
			continue
		}
		if len(lbls) == 0 {
			invalid = append(invalid, validation.MissingLabelsErrorMsg)
			i.metrics.discarded.WithLabelValues(validation.ReasonMissingLabels).Add(float64(len(sa.Entries)))
			continue
		}
		key := lbls.String()
		s, _, ok := t.streamLimited(key, func() *stream { return newStream(lbls) }, streamLimit)
		if !ok {
			limited = append(limited, streamLimitError(key, userID))
			i.metrics.discarded.WithLabelValues(validation.ReasonStreamLimit).Add(float64(len(sa.Entries)))
			continue
		}
		add(s, sa.Entries)
	}
	if len(accs) > 0 {
		if err := i.awaitEncodeRoom(ctx); err != nil {
			return nil, status.FromContextError(err).Err()
		}
		if err := i.appendAndApply(ctx, w, userID, accs); err != nil {
			i.metrics.walFailures.Inc()
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, status.FromContextError(err).Err()
			}
			return nil, status.Error(codes.Unavailable, err.Error())
		}
	}
	// Limits win over validation errors: Loki answers 429 then, and agents retry.
	if len(limited) > 0 {
		return nil, status.Error(codes.ResourceExhausted, strings.Join(append(limited, invalid...), "\n"))
	}
	if len(invalid) > 0 {
		return nil, status.Error(codes.InvalidArgument, strings.Join(invalid, "\n"))
	}
	return &logproto.PushResponse{}, nil
}

// validate filters one stream's entries: too far behind (refused, reported), and identical to
// the previous entry or to one the stream holds in memory (dropped silently, see held). It
// reads the stream's state without holding it across the WAL append, so two concurrent pushes
// may both pass a check the second would fail in sequence; both are then applied, exactly as
// replay will apply them (the WAL holds only accepted entries).
func (i *Ingester) validate(userID string, t *tenantState, s *stream, in []*logproto.EntryAdapter) (accepted, string) {
	s.mu.RLock()
	maxT, last, hasLast := s.maxT, s.last, s.hasLast
	s.mu.RUnlock()
	window := i.cfg.OutOfOrderWindow().Nanoseconds()
	acc := accepted{t: t, s: s, entries: make([]iter.Entry, 0, len(in))}
	var (
		failed []string
		sms    metadataSets
	)
	nFailed := 0
	held := s.held(in, maxT, hasLast)
	for k, ea := range in {
		if ea == nil {
			continue
		}
		if held != nil && held[k] {
			i.metrics.discarded.WithLabelValues("duplicate").Inc()
			continue
		}
		// iter.EntryFromProto, but entries repeating a recent metadata set share its labels.
		var ts int64
		if t := ea.GetTimestamp(); t != nil {
			ts = t.GetSeconds()*1e9 + int64(t.GetNanos())
		}
		e := iter.Entry{Timestamp: ts, Line: ea.GetLine(), StructuredMetadata: sms.convert(ea.GetStructuredMetadata())}
		if hasLast {
			if cutoff := maxT - window; e.Timestamp < cutoff {
				nFailed++
				i.metrics.discarded.WithLabelValues(validation.ReasonTooFarBehind).Inc()
				if len(failed) < maxListedErrors {
					failed = append(failed, fmt.Sprintf("entry with timestamp %s ignored, reason: 'entry too far behind, entry timestamp is: %s, oldest acceptable timestamp is: %s',",
						time.Unix(0, e.Timestamp).UTC().String(),
						time.Unix(0, e.Timestamp).UTC().Format(time.RFC3339),
						time.Unix(0, cutoff).UTC().Format(time.RFC3339)))
				}
				continue
			}
			if sameEntry(&e, &last) {
				i.metrics.discarded.WithLabelValues("duplicate").Inc()
				continue
			}
		}
		acc.entries = append(acc.entries, e)
		if !hasLast || e.Timestamp > maxT {
			maxT = e.Timestamp
		}
		last, hasLast = e, true
	}
	if nFailed == 0 {
		return acc, ""
	}
	failed = append(failed, fmt.Sprintf("user '%s', total ignored: %d out of %d for stream: %s", userID, nFailed, len(in), s.lstr))
	return acc, strings.Join(failed, "\n")
}

// recordBufs recycles WAL record buffers: a push's record is as large as the push.
var recordBufs sync.Pool

// appendAndApply writes the accepted entries as one WAL record, or as several when they do not
// fit in one, and applies each record once acknowledged (on the WAL's ack goroutine, in
// sequence order).
func (i *Ingester) appendAndApply(ctx context.Context, w *wal.WAL, userID string, accs []accepted) error {
	bp, _ := recordBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	for _, part := range splitRecords(accs, w.MaxRecordBytes()) {
		data := wal.AppendRecordHeader((*bp)[:0], wal.KindEntries, userID)
		for _, a := range part {
			var err error
			if data, err = wal.AppendStream(data, a.s.lstr, a.s.fp, a.entries); err != nil {
				return err
			}
		}
		*bp = data
		part := part
		_, err := w.AppendApply(ctx, data, func(seq uint64) { i.applyAccepted(seq, part) })
		if err != nil {
			// The WAL may still read data after a failed (timed out) append: drop it.
			return err
		}
	}
	recordBufs.Put(bp)
	return nil
}

// applyAccepted applies one acknowledged record. It runs with applyMu held (batch hooks).
func (i *Ingester) applyAccepted(seq uint64, accs []accepted) {
	now := time.Now()
	for _, a := range accs {
		s := a.s
		for !s.apply(seq, a.entries, now, i.cfg.ChunkTargetSize, i.cfg.HeadBlockSize) {
			// The flush loop dropped the idle stream after we validated: use its successor.
			s, _ = a.t.stream(s.lstr, func() *stream { return newStream(s.lbls) })
		}
		s.mu.RLock()
		full := s.full
		s.mu.RUnlock()
		if full {
			i.toCut = append(i.toCut, s)
		}
		n := 0
		for k := range a.entries {
			n += entryBytes(&a.entries[k])
		}
		i.metrics.entriesIngested.Add(float64(len(a.entries)))
		i.metrics.bytesIngested.Add(float64(n))
	}
	i.metrics.walAppends.Inc()
}

// splitRecords splits accepted streams into parts whose encoding stays under limit bytes (an
// estimate with headroom); a stream too large on its own is split by entries.
func splitRecords(accs []accepted, limit int) [][]accepted {
	budget := limit * 3 / 4
	esize := func(e *iter.Entry) int {
		n := len(e.Line) + 32
		for _, l := range e.StructuredMetadata {
			n += len(l.Name) + len(l.Value) + 8
		}
		return n
	}
	size := func(a accepted) int {
		n := len(a.s.lstr) + 16
		for k := range a.entries {
			n += esize(&a.entries[k])
		}
		return n
	}
	if len(accs) == 1 && size(accs[0]) <= budget {
		return [][]accepted{accs} // the common case: no slices to allocate
	}
	var (
		out [][]accepted
		cur []accepted
		n   int
	)
	for _, a := range accs {
		sz := size(a)
		if n+sz <= budget {
			cur = append(cur, a)
			n += sz
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur, n = nil, 0
		}
		if sz <= budget {
			cur, n = append(cur, a), sz
			continue
		}
		// One stream over budget: cut its entries into pieces.
		start, pn := 0, 0
		for k := range a.entries {
			esz := esize(&a.entries[k])
			if pn+esz > budget && k > start {
				out = append(out, []accepted{slice(a, start, k)})
				start, pn = k, 0
			}
			pn += esz
		}
		cur, n = []accepted{slice(a, start, len(a.entries))}, pn
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func slice(a accepted, from, to int) accepted {
	return accepted{t: a.t, s: a.s, entries: a.entries[from:to]}
}
