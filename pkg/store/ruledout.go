package store

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/skaldlogs/skald/pkg/index"
)

// dropRuledOut removes from the plan the chunks that memory already proves hold no line with
// every needle in [start, end): the token filters of a cached directory (or a cached chunk)
// pass none of their blocks. It returns the blocks so skipped. A needle search over much data
// skips nearly every chunk; checking the cached filters here, split over the cores, spares
// each of those chunks a prefetch job, a lazy iterator and a place in its stream's merge.
// Chunks whose directory is not cached stay in the plan, to be fetched and checked as before.
func (r *Reader) dropRuledOut(plan []*seriesPlan, start, end int64, needles []string) int64 {
	if len(needles) == 0 || len(plan) == 0 {
		return 0
	}
	var (
		skipped atomic.Int64
		next    atomic.Int64
		wg      sync.WaitGroup
	)
	work := func() {
		defer wg.Done()
		for {
			i := int(next.Add(1)) - 1
			if i >= len(plan) {
				return
			}
			sp := plan[i]
			kept := sp.refs[:0] // the plan owns its refs (lookup appends them to a new slice)
			for _, ref := range sp.refs {
				if blocks, out := r.ruledOut(ref, start, end, needles); out {
					skipped.Add(int64(blocks))
					continue
				}
				kept = append(kept, ref)
			}
			sp.refs = kept
		}
	}
	n := min(runtime.GOMAXPROCS(0), len(plan))
	wg.Add(n)
	for range n - 1 {
		go work()
	}
	work()
	wg.Wait()
	return skipped.Load()
}

// ruledOut reports whether the cached chunk or chunk directory of ref proves that no block
// overlapping [start, end) may hold every needle, and how many blocks the chunk has.
func (r *Reader) ruledOut(ref index.ChunkRef, start, end int64, needles []string) (int, bool) {
	c, ok := r.chunks.peek(ref.Key)
	if !ok {
		c, ok = r.chunks.peek(dirKey(ref.Key)) // a directory tests its filters as well
	}
	if !ok {
		return 0, false
	}
	return c.Blocks(), !c.MayContain(start, end, needles)
}

// dirKey is the cache key of a chunk's directory, decoded alone (loadNeeded).
func dirKey(chunkKey string) string { return "dir\x00" + chunkKey }
