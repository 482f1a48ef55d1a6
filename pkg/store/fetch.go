package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/objstore"
)

// fetchJob is one chunk of a query. state moves 0 (pending) → 1 (claimed by a worker or by the
// consumer) once; done closes when c/err are set.
type fetchJob struct {
	ref    index.ChunkRef
	state  atomic.Int32
	done   chan struct{}
	c      *chunk.Chunk    // nil with a nil err: the token filter ruled the chunk out
	pre    *chunk.Prepared // decompressed in advance, when the query decodes ahead
	err    error
	budget int64 // bytes counted against the prefetch budget until taken
}

// prefetcher fetches a query's chunks ahead of the iterators that read them, in the order they
// will be needed (by time in the query's direction), with FetchConcurrency workers and at most
// PrefetchBytes fetched but not yet taken. A consumer that needs a chunk no worker has claimed
// fetches it itself, so a full budget can never stall the query, and a query that stops early
// (a limit) fetches little more than it read.
type prefetcher struct {
	r       *Reader
	ctx     context.Context
	cancel  context.CancelFunc
	start   int64
	end     int64
	needles []string
	jobs    []*fetchJob // in need order
	// decodeAhead makes workers decompress the blocks too, so decompression runs beside the
	// consumer; worth it when the query reads everything (no limit).
	decodeAhead bool

	mu       sync.Mutex
	cond     *sync.Cond
	next     int
	inflight int64
	closed   bool
	// urgent jobs are needed before the query can return anything (the first chunk of every
	// stream, which a merge reads up front): workers fetch them first, whatever the budget, so
	// a query over many streams does not fetch them one by one in the consumer.
	urgent     []*fetchJob
	urgentNext int

	downloaded   atomic.Int64
	downloadNs   atomic.Int64
	chunkSkipped atomic.Int64 // blocks of chunks ruled out whole by their token filters
}

func (r *Reader) newPrefetcher(ctx context.Context, plan []*seriesPlan, start, end int64, dir iter.Direction, needles []string, decodeAhead bool) (*prefetcher, map[string]*fetchJob) {
	ctx, cancel := context.WithCancel(ctx)
	pf := &prefetcher{r: r, ctx: ctx, cancel: cancel, start: start, end: end, needles: needles, decodeAhead: decodeAhead}
	pf.cond = sync.NewCond(&pf.mu)
	byKey := map[string]*fetchJob{}
	for _, sp := range plan {
		for _, ref := range sp.refs {
			if _, ok := byKey[ref.Key]; ok {
				continue
			}
			j := &fetchJob{ref: ref, done: make(chan struct{})}
			byKey[ref.Key] = j
			pf.jobs = append(pf.jobs, j)
		}
	}
	slices.SortFunc(pf.jobs, func(a, b *fetchJob) int {
		if dir == iter.Backward {
			return cmpInt(b.ref.Through, a.ref.Through)
		}
		return cmpInt(a.ref.From, b.ref.From)
	})
	// A cancelled query releases its workers even if nobody closes its iterator.
	context.AfterFunc(ctx, pf.close)
	for range min(r.cfg.FetchConcurrency, len(pf.jobs)) {
		go pf.work()
	}
	return pf, byKey
}

// markUrgent queues jobs for the workers ahead of the speculative ones.
func (pf *prefetcher) markUrgent(js ...*fetchJob) {
	pf.mu.Lock()
	pf.urgent = append(pf.urgent, js...)
	pf.cond.Broadcast()
	pf.mu.Unlock()
}

func (pf *prefetcher) work() {
	for {
		pf.mu.Lock()
		for !pf.closed && pf.urgentNext < len(pf.urgent) {
			j := pf.urgent[pf.urgentNext]
			pf.urgentNext++
			if !j.state.CompareAndSwap(0, 1) {
				continue
			}
			j.budget = j.ref.Size
			pf.inflight += j.budget
			pf.mu.Unlock()
			pf.run(j)
			pf.mu.Lock()
		}
		for !pf.closed && pf.urgentNext >= len(pf.urgent) && pf.next < len(pf.jobs) && pf.inflight > 0 && pf.inflight+pf.jobs[pf.next].ref.Size > pf.r.cfg.PrefetchBytes {
			pf.cond.Wait()
		}
		if !pf.closed && pf.urgentNext < len(pf.urgent) {
			pf.mu.Unlock()
			continue
		}
		if pf.closed || pf.next >= len(pf.jobs) {
			pf.mu.Unlock()
			return
		}
		j := pf.jobs[pf.next]
		pf.next++
		if !j.state.CompareAndSwap(0, 1) {
			pf.mu.Unlock()
			continue
		}
		j.budget = j.ref.Size
		pf.inflight += j.budget
		pf.mu.Unlock()
		pf.run(j)
	}
}

// release gives back the budget of a job that holds nothing (its filters ruled the chunk out):
// a needle search skips most chunks, and counting each at its full size until the consumer
// reaches it would stall the workers on the budget and leave the consumer to check the
// chunks' filters alone.
func (pf *prefetcher) release(j *fetchJob) {
	pf.mu.Lock()
	if j.budget > 0 {
		pf.inflight -= j.budget
		j.budget = 0
		pf.cond.Broadcast()
	}
	pf.mu.Unlock()
}

