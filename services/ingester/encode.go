package ingester

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// Cut chunks are encoded with pkg/chunk soon after the cut, by a background goroutine, and
// then kept only encoded: compressed blocks take a fraction of the entries' memory, and their
// per-block token filters let needle queries over memory skip blocks as store queries do. A
// flush waits for the encoder to reach the chunks it writes. Encoding is deterministic, so the
// bytes kept are the bytes flushed, and a replay that rebuilds a chunk rebuilds its bytes.

// EncodedChunkStore is a ChunkStore that also stores chunks the ingester already encoded with
// pkg/chunk. With it, the ingester encodes with the store's options and uploads the very bytes
// it kept in memory; with a plain ChunkStore it encodes with chunk.DefaultOptions for memory
// and hands the store decoded entries.
type EncodedChunkStore interface {
	ChunkStore
	// ChunkOptions are the options chunks must be encoded with for WriteEncoded.
	ChunkOptions() chunk.Options
	// WriteEncoded stores encoded chunks of one tenant, with WriteChunks' guarantees.
	WriteEncoded(ctx context.Context, tenant string, chunks []EncodedChunk) error
}

// EncodedChunk is one stream's chunk encoded by chunk.Builder: Data and the Meta its Finish
// returned. Data must not be modified or retained after WriteEncoded returns.
type EncodedChunk struct {
	Labels      labels.Labels
	Fingerprint uint64
	Data        []byte
	Meta        chunk.Meta
}

type encodeJob struct {
	s *stream
	c *memChunk
}

// encodeLater queues c (a chunk just cut from s; nil is ignored) for the background encoder,
// starting it when idle. It never blocks on encoding: it runs under applyMu.
func (i *Ingester) encodeLater(s *stream, c *memChunk) {
	if c == nil {
		return
	}
	i.encQMu.Lock()
	defer i.encQMu.Unlock()
	c.queued = make(chan struct{})
	i.encQ = append(i.encQ, encodeJob{s, c})
	i.encBacklog += c.bytes
	// Streams of similar rates reach the target size together, so cuts come in bursts whose
	// entries stay in memory until encoded: use every core to drain a burst.
	if i.encWorkers < runtime.GOMAXPROCS(0) && i.encWorkers < len(i.encQ) {
		i.encWorkers++
		i.encWG.Add(1)
		go i.encodeQueued()
	}
}

// encodeQueued encodes queued chunks, one at a time, until the queue is empty.
func (i *Ingester) encodeQueued() {
	defer i.encWG.Done()
	for {
		i.encQMu.Lock()
		if len(i.encQ) == 0 {
			i.encQ = nil
			i.encWorkers--
			i.encQMu.Unlock()
			return
		}
		j := i.encQ[0]
		i.encQ[0] = encodeJob{}
		i.encQ = i.encQ[1:]
		i.encQMu.Unlock()
		if err := i.encode(j.s, j.c); err != nil {
			// The chunk keeps its segments: queries and the flush still work from them.
			i.logger.Warn("encode chunk in memory", "err", err)
		}
		close(j.c.queued)
		i.encoded(j.c.bytes)
	}
}

// encoded takes n raw bytes off the encoder's backlog and wakes the pushes waiting for room.
func (i *Ingester) encoded(n int) {
	i.encQMu.Lock()
	defer i.encQMu.Unlock()
	i.encBacklog -= n
	if i.encRoom != nil && i.encBacklog < i.cfg.EncodeBacklogBytes {
		close(i.encRoom)
		i.encRoom = nil
	}
}

// maxEncodeWait bounds how long a push waits for the encoder: well within a distributor's
// remote timeout (5 s by default), so that a push is slowed down, not failed, and a client's
// deadline does not expire during its WAL append (such a push may be stored and yet refused).
const maxEncodeWait = time.Second

