package ingester

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
)

type pendingFlush struct {
	s      *stream
	chunks []*memChunk
}

// flush runs one flush cycle: cut heads that are idle, too old (or all of them when force),
// write every unflushed chunk to the store, drop retained chunks past their retain period and
// streams left empty, and checkpoint the WAL. Cycles are serialised.
func (i *Ingester) flush(ctx context.Context, force bool) error {
	i.flushMu.Lock()
	defer i.flushMu.Unlock()
	now := time.Now()

	if !i.cutByMarkers(ctx, now, force) {
		i.cutDirect(now, force)
	}
	i.relief = 0

	var errs []error
	for _, id := range i.tenantIDs() {
		if err := i.flushTenant(ctx, id, now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := i.checkpoint(ctx, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (i *Ingester) flushTenant(ctx context.Context, id string, now time.Time) error {
	t := i.tenant(id, false)
	var pending []pendingFlush
	for _, s := range t.snapshot() {
		s.mu.RLock()
		var p pendingFlush
		for _, c := range s.chunks {
			if c.flushedAt.IsZero() {
				p.chunks = append(p.chunks, c)
			}
		}
		s.mu.RUnlock()
		if len(p.chunks) > 0 {
			p.s = s
			pending = append(pending, p)
		}
	}
	if len(pending) > 0 {
		n, err := i.writePending(ctx, id, pending)
		if err != nil {
			i.metrics.flushFailures.Inc()
			return fmt.Errorf("flush %d chunks of tenant %s: %w", n, id, err)
		}
		i.metrics.chunksFlushed.Add(float64(n))
		for _, p := range pending {
			p.s.mu.Lock()
			for _, c := range p.chunks {
				c.flushedAt = now
				if c.pending {
					c.pending = false
					i.addPending(-len(c.data))
				}
			}
			last := p.chunks[len(p.chunks)-1].cutSeq
			p.s.mu.Unlock()
			k := markKey{id, p.s.fp}
			if last > i.marks[k] {
				i.marks[k] = last
				i.marksDirty = true
			}
		}
	}
	// Drop chunks past their retain period, then streams with nothing left in memory. A
	// stream is removed under the tenant lock after re-checking, so a concurrent push either
	// finds it still present or creates a fresh one.
	t.mu.Lock()
	for key, s := range t.streams {
		s.mu.Lock()
		kept := s.chunks[:0]
		for _, c := range s.chunks {
			if c.flushedAt.IsZero() || now.Sub(c.flushedAt) < i.cfg.ChunkRetainPeriod {
				kept = append(kept, c)
			}
		}
		clear(s.chunks[len(kept):])
		s.chunks = kept
		idle := len(s.head) == 0 && len(s.chunks) == 0 && now.Sub(s.lastPush) >= i.cfg.ChunkIdlePeriod
		if idle {
			s.removed = true
		}
		s.mu.Unlock()
		if idle {
			delete(t.streams, key)
		}
	}
	t.mu.Unlock()
	return nil
}

// writePending waits for the background encoder to encode the pending chunks queued for it,
// encodes any other (one the encoder failed on, or one cut without it in tests) and writes
// them all to the store: encoded when the store takes encoded chunks, else as entries. It
// returns the number of chunks.
func (i *Ingester) writePending(ctx context.Context, id string, pending []pendingFlush) (int, error) {
	var (
		encoded []EncodedChunk
		raw     []FlushChunk
	)
	for _, p := range pending {
		for _, c := range p.chunks {
			if err := i.awaitEncoder(ctx, c); err != nil {
				return len(encoded) + len(raw), fmt.Errorf("wait for the encoder: %w", err)
			}
			if err := i.encode(p.s, c); err != nil {
				i.logger.Warn("encode chunk for flush; flushing its entries", "err", err)
			}
			p.s.mu.RLock()
			enc, data, meta, segs := c.enc, c.data, c.meta, c.segs
			p.s.mu.RUnlock()
			if enc != nil && i.encStore != nil {
				encoded = append(encoded, EncodedChunk{Labels: p.s.lbls, Fingerprint: p.s.fp, Data: data, Meta: meta})
				continue
			}
			var (
				es  []iter.Entry
				err error
			)
			if enc != nil {
				es, err = decodeAll(enc, c.count)
			} else {
				es, err = mergeSegs(segs)
			}
			if err != nil {
				return len(encoded) + len(raw), fmt.Errorf("decode chunk of %s: %w", p.s.lstr, err)
			}
			raw = append(raw, FlushChunk{Labels: p.s.lbls, Fingerprint: p.s.fp, Entries: es, MinT: c.minT, MaxT: c.maxT, Bytes: c.bytes})
		}
	}
	n := len(encoded) + len(raw)
	fctx, cancel := context.WithTimeout(ctx, i.cfg.FlushOpTimeout)
	defer cancel()
	if len(raw) > 0 {
		if err := i.deps.Store.WriteChunks(fctx, id, raw); err != nil {
			return n, err
		}
	}
	if len(encoded) > 0 {
		if err := i.encStore.WriteEncoded(fctx, id, encoded); err != nil {
			return n, err
		}
	}
	return n, nil
}

// checkpoint computes the WAL sequence below which every entry is in the store and records it
// with the flush marks still needed above it (see doc.go). Caller holds flushMu.
func (i *Ingester) checkpoint(ctx context.Context, now time.Time) error {
	w := i.wal.Load()
	if w == nil {
		return nil
	}
	i.applyMu.Lock()
	ckpt := i.applied + 1
	for _, id := range i.tenantIDs() {
		for _, s := range i.tenant(id, false).snapshot() {
			s.mu.RLock()
			if seq, ok := s.unflushedFromLocked(); ok && seq < ckpt {
				ckpt = seq
			}
			s.mu.RUnlock()
		}
	}
	i.applyMu.Unlock()
	for k, seq := range i.marks {
		if seq < ckpt {
			delete(i.marks, k)
		}
	}
	// A new flush mark must be recorded even when the checkpoint itself does not move (a quiet
	// stream holds it back): replay would otherwise apply the newly flushed entries again.
	if ckpt <= i.lastCkpt && !i.marksDirty {
		return nil
	}
	ckpt = max(ckpt, i.lastCkpt)
	meta := encodeMarks(i.marks)
	if len(meta) > w.MaxRecordBytes()/2 {
		// Marks pile up when a few old heads hold the checkpoint far back while other streams
		// flush. Cut the heads from the older half of that range at the next flush, so the
		// checkpoint moves and the marks below it go.
		i.relief = ckpt + (i.applied+1-ckpt)/2 + 1
		i.logger.Info("wal checkpoint meta large: cutting old heads next flush", "bytes", len(meta), "checkpoint", ckpt, "relief_below", i.relief)
	}
	if err := w.Checkpoint(ctx, ckpt, meta); err != nil {
		return fmt.Errorf("checkpoint wal: %w", err)
	}
	i.lastCkpt, i.marksDirty = ckpt, false
	i.metrics.checkpoints.Inc()
	return nil
}

// FlushHandler serves POST /flush: flush every stream now (Loki's /flush). 204 when done.
func (i *Ingester) FlushHandler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if err := i.Flush(r.Context()); err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, ErrNotReady) {
				code = http.StatusServiceUnavailable
			}
			http.Error(rw, err.Error(), code)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
}
