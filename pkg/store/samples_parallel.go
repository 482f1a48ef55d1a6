package store

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/skaldlogs/skald/pkg/iter"
)

// Parallel sample extraction. A metric query over parsed lines (`| json | status >= 500`)
// spends its time decoding lines and running the pipeline, per stream; the merge of the
// streams' samples by time is cheap. So each stream's extractor runs on a pool of GOMAXPROCS
// workers in batches, and the merge (in the caller's goroutine) reads the batches:
//   - a stream has at most two batches in memory, the one being read and the next one being
//     filled, and the batch size shrinks as streams grow (sampleWindow), so memory stays bounded
//     whatever the number of streams;
//   - the merge sees exactly the samples, labels and order the serial path yields: each stream
//     is still read in order by one goroutine at a time, and the merge is the same;
//   - a consumer that needs a batch no worker has started fills it itself, so the query never
//     waits on the pool (and runs serially once it is closed).

// sampleWindow is the most samples a parallel query buffers across its streams (≈ 40 B each).
const sampleWindow = 1 << 18

// Batch size bounds per stream.
const (
	minSampleBatch = 16
	maxSampleBatch = 1024
)

// sampleBatchSize returns the batch size for streams streams: two batches each within the window.
func sampleBatchSize(streams int) int {
	return min(maxSampleBatch, max(minSampleBatch, sampleWindow/(2*max(streams, 1))))
}

// labelledSampleAt is one sample with its series labels.
type labelledSampleAt struct {
	s    iter.Sample
	lbls string
}

// sampleBatchJob is the next batch of one stream. state moves 0 (queued) → 1 (claimed by a
// worker or the consumer) once; done closes when the batch is filled.
type sampleBatchJob struct {
	st      *parallelStream
	buf     []labelledSampleAt // reused: the batch before the one being read
	state   atomic.Int32
	done    chan struct{}
	samples []labelledSampleAt
	last    bool // the stream's iterator is exhausted (or failed: err)
	err     error
}

// samplePool runs the batch jobs of one query.
type samplePool struct {
	queue chan *sampleBatchJob
	quit  chan struct{}
	once  sync.Once
	// mu is held shared while a batch is filled and exclusively by Stats, so the chunk
	// iterators' counters are read between batches.
	mu    sync.RWMutex
	batch int
}

// newParallelSamples wraps each stream's sample iterator so that its samples are extracted by
// a pool of workers; the merge of the returned iterators yields what the merge of srcs would.
func newParallelSamples(srcs []iter.SampleIterator, batch int) (*samplePool, []iter.SampleIterator) {
	p := &samplePool{queue: make(chan *sampleBatchJob, 2*len(srcs)), quit: make(chan struct{}), batch: batch}
	out := make([]iter.SampleIterator, len(srcs))
	for i, src := range srcs {
		st := &parallelStream{pool: p, src: src, hash: src.StreamHash()}
		st.pending = st.schedule()
		out[i] = st
	}
	for range min(runtime.GOMAXPROCS(0), len(srcs)) {
		go p.work()
	}
	return p, out
}

func (p *samplePool) work() {
	for {
		select {
		case <-p.quit:
			return
		case j := <-p.queue:
			if j.state.CompareAndSwap(0, 1) {
				j.fill(p)
			}
		}
	}
}

// close stops the workers; batches in progress complete.
func (p *samplePool) close() { p.once.Do(func() { close(p.quit) }) }

// fill reads the next batch of the job's stream.
func (j *sampleBatchJob) fill(p *samplePool) {
	defer close(j.done)
	p.mu.RLock()
	defer p.mu.RUnlock()
	src := j.st.src
	j.samples = j.buf[:0]
	for len(j.samples) < p.batch {
		if !src.Next() {
			j.last, j.err = true, src.Err()
			return
		}
		j.samples = append(j.samples, labelledSampleAt{s: src.At(), lbls: src.Labels()})
	}
}

// parallelStream is one stream's sample iterator as the merge sees it.
type parallelStream struct {
	pool    *samplePool
	src     iter.SampleIterator
	hash    uint64
	cur     []labelledSampleAt
	i       int
	pending *sampleBatchJob // nil once the stream is exhausted
	spare   []labelledSampleAt
	err     error
}

// schedule queues the stream's next batch. Each stream has one live job at most, but jobs the
// consumer filled itself stay queued until a worker drops them (and none does once the pool is
// closed), so the queue may be full: then the consumer fills the batch when it needs it.
func (s *parallelStream) schedule() *sampleBatchJob {
	j := &sampleBatchJob{st: s, buf: s.spare, done: make(chan struct{})}
	select {
	case s.pool.queue <- j:
	default:
	}
	return j
}

func (s *parallelStream) Next() bool {
	s.i++
	for s.i >= len(s.cur) {
		j := s.pending
		if j == nil {
			return false
		}
		if j.state.CompareAndSwap(0, 1) {
			j.fill(s.pool) // no worker got to it: do not wait for one
		} else {
			<-j.done
		}
		// The batch read so far becomes the buffer of the one after next.
		s.spare, s.cur, s.i = s.cur, j.samples, 0
		s.pending = nil
		if j.last {
			s.err = j.err
		} else {
			s.pending = s.schedule()
		}
	}
	return true
}

func (s *parallelStream) At() iter.Sample    { return s.cur[s.i].s }
func (s *parallelStream) Labels() string     { return s.cur[s.i].lbls }
func (s *parallelStream) StreamHash() uint64 { return s.hash }
func (s *parallelStream) Err() error         { return s.err }

// Close closes the stream's source once no batch of it is being filled.
func (s *parallelStream) Close() error {
	if j := s.pending; j != nil {
		if !j.state.CompareAndSwap(0, 1) {
			<-j.done
		}
		s.pending = nil
	}
	return s.src.Close()
}