// awaitEncodeRoom returns once the encoder's backlog is below cfg.EncodeBacklogBytes, after
// maxEncodeWait (or half of what is left of ctx's deadline) at most, or with ctx's error.
// Pushes call it before their WAL append, so that the memory cut chunks hold while they wait
// for the encoder stays bounded under bursts of cuts, and ingest slows to the encoder's pace
// when it cannot keep up.
func (i *Ingester) awaitEncodeRoom(ctx context.Context) error {
	if i.cfg.EncodeBacklogBytes <= 0 {
		return nil
	}
	wait := maxEncodeWait
	if d, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(d)/2)
	}
	var timeout <-chan time.Time
	for {
		i.encQMu.Lock()
		if i.encBacklog < i.cfg.EncodeBacklogBytes {
			i.encQMu.Unlock()
			return nil
		}
		if i.encRoom == nil {
			i.encRoom = make(chan struct{})
		}
		room := i.encRoom
		i.encQMu.Unlock()
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-room:
		case <-timeout:
			i.metrics.encodeWaitTimeouts.Inc()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// awaitEncoder waits until the background encoder is done with c when c is queued for it. A
// flush waits rather than encode c itself: the encoder already runs on every core, so a third
// encoder would not finish a burst of cuts sooner, and its scratch (a decoded chunk and a
// chunk builder) would add to the memory peak such a burst makes.
func (i *Ingester) awaitEncoder(ctx context.Context, c *memChunk) error {
	i.encQMu.Lock()
	queued := c.queued
	i.encQMu.Unlock()
	if queued == nil {
		return nil
	}
	select {
	case <-queued:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// encode replaces c's entries by their encoding, unless done already.
func (i *Ingester) encode(s *stream, c *memChunk) error {
	c.encMu.Lock()
	defer c.encMu.Unlock()
	s.mu.RLock()
	segs, done := c.segs, c.enc != nil
	s.mu.RUnlock()
	if done || len(segs) == 0 {
		return nil
	}
	data, meta, err := i.encodeSegs(segs)
	if err != nil {
		return fmt.Errorf("encode chunk of %s: %w", s.lstr, err)
	}
	enc, err := chunk.Decode(data)
	if err != nil {
		return fmt.Errorf("decode chunk of %s just encoded: %w", s.lstr, err)
	}
	s.mu.Lock()
	c.enc, c.data, c.meta, c.segs = enc, data, meta, nil
	c.pending = c.flushedAt.IsZero()
	s.mu.Unlock()
	if c.pending {
		i.addPending(len(data))
	}
	return nil
}

// addPending counts n more (or, negative, fewer) encoded bytes awaiting the flush and asks
// for an early flush when they reach the configured bound.
func (i *Ingester) addPending(n int) {
	if p := i.pendingBytes.Add(int64(n)); n > 0 && i.cfg.FlushPendingBytes > 0 && p >= int64(i.cfg.FlushPendingBytes) {
		select {
		case i.flushSoon <- struct{}{}:
		default: // one is already asked for
		}
	}
}

// encodeSegs encodes the entries of segs, decoded into reused memory: chunk.Builder copies
// what it appends. The segments are decoded a run at a time, a run ending where every later
// segment starts no earlier than all of the run ends (so the runs' merges, concatenated, are
// the merge of all): the scratch then holds about one segment (head_block_size) for in-order
// streams, not the whole chunk, with the encoder running on every core.
func (i *Ingester) encodeSegs(segs []*headSeg) ([]byte, chunk.Meta, error) {
	sc := getSegScratch()
	defer sc.release()
	b := chunk.NewBuilder(i.chunkOpts)
	for len(segs) > 0 {
		n, maxT := 1, segs[0].maxT
		for n < len(segs) && segs[n].minT < maxT {
			maxT = max(maxT, segs[n].maxT)
			n++
		}
		es, err := sc.decodeSegs(segs[:n])
		if err != nil {
			return nil, chunk.Meta{}, err
		}
		for k := range es {
			if err := b.Append(es[k].Timestamp, es[k].Line, es[k].StructuredMetadata); err != nil {
				return nil, chunk.Meta{}, err
			}
		}
		segs = segs[n:]
	}
	return b.Finish()
}

// decodeAll returns every entry of an encoded chunk, in order.
func decodeAll(c *chunk.Chunk, n int) ([]iter.Entry, error) {
	out := make([]iter.Entry, 0, n)
	it := c.Iterator(-1<<63, 1<<63-1, iter.Forward, nil)
	for it.Next() {
		out = append(out, it.At())
	}
	return out, it.Err()
}
