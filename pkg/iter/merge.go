package iter

import (
	"container/heap"
	"errors"
)

// entryHead is a sub-iterator with its current entry cached, so heap comparisons make no
// interface calls.
type entryHead struct {
	it   EntryIterator
	e    Entry
	lbls string
	hash uint64
}

type entryHeap struct {
	heads []*entryHead
	dir   Direction
}

func (h *entryHeap) Len() int      { return len(h.heads) }
func (h *entryHeap) Swap(i, j int) { h.heads[i], h.heads[j] = h.heads[j], h.heads[i] }
func (h *entryHeap) Less(i, j int) bool {
	a, b := h.heads[i], h.heads[j]
	if a.e.Timestamp != b.e.Timestamp {
		if h.dir == Backward {
			return a.e.Timestamp > b.e.Timestamp
		}
		return a.e.Timestamp < b.e.Timestamp
	}
	if a.lbls != b.lbls {
		return a.lbls < b.lbls
	}
	if a.hash != b.hash {
		return a.hash < b.hash
	}
	return a.e.Line < b.e.Line
}
func (h *entryHeap) Push(x any) { h.heads = append(h.heads, x.(*entryHead)) }
func (h *entryHeap) Pop() any {
	n := len(h.heads) - 1
	x := h.heads[n]
	h.heads = h.heads[:n]
	return x
}

// NewMergeEntryIterator merges iterators that are each ordered in dir into one ordered in dir,
// ties broken by labels, stream hash, then line. Entries identical in labels, original stream
// (StreamHash), timestamp and line (replicas of one push) appear once; equal lines of two
// streams that a pipeline gave the same labels (| keep app) are both kept. It owns its inputs
// and closes them.
func NewMergeEntryIterator(its []EntryIterator, dir Direction) EntryIterator {
	return &mergeEntryIterator{its: its, h: entryHeap{dir: dir}}
}

type mergeEntryIterator struct {
	its     []EntryIterator
	h       entryHeap
	started bool
	last    *entryHead // the head whose entry is current; advanced on the next call
	cur     Entry
	lbls    string
	hash    uint64
	has     bool
	errs    []error
	dups    int64
}

func (m *mergeEntryIterator) advance(h *entryHead) {
	if h.it.Next() {
		h.e, h.lbls, h.hash = h.it.At(), h.it.Labels(), h.it.StreamHash()
		heap.Push(&m.h, h)
		return
	}
	if err := h.it.Err(); err != nil {
		m.errs = append(m.errs, err)
	}
}

func (m *mergeEntryIterator) Next() bool {
	if !m.started {
		m.started = true
		for _, it := range m.its {
			m.advance(&entryHead{it: it})
		}
	}
	for {
		if m.last != nil {
			m.advance(m.last)
			m.last = nil
		}
		if m.h.Len() == 0 || len(m.errs) > 0 {
			return false
		}
		top := heap.Pop(&m.h).(*entryHead)
		m.last = top
		if m.has && top.e.Timestamp == m.cur.Timestamp && top.lbls == m.lbls && top.hash == m.hash && top.e.Line == m.cur.Line {
			m.dups++
			continue
		}
		m.cur, m.lbls, m.hash, m.has = top.e, top.lbls, top.hash, true
		return true
	}
}

func (m *mergeEntryIterator) At() Entry          { return m.cur }
func (m *mergeEntryIterator) Labels() string     { return m.lbls }
func (m *mergeEntryIterator) StreamHash() uint64 { return m.hash }
func (m *mergeEntryIterator) Err() error         { return errors.Join(m.errs...) }

// Duplicates reports how many replica entries the merge dropped so far (Loki's
// totalDuplicates statistic).
func (m *mergeEntryIterator) Duplicates() int64 { return m.dups }

func (m *mergeEntryIterator) Close() error {
	var errs []error
	for _, it := range m.its {
		if err := it.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DuplicateCounter is implemented by merges that drop replicas.
type DuplicateCounter interface {
	Duplicates() int64
}

type sampleHead struct {
	it   SampleIterator
	s    Sample
	lbls string
	hash uint64
}

type sampleHeap []*sampleHead

func (h sampleHeap) Len() int      { return len(h) }
func (h sampleHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h sampleHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.s.Timestamp != b.s.Timestamp {
		return a.s.Timestamp < b.s.Timestamp
	}
	if a.lbls != b.lbls {
		return a.lbls < b.lbls
	}
	if a.hash != b.hash {
		return a.hash < b.hash
	}
	return a.s.Hash < b.s.Hash
}
func (h *sampleHeap) Push(x any) { *h = append(*h, x.(*sampleHead)) }
func (h *sampleHeap) Pop() any {
	old := *h
	n := len(old) - 1
	x := old[n]
	*h = old[:n]
	return x
}

// NewMergeSampleIterator merges sample iterators ordered by timestamp into one ordered by
// timestamp (ties by labels, stream hash, entry hash). Samples identical in labels, original
// stream, timestamp and entry hash (replicas) appear once, so series that group several
// streams (count_over_time(...) by (level)) keep equal lines of different streams. It owns its
// inputs and closes them.
func NewMergeSampleIterator(its []SampleIterator) SampleIterator {
	return &mergeSampleIterator{its: its}
}

type mergeSampleIterator struct {
	its     []SampleIterator
	h       sampleHeap
	started bool
	last    *sampleHead
	cur     Sample
	lbls    string
	hash    uint64
	has     bool
	errs    []error
	dups    int64
}

func (m *mergeSampleIterator) advance(h *sampleHead) {
	if h.it.Next() {
		h.s, h.lbls, h.hash = h.it.At(), h.it.Labels(), h.it.StreamHash()
		heap.Push(&m.h, h)
		return
	}
	if err := h.it.Err(); err != nil {
		m.errs = append(m.errs, err)
	}
}

func (m *mergeSampleIterator) Next() bool {
	if !m.started {
		m.started = true
		for _, it := range m.its {
			m.advance(&sampleHead{it: it})
		}
	}
	for {
		if m.last != nil {
			m.advance(m.last)
			m.last = nil
		}
		if m.h.Len() == 0 || len(m.errs) > 0 {
			return false
		}
		top := heap.Pop(&m.h).(*sampleHead)
		m.last = top
		if m.has && top.s.Timestamp == m.cur.Timestamp && top.lbls == m.lbls && top.hash == m.hash && top.s.Hash == m.cur.Hash {
			m.dups++
			continue
		}
		m.cur, m.lbls, m.hash, m.has = top.s, top.lbls, top.hash, true
		return true
	}
}

func (m *mergeSampleIterator) At() Sample         { return m.cur }
func (m *mergeSampleIterator) Labels() string     { return m.lbls }
func (m *mergeSampleIterator) StreamHash() uint64 { return m.hash }
func (m *mergeSampleIterator) Err() error         { return errors.Join(m.errs...) }

// Duplicates reports how many replica samples the merge dropped so far.
func (m *mergeSampleIterator) Duplicates() int64 { return m.dups }

func (m *mergeSampleIterator) Close() error {
	var errs []error
	for _, it := range m.its {
		if err := it.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
