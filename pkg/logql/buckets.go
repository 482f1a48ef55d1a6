package logql

import (
	"math"

	"github.com/skaldlogs/skald/pkg/iter"
)

// NoCut, as the cut of NewBucketIterator, sums every sample into buckets.
const NoCut = math.MaxInt64

// CutFor returns the cut a source uses for the stream with hash h: the last grid point before
// the time another source also holds the stream from (p.SingleFrom), or NoCut.
func (p SelectSampleParams) CutFor(h uint64) int64 {
	if t, ok := p.SingleFrom[h]; ok {
		return p.Buckets.Cut(t)
	}
	return NoCut
}

// NewBucketIterator sums the samples of src, one stream's samples in time order, into one
// sample per series and bucket of grid (SelectSampleParams.Buckets) for samples at or before
// cut; later samples pass through unchanged. A bucket sample has the bucket's end as timestamp,
// the sum of its samples' values and logql.BucketHash. The engine sums a window's values, so a
// window gets the same answer from either; the merge and the range reader see a few samples per
// step instead of one per entry.
func NewBucketIterator(src iter.SampleIterator, grid BucketGrid, cut int64) iter.SampleIterator {
	return &bucketIterator{src: src, grid: grid, cut: cut, idx: map[string]int{}}
}

type bucketIterator struct {
	src  iter.SampleIterator
	grid BucketGrid
	cut  int64

	// the open bucket: its end and one sum per series, in order of first appearance
	end  int64
	open []seriesSum
	idx  map[string]int // labels → index in open, once open is long

	out  []seriesSum // a closed bucket's sums and maybe one passed-through sample, to yield
	i    int
	done bool
}

type seriesSum struct {
	lbls string
	s    iter.Sample
}

// linearMax is how many series a bucket looks up by scanning before it builds a map.
const linearMax = 8

func (b *bucketIterator) Next() bool {
	b.i++
	if b.i < len(b.out) {
		return true
	}
	b.out, b.i = b.out[:0], 0
	for !b.done {
		if !b.src.Next() {
			b.done = true
			break
		}
		s := b.src.At()
		if s.Timestamp > b.cut {
			// Buckets end at or before cut, so the open one comes first.
			b.close()
			b.out = append(b.out, seriesSum{lbls: b.src.Labels(), s: s})
			return true
		}
		if len(b.open) == 0 || s.Timestamp > b.end || s.Timestamp <= b.end-b.grid.Width {
			closed := b.close()
			b.end = b.grid.End(s.Timestamp)
			b.add(s)
			if closed {
				return true
			}
			continue
		}
		b.add(s)
	}
	return b.close()
}

// add sums s into the open bucket.
func (b *bucketIterator) add(s iter.Sample) {
	l := b.src.Labels()
	if len(b.open) <= linearMax {
		for i := range b.open {
			if b.open[i].lbls == l {
				b.open[i].s.Value += s.Value
				return
			}
		}
		if len(b.open) == linearMax {
			for i, o := range b.open {
				b.idx[o.lbls] = i
			}
		}
	} else if i, ok := b.idx[l]; ok {
		b.open[i].s.Value += s.Value
		return
	}
	if len(b.open) >= linearMax {
		b.idx[l] = len(b.open)
	}
	b.open = append(b.open, seriesSum{lbls: l, s: iter.Sample{Timestamp: b.end, Value: s.Value, Hash: BucketHash}})
}

// close moves the open bucket's sums to out, reporting whether there were any.
func (b *bucketIterator) close() bool {
	if len(b.open) == 0 {
		return len(b.out) > 0
	}
	b.out = append(b.out, b.open...)
	b.open = b.open[:0]
	if len(b.idx) > 0 {
		clear(b.idx)
	}
	return true
}

func (b *bucketIterator) At() iter.Sample    { return b.out[b.i].s }
func (b *bucketIterator) Labels() string     { return b.out[b.i].lbls }
func (b *bucketIterator) StreamHash() uint64 { return b.src.StreamHash() }
func (b *bucketIterator) Err() error         { return b.src.Err() }
func (b *bucketIterator) Close() error       { return b.src.Close() }
