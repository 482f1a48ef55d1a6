package wal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Checkpoint records that every record with a sequence below seq is durable elsewhere, together
// with the caller's meta bytes, then purges those records. The checkpoint is written before the
// purge, so a crash in between only leaves records that replay skips. A seq below the current
// checkpoint is refused: it would resurrect purged records' absence as loss.
func (w *WAL) Checkpoint(ctx context.Context, seq uint64, meta []byte) error {
	if last := w.lastCkpt.Load(); seq < last {
		return fmt.Errorf("checkpoint wal at %d: below the current checkpoint %d", seq, last)
	}
	payload := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(meta)), seq)
	payload = append(payload, meta...)
	cctx, cancel := context.WithTimeout(ctx, w.cfg.RequestTimeout)
	defer cancel()
	if _, err := w.js.Publish(cctx, w.ckptSubj, payload, jetstream.WithExpectStream(w.cfg.Stream)); err != nil {
		return fmt.Errorf("write wal checkpoint: %w", err)
	}
	w.lastCkpt.Store(seq)
	if err := w.stream.Purge(cctx, jetstream.WithPurgeSubject(w.ckptSubj), jetstream.WithPurgeKeep(1)); err != nil {
		return fmt.Errorf("purge old wal checkpoints: %w", err)
	}
	if seq > 1 {
		if err := w.stream.Purge(cctx, jetstream.WithPurgeSubject(w.recSubj), jetstream.WithPurgeSequence(seq)); err != nil {
			return fmt.Errorf("purge wal below %d: %w", seq, err)
		}
	}
	if len(meta) == 0 {
		return w.rewriteAlone(cctx, payload)
	}
	return nil
}

// rewriteAlone writes the checkpoint (payload) again when it is the only message left in the
// stream: everything before it is purged (as after a full flush of a lone ingester). JetStream
// keeps a block file, deleted messages' bytes and all, while any message in it lives, so the
// checkpoint alone kept up to a block (8 MiB) of purged records on disk; once the stream is
// empty its blocks go, and the checkpoint written again takes a few bytes. In between there is
// no checkpoint: replay then starts at the beginning, where only records above seq can be, and
// with no flush marks (meta) that is the same as starting at seq.
func (w *WAL) rewriteAlone(ctx context.Context, payload []byte) error {
	info, err := w.stream.Info(ctx)
	if err != nil || info.State.Msgs != 1 {
		return nil // another WAL's records (or an append) keep the blocks anyway
	}
	if err := w.stream.Purge(ctx, jetstream.WithPurgeSubject(w.ckptSubj)); err != nil {
		return fmt.Errorf("purge wal checkpoint: %w", err)
	}
	if _, err := w.js.Publish(ctx, w.ckptSubj, payload, jetstream.WithExpectStream(w.cfg.Stream)); err != nil {
		return fmt.Errorf("write wal checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint returns the newest checkpoint: the sequence replay starts from and its meta
// bytes. Without any checkpoint it returns 0 and nil.
func (w *WAL) LoadCheckpoint(ctx context.Context) (uint64, []byte, error) {
	m, err := w.lastMsg(ctx, w.ckptSubj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read wal checkpoint: %w", err)
	}
	if len(m.Data) < 8 {
		return 0, nil, fmt.Errorf("read wal checkpoint: %w: %d bytes", ErrCorrupt, len(m.Data))
	}
	seq := binary.BigEndian.Uint64(m.Data)
	if seq > w.lastCkpt.Load() {
		w.lastCkpt.Store(seq)
	}
	return seq, m.Data[8:], nil
}

// lastMsg reads the newest message on subj. Right after an R3 stream is created on a cluster,
// its replicas may not serve direct gets yet ("no responders"): retry until they do.
func (w *WAL) lastMsg(ctx context.Context, subj string) (*jetstream.RawStreamMsg, error) {
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, w.cfg.RequestTimeout)
		m, err := w.stream.GetLastMsgForSubject(cctx, subj)
		cancel()
		if !errors.Is(err, nats.ErrNoResponders) || ctx.Err() != nil {
			return m, err
		}
		if attempt%20 == 0 {
			w.logger.Info("waiting for the wal stream to serve reads", "err", err)
		}
		if err := pause(ctx); err != nil {
			return nil, err
		}
	}
}

// pause waits a moment before retrying a JetStream read that found no responders.
func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(100 * time.Millisecond):
		return nil
	}
}
