package ingester

import (
	"context"
	"time"

	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/proto/logproto"
)

// Chunk cuts decided by the clock (idle, max age, /flush, shutdown) are logged in the WAL as
// marker records and performed when the marker is applied, at the end of its batch. Replay
// applies the same markers at the same positions, so it rebuilds byte-identical chunks: a chunk
// stored just before a crash, but not yet covered by a checkpoint, is rebuilt and rewritten
// under the same content-addressed key instead of being stored a second time with different
// boundaries. A marker with no tenant cuts every stream.

// applyMarker flags the streams a cut marker names for a cut at the end of the batch. Caller
// holds applyMu.
func (i *Ingester) applyMarker(r wal.Record) {
	flag := func(s *stream) {
		s.mu.Lock()
		if len(s.head) > 0 {
			s.full = true
			i.toCut = append(i.toCut, s)
		}
		s.mu.Unlock()
	}
	if r.Tenant == "" {
		for _, id := range i.tenantIDs() {
			for _, s := range i.tenant(id, false).snapshot() {
				flag(s)
			}
		}
		return
	}
	t := i.tenant(r.Tenant, false)
	if t == nil {
		return
	}
	for _, sa := range r.Streams {
		t.mu.RLock()
		s := t.streams[sa.Labels]
		t.mu.RUnlock()
		if s != nil {
			flag(s)
		}
	}
}

// cutMarkers returns the marker records for the heads that must be cut now: all of them when
// force, else those idle or too old. limit bounds a record's size.
func (i *Ingester) cutMarkers(now time.Time, force bool, limit int) []wal.Record {
	var out []wal.Record
	any := false
	for _, id := range i.tenantIDs() {
		rec := wal.Record{Kind: wal.KindMarker, Tenant: id}
		size := 0
		for _, s := range i.tenant(id, false).snapshot() {
			s.mu.RLock()
			due := i.dueLocked(s, now, force)
			s.mu.RUnlock()
			if !due {
				continue
			}
			any = true
			if force {
				continue
			}
			if size+len(s.lstr)+8 > limit/2 && len(rec.Streams) > 0 {
				out = append(out, rec)
				rec, size = wal.Record{Kind: wal.KindMarker, Tenant: id}, 0
			}
			rec.Streams = append(rec.Streams, &logproto.StreamAdapter{Labels: s.lstr})
			size += len(s.lstr) + 8
		}
		if len(rec.Streams) > 0 {
			out = append(out, rec)
		}
	}
	if force && any {
		return []wal.Record{{Kind: wal.KindMarker}}
	}
	return out
}

// dueLocked reports whether s's head must be cut now: forced, idle, spanning or open for
// max_chunk_age, or started below the relief sequence (see checkpoint). Caller holds s.mu and
// flushMu.
func (i *Ingester) dueLocked(s *stream, now time.Time, force bool) bool {
	return len(s.head) > 0 && (force || now.Sub(s.lastPush) >= i.cfg.ChunkIdlePeriod ||
		now.Sub(s.headCreated) >= i.cfg.MaxChunkAge || time.Duration(s.headMaxT-s.headMinT) >= i.cfg.MaxChunkAge ||
		s.headFirstSeq < i.relief)
}

// cutByMarkers logs the due cuts in the WAL and performs them as the markers are applied. It
// reports false when the WAL is unavailable, and the caller cuts directly.
func (i *Ingester) cutByMarkers(ctx context.Context, now time.Time, force bool) bool {
	w := i.wal.Load()
	if w == nil || i.walClosed.Load() {
		return false
	}
	for _, rec := range i.cutMarkers(now, force, w.MaxRecordBytes()) {
		data, err := wal.EncodeRecord(nil, rec)
		if err == nil {
			_, err = w.AppendApply(ctx, data, func(uint64) { i.applyMarker(rec) })
		}
		if err != nil {
			i.logger.Warn("log chunk cut in wal; cutting directly", "err", err)
			return false
		}
	}
	return true
}

// cutDirect cuts the due heads without logging the cut (the WAL is closed or failing). Replay
// then rebuilds these chunks with other boundaries, which only matters if the process dies
// between their store write and the next checkpoint (see doc.go).
func (i *Ingester) cutDirect(now time.Time, force bool) {
	i.applyMu.Lock()
	defer i.applyMu.Unlock()
	for _, id := range i.tenantIDs() {
		for _, s := range i.tenant(id, false).snapshot() {
			s.mu.Lock()
			var c *memChunk
			if s.full || i.dueLocked(s, now, force) {
				c = s.cutLocked(i.applied)
			}
			s.mu.Unlock()
			i.encodeLater(s, c)
		}
	}
}
