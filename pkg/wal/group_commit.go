package wal

import (
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// run is the group-commit writer. It gathers appends into a batch for as long as it waits for
// an in-flight slot (so batches grow exactly when JetStream is the bottleneck), then publishes
// the batch asynchronously and hands its acknowledgement to a waiter goroutine.
func (w *WAL) run() {
	defer func() {
		close(w.acks)
		<-w.acked
		close(w.done)
	}()

	var (
		batch []*appendReq
		size  int
		carry *appendReq
		recs  [][]byte
		raw   []byte // the batch before compression
	)
	fits := func(r *appendReq) bool { return size+len(r.data)+batchOverhead <= w.maxBatch }
	add := func(r *appendReq) {
		batch = append(batch, r)
		size += len(r.data) + batchOverhead
	}
	fail := func(err error) {
		for _, r := range batch {
			r.res <- appendRes{err: err}
		}
		if carry != nil {
			carry.res <- appendRes{err: err}
		}
	}
	for {
		batch, size = nil, batchOverhead
		if carry != nil {
			add(carry)
			carry = nil
		} else {
			select {
			case r := <-w.reqs:
				add(r)
			case <-w.quit:
				return
			}
		}
		// Wait for a slot, gathering more appends meanwhile.
	wait:
		for {
			if carry != nil {
				select {
				case w.inflight <- struct{}{}:
					break wait
				case <-w.quit:
					fail(ErrClosed)
					return
				}
			}
			select {
			case w.inflight <- struct{}{}:
				break wait
			case r := <-w.reqs:
				if fits(r) {
					add(r)
				} else {
					carry = r
				}
			case <-w.quit:
				fail(ErrClosed)
				return
			}
		}
		// Take whatever else is already waiting.
	drain:
		for carry == nil {
			select {
			case r := <-w.reqs:
				if fits(r) {
					add(r)
				} else {
					carry = r
				}
			default:
				break drain
			}
		}
		recs = recs[:0]
		for _, r := range batch {
			recs = append(recs, r.data)
		}
		// The message owns its payload until acknowledged (JetStream may publish it again):
		// await returns the buffer to the pool after that.
		buf := getBatchBuf()
		if w.cfg.Compress {
			// Frame into the writer's scratch, then compress into the payload.
			raw = encodeBatch(raw[:0], recs)
			var ok bool
			if *buf, ok = compressBatch((*buf)[:0], raw); !ok {
				*buf = append((*buf)[:0], raw...)
			}
		} else {
			*buf = encodeBatch((*buf)[:0], recs)
		}
		clear(recs)
		msg := &nats.Msg{Subject: w.recSubj, Data: *buf}
		paf, err := w.js.PublishMsgAsync(msg, jetstream.WithExpectStream(w.cfg.Stream))
		if err != nil {
			<-w.inflight
			w.stats.Errors.Add(uint64(len(batch)))
			err = fmt.Errorf("publish wal batch: %w", err)
			for _, r := range batch {
				r.res <- appendRes{err: err}
			}
			continue
		}
		w.acks <- inflightBatch{paf: paf, batch: batch, n: len(msg.Data), buf: buf}
	}
}

// ackLoop awaits the batches' acknowledgements in publish order, which is sequence order, so
// that apply callbacks and results are delivered in that order too.
func (w *WAL) ackLoop() {
	defer close(w.acked)
	for b := range w.acks {
		if w.await(b.paf, b.batch, b.n) {
			batchBufs.Put(b.buf)
		}
	}
}

// batchBufs recycles message payloads: a batch is up to MaxBatchBytes.
var batchBufs sync.Pool

func getBatchBuf() *[]byte {
	if b, ok := batchBufs.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

// await delivers one batch's acknowledgement to its appenders and frees its slot. It reports
// whether JetStream is done with the message (acknowledged or failed, not timed out).
func (w *WAL) await(paf jetstream.PubAckFuture, batch []*appendReq, n int) (done bool) {
	defer func() { <-w.inflight }()
	var res appendRes
	timer := time.NewTimer(w.cfg.RequestTimeout + time.Second)
	defer timer.Stop()
	select {
	case ack := <-paf.Ok():
		res.seq, done = ack.Sequence, true
	case err := <-paf.Err():
		res.err, done = fmt.Errorf("append to wal: %w", err), true
	case <-timer.C:
		res.err = fmt.Errorf("append to wal: no acknowledgement after %s", w.cfg.RequestTimeout)
	}
	if res.err != nil {
		w.stats.Errors.Add(uint64(len(batch)))
		w.logger.Warn("wal batch failed", "records", len(batch), "err", res.err)
	} else {
		w.stats.Appends.Add(uint64(len(batch)))
		w.stats.Batches.Add(1)
		w.stats.Bytes.Add(uint64(n))
		w.hookMu.Lock()
		begin, end := w.begin, w.end
		w.hookMu.Unlock()
		if begin != nil {
			begin(res.seq)
		}
		for _, r := range batch {
			if r.apply != nil {
				r.apply(res.seq)
			}
		}
		if end != nil {
			end(res.seq)
		}
	}
	for _, r := range batch {
		r.res <- res
	}
	return done
}
