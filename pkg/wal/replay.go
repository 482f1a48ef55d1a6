package wal

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// replayFetch is how many messages one replay fetch asks for.
const replayFetch = 256

// Replay calls f, in sequence order, for every record with a sequence at or above fromSeq that
// was appended before Replay started. Records of one batch share their sequence. An error from
// f stops the replay and is returned. The Record's slices are f's to keep.
func (w *WAL) Replay(ctx context.Context, fromSeq uint64, f func(seq uint64, r Record) error) error {
	last, err := w.lastMsg(ctx, w.recSubj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find wal end: %w", err)
	}
	end := last.Sequence
	if end < fromSeq {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, w.cfg.RequestTimeout)
	cons, err := w.stream.OrderedConsumer(cctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{w.recSubj},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    max(fromSeq, 1),
	})
	cancel()
	if err != nil {
		return fmt.Errorf("create wal replay consumer: %w", err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, err := cons.Fetch(replayFetch, jetstream.FetchMaxWait(w.cfg.RequestTimeout))
		if errors.Is(err, nats.ErrNoResponders) {
			// On a cluster the replay consumer may not be reachable yet: ask again.
			if err := pause(ctx); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("fetch wal records: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("read wal message metadata: %w", err)
			}
			seq := md.Sequence.Stream
			if seq > end {
				return nil
			}
			err = decodeBatch(m.Data(), func(b []byte) error {
				r, err := DecodeRecord(b)
				if err != nil {
					return err
				}
				return f(seq, r)
			})
			if err != nil {
				return fmt.Errorf("replay wal message %d: %w", seq, err)
			}
			if seq == end {
				return nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			if got == 0 && errors.Is(err, nats.ErrNoResponders) {
				if err := pause(ctx); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("fetch wal records: %w", err)
		}
		if got == 0 {
			// The tail was purged or deleted under us: nothing more to deliver.
			return nil
		}
	}
}