// take returns the job's chunk (and its prepared blocks when decoded ahead), fetching it now if
// no worker has started it. The job lets go of both, so memory is freed as the reader moves on.
func (pf *prefetcher) take(j *fetchJob) (*chunk.Chunk, *chunk.Prepared, error) {
	if j.state.CompareAndSwap(0, 1) {
		pf.run(j)
	}
	select {
	case <-j.done:
	case <-pf.ctx.Done():
		return nil, nil, pf.ctx.Err()
	}
	pf.release(j)
	c, pre := j.c, j.pre
	j.c, j.pre = nil, nil
	return c, pre, j.err
}

func (pf *prefetcher) close() {
	pf.mu.Lock()
	if pf.closed {
		pf.mu.Unlock()
		return
	}
	pf.closed = true
	pf.cond.Broadcast()
	pf.mu.Unlock()
	pf.cancel()
}

func (pf *prefetcher) run(j *fetchJob) {
	defer close(j.done)
	var c *chunk.Chunk
	var err error
	if len(pf.needles) > 0 {
		var skipped int
		c, skipped, err = pf.r.loadNeeded(pf.ctx, j.ref, pf.start, pf.end, pf.needles, &pf.downloaded, &pf.downloadNs)
		if err == nil && c == nil {
			pf.chunkSkipped.Add(int64(skipped))
			pf.release(j)
			return
		}
	} else {
		c, err = pf.r.loadChunk(pf.ctx, j.ref, &pf.downloaded, &pf.downloadNs)
	}
	if err != nil {
		j.err = err
		return
	}
	if len(pf.needles) > 0 && !c.MayContain(pf.start, pf.end, pf.needles) {
		pf.chunkSkipped.Add(int64(c.Blocks()))
		pf.release(j)
		return
	}
	j.c = c
	if !pf.decodeAhead {
		return
	}
	// Decompressed blocks take several times the chunk's bytes: decode ahead only within the
	// budget, so a merge over many streams (which needs every stream's first chunk at once)
	// holds compressed chunks and one block per stream, not every chunk decompressed.
	pf.mu.Lock()
	fits := j.budget > 0 && pf.inflight+c.Meta().UncompressedSize <= pf.r.cfg.PrefetchBytes
	pf.mu.Unlock()
	if !fits {
		return
	}
	pre, err := c.Prepare(pf.start, pf.end, pf.needles)
	if err != nil {
		j.err = fmt.Errorf("chunk %s: %w", j.ref.Key, err)
		return
	}
	j.pre = pre
	pf.mu.Lock()
	if j.budget > 0 { // claimed by a worker: the decompressed blocks count against the budget
		j.budget += pre.Size()
		pf.inflight += pre.Size()
	}
	pf.mu.Unlock()
}

// loadChunk returns the decoded chunk of ref from the cache or the bucket.
func (r *Reader) loadChunk(ctx context.Context, ref index.ChunkRef, downloaded, downloadNs *atomic.Int64) (*chunk.Chunk, error) {
	if c, ok := r.chunks.get(ref.Key); ok {
		return c, nil
	}
	t0 := time.Now()
	data, err := readAll(ctx, r.bkt, ref.Key)
	r.fetched[fetchChunk].Add(int64(len(data)))
	if err != nil {
		if objstore.IsNotFound(err) {
			return nil, fmt.Errorf("chunk %s referenced by the index is missing: %w", ref.Key, err)
		}
		return nil, fmt.Errorf("get chunk %s: %w", ref.Key, err)
	}
	downloadNs.Add(time.Since(t0).Nanoseconds())
	downloaded.Add(1)
	c, err := chunk.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode chunk %s: %w", ref.Key, err)
	}
	if ref.Checksum != 0 && c.Meta().Checksum != ref.Checksum {
		return nil, fmt.Errorf("decode chunk %s: %w", ref.Key, &chunk.CorruptionError{Block: -1, Offset: -1, Reason: "checksum differs from the index"})
	}
	r.chunks.put(ref.Key, c, int64(len(data)))
	return c, nil
}

// dirTailGuess is the first tail read for a chunk's directory: filters take up to ~20% of a
// chunk on high-entropy logs, so a quarter of the object (at least 16 KiB) nearly always holds
// the directory; when not, one more read fetches exactly the rest.
func dirTailGuess(size int64) int64 { return min(size, max(16<<10, size/4)) }

