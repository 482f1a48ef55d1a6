package ingester

import (
	"context"
	"fmt"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/wal"
)

// replay rebuilds memory from the WAL: every record from the checkpoint on, applied exactly as
// when it was acknowledged (same order, same batch boundaries for cuts), skipping a stream's
// entries in batches its flush mark says are already in the store.
func (i *Ingester) replay(ctx context.Context, w *wal.WAL) error {
	start := time.Now()
	ckpt, meta, err := w.LoadCheckpoint(ctx)
	if err != nil {
		return err
	}
	marks, err := decodeMarks(meta)
	if err != nil {
		return fmt.Errorf("load checkpoint %d: %w", ckpt, err)
	}
	i.flushMu.Lock()
	i.marks, i.lastCkpt = marks, ckpt
	i.flushMu.Unlock()

	i.applyMu.Lock()
	defer i.applyMu.Unlock()
	if ckpt > 0 {
		i.applied = ckpt - 1
	}
	var (
		cur     uint64
		records int
		entries int
	)
	now := time.Now()
	err = w.Replay(ctx, ckpt, func(seq uint64, r wal.Record) error {
		if seq != cur && cur != 0 {
			i.applied = cur
			i.cutFullLocked()
		}
		cur = seq
		records++
		if r.Kind == wal.KindMarker {
			i.applyMarker(r)
			return nil
		}
		t := i.tenant(r.Tenant, true)
		for _, sa := range r.Streams {
			// Records carry canonical label strings: parse only a stream's first one.
			s := t.lookup(sa.Labels)
			if s == nil {
				lbls, err := labels.Parse(sa.Labels)
				if err != nil {
					// Only accepted, canonical label sets are written: this is corruption.
					return fmt.Errorf("record at %d: parse labels %q: %w", seq, sa.Labels, err)
				}
				s, _ = t.stream(lbls.String(), func() *stream { return newStream(lbls) })
			}
			if mark, ok := marks[markKey{r.Tenant, s.fp}]; ok && seq <= mark {
				continue
			}
			in := s.withoutHeld(sa.Entries)
			if len(in) == 0 {
				continue
			}
			es := make([]iter.Entry, len(in))
			for k, ea := range in {
				es[k] = iter.EntryFromProto(ea)
			}
			ownEntries(es)                                                    // stop aliasing the WAL message: see arena.go
			s.apply(seq, es, now, i.cfg.ChunkTargetSize, i.cfg.HeadBlockSize) // nothing removes streams during replay
			if s.full {
				i.toCut = append(i.toCut, s)
			}
			entries += len(es)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cur != 0 {
		i.applied = cur
		i.cutFullLocked()
	}
	d := time.Since(start)
	i.metrics.replayDuration.Set(d.Seconds())
	i.metrics.replayRecords.Add(float64(records))
	i.logger.Info("wal replayed", "from_seq", ckpt, "records", records, "entries", entries, "duration", d)
	return nil
}