// loadNeeded returns ref's chunk able to read the blocks that may hold every needle in
// [start, end), or nil when none can. Unless the whole chunk is cached, it reads the header
// and directory by range, checks the token filters and fetches only the blocks that pass; when
// those are most of the chunk it fetches (and caches) the whole object instead.
func (r *Reader) loadNeeded(ctx context.Context, ref index.ChunkRef, start, end int64, needles []string, downloaded, downloadNs *atomic.Int64) (c *chunk.Chunk, skippedBlocks int, err error) {
	if c, ok := r.chunks.get(ref.Key); ok || ref.Size <= 0 {
		if !ok {
			var err error
			if c, err = r.loadChunk(ctx, ref, downloaded, downloadNs); err != nil {
				return nil, 0, err
			}
		}
		if !c.MayContain(start, end, needles) {
			return nil, c.Blocks(), nil
		}
		return c, 0, nil
	}
	t0 := time.Now()
	defer func() { downloadNs.Add(time.Since(t0).Nanoseconds()) }()
	dk := dirKey(ref.Key)
	dc, ok := r.chunks.get(dk)
	// A chunk counts as downloaded once, whether its directory, some blocks or all of it was read.
	fetchedDir := false
	if !ok {
		head, err := r.readRange(ctx, fetchDirectory, ref.Key, 0, 8)
		if err != nil {
			return nil, 0, err
		}
		n := dirTailGuess(ref.Size)
		tail, err := r.readRange(ctx, fetchDirectory, ref.Key, ref.Size-n, n)
		if err != nil {
			return nil, 0, err
		}
		dc, err = chunk.DecodeDirectory(head, tail, ref.Size)
		var short *chunk.ShortTailError
		if errors.As(err, &short) {
			// Fetch only the part of the directory the first read missed.
			more, rerr := r.readRange(ctx, fetchDirectory, ref.Key, ref.Size-short.Need, short.Need-int64(len(tail)))
			if rerr != nil {
				return nil, 0, rerr
			}
			tail = append(more, tail...)
			dc, err = chunk.DecodeDirectory(head, tail, ref.Size)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("decode chunk directory %s: %w", ref.Key, err)
		}
		r.chunks.put(dk, dc, int64(len(tail)))
		fetchedDir = true
	}
	need := dc.NeededBlocks(start, end, needles)
	if len(need) == 0 {
		if fetchedDir {
			downloaded.Add(1)
		}
		return nil, dc.Blocks(), nil
	}
	var total int64
	for _, br := range need {
		total += br.Len
	}
	if total > ref.Size/2 {
		c, err := r.loadChunk(ctx, ref, downloaded, downloadNs)
		return c, 0, err
	}
	blocks := make(map[int][]byte, len(need))
	for i := 0; i < len(need); {
		// One read per run of adjacent blocks.
		j := i + 1
		for j < len(need) && need[j].Offset == need[j-1].Offset+need[j-1].Len {
			j++
		}
		off, end := need[i].Offset, need[j-1].Offset+need[j-1].Len
		data, err := r.readRange(ctx, fetchBlocks, ref.Key, off, end-off)
		if err != nil {
			return nil, 0, err
		}
		for _, br := range need[i:j] {
			blocks[br.Index] = data[br.Offset-off : br.Offset-off+br.Len]
		}
		i = j
	}
	downloaded.Add(1)
	c, err = dc.WithBlocks(blocks)
	return c, 0, err
}

func (r *Reader) readRange(ctx context.Context, kind fetchKind, key string, off, n int64) ([]byte, error) {
	r.fetched[kind].Add(n)
	rc, err := r.bkt.GetRange(ctx, key, off, n)
	if err != nil {
		return nil, fmt.Errorf("get chunk %s range %d+%d: %w", key, off, n, err)
	}
	defer rc.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("get chunk %s range %d+%d: %w", key, off, n, err)
	}
	return b, nil
}

// lazyChunkIterator reads one chunk, taking it from the prefetcher on first use and letting go
// of it when exhausted. It carries its stream's labels and hash.
type lazyChunkIterator struct {
	pf      *prefetcher
	job     *fetchJob
	dir     iter.Direction
	lbls    string
	hash    uint64
	started bool
	it      *chunk.EntryIterator
	stats   chunk.IterStats // final stats once it is released
	err     error
}

func (l *lazyChunkIterator) Next() bool {
	if !l.started {
		l.started = true
		c, pre, err := l.pf.take(l.job)
		switch {
		case err != nil:
			l.err = err
			return false
		case pre != nil:
			l.it = pre.Iterator(l.dir)
		case c != nil:
			l.it = c.Iterator(l.pf.start, l.pf.end, l.dir, l.pf.needles)
		default:
			return false
		}
	}
	if l.it == nil {
		return false
	}
	if l.it.Next() {
		return true
	}
	l.err = l.it.Err()
	l.stats = l.it.Stats()
	l.it = nil
	return false
}

func (l *lazyChunkIterator) At() iter.Entry     { return l.it.At() }
func (l *lazyChunkIterator) Labels() string     { return l.lbls }
func (l *lazyChunkIterator) StreamHash() uint64 { return l.hash }
func (l *lazyChunkIterator) Err() error         { return l.err }
func (l *lazyChunkIterator) Close() error       { return nil }

// currentStats is not synchronised with Next: call it from the iterating goroutine.
func (l *lazyChunkIterator) currentStats() chunk.IterStats {
	if l.it != nil {
		return l.it.Stats()
	}
	return l.stats
}
