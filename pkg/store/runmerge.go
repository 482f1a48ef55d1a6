package store

import (
	"errors"
	"math"
)

// runSource is one chunk's entries (or line infos) of a run, in the query's direction.
type runSource[T any] interface {
	Next() bool
	At() T
	Err() error
}

// runMerge merges the chunks of one stream that overlap in time (replicas of the stream, cut
// at other points) and drops the replicas' copies of an entry. Entries are identified by
// timestamp and key: the line, or its hash when the line is not read. For each timestamp the
// output holds every key as many times as the chunk holding it most often does (a line a
// stream really logged twice at one instant stays twice, its replica's copies go), in the
// order the inputs give them, input by input, so the result does not depend on how lines and
// hashes order: the line path and the hash path keep the same entries.
type runMerge[T any, K comparable] struct {
	its      []runSource[T]
	ts       func(T) int64
	key      func(T) K
	backward bool

	started bool
	live    []bool
	heads   []T // heads[i] is its[i].At() while live[i]: one At (an interface call copying an entry) per entry
	out     []T // the current timestamp's entries
	pos     int
	outKeys []K
	inKeys  []K // keys of the current input at the current timestamp
	// Counts by key, used instead of scanning the slices once a timestamp has many entries
	// (a source with second precision), so a large group costs linear, not quadratic, time.
	outCount, inCount   map[K]int
	outMapped, inMapped bool // the maps hold the counts of this timestamp (and input)
	// solo is an input whose entries come strictly before every other input's head (before
	// soloEnd): no copy can be among them, so they pass one by one without keys. -1: none.
	// Replicas' chunks overlap only near their ends, so most entries of a run pass this way.
	solo    int
	soloEnd int64
	dups    int64
	err     error
}

func newRunMerge[T any, K comparable](its []runSource[T], backward bool, ts func(T) int64, key func(T) K) *runMerge[T, K] {
	return &runMerge[T, K]{its: its, ts: ts, key: key, backward: backward, live: make([]bool, len(its)), heads: make([]T, len(its)), solo: -1}
}

// before reports whether a comes before b in the query's direction.
func (m *runMerge[T, K]) before(a, b int64) bool {
	if m.backward {
		return a > b
	}
	return a < b
}

func (m *runMerge[T, K]) advance(i int) {
	m.live[i] = m.its[i].Next()
	if m.live[i] {
		m.heads[i] = m.its[i].At()
	} else {
		if err := m.its[i].Err(); err != nil {
			m.err = errors.Join(m.err, err)
		}
	}
}

func (m *runMerge[T, K]) Next() bool {
	if !m.started {
		m.started = true
		for i := range m.its {
			m.advance(i)
		}
	}
	if m.pos+1 < len(m.out) {
		m.pos++
		return true
	}
	if m.err != nil {
		return false
	}
	if i := m.solo; i >= 0 {
		if m.live[i] && m.before(m.ts(m.heads[i]), m.soloEnd) {
			m.out, m.pos = append(m.out[:0], m.heads[i]), 0
			m.advance(i)
			return m.err == nil
		}
		m.solo = -1
	}
	// The next timestamp in the query's direction among the inputs' heads, and the one after
	// it among the other inputs.
	var t, next int64
	first, found, others := -1, false, false
	for i := range m.its {
		if !m.live[i] {
			continue
		}
		ts := m.ts(m.heads[i])
		switch {
		case !found || m.before(ts, t):
			if found {
				next, others = t, true
			}
			t, first, found = ts, i, true
		case !others || m.before(ts, next):
			next, others = ts, true
		}
	}
	if !found {
		return false
	}
	if !others || m.before(t, next) {
		m.solo, m.soloEnd = first, next
		if !others {
			m.soloEnd = math.MaxInt64
			if m.backward {
				m.soloEnd = math.MinInt64
			}
		}
		return m.Next()
	}
	m.out, m.outKeys, m.pos = m.out[:0], m.outKeys[:0], 0
	clear(m.outCount)
	m.outMapped = false
	for i := range m.its {
		m.inKeys = m.inKeys[:0]
		clear(m.inCount)
		m.inMapped = false
		for m.live[i] && m.ts(m.heads[i]) == t {
			e := m.heads[i]
			k := m.key(e)
			m.inKeys = append(m.inKeys, k)
			// Kept when this input holds the key more often than the output does so far.
			if m.countIn(k) > m.countOut(k) {
				m.out = append(m.out, e)
				m.outKeys = append(m.outKeys, k)
				if m.outMapped {
					m.outCount[k]++
				}
			} else {
				m.dups++
			}
			m.advance(i)
		}
	}
	return m.err == nil
}

// smallGroup is the number of entries at one timestamp up to which keys are counted by
// scanning; usually a timestamp has one entry per input.
const smallGroup = 32

// countIn returns how often the current input gave k at this timestamp, k included.
func (m *runMerge[T, K]) countIn(k K) int {
	if len(m.inKeys) <= smallGroup {
		return count(m.inKeys, k)
	}
	if !m.inMapped { // just grew past smallGroup: count what came before
		if m.inCount == nil {
			m.inCount = map[K]int{}
		}
		for _, x := range m.inKeys[:len(m.inKeys)-1] {
			m.inCount[x]++
		}
		m.inMapped = true
	}
	m.inCount[k]++
	return m.inCount[k]
}

// countOut returns how often the output holds k at this timestamp.
func (m *runMerge[T, K]) countOut(k K) int {
	if len(m.outKeys) <= smallGroup {
		return count(m.outKeys, k)
	}
	if !m.outMapped {
		if m.outCount == nil {
			m.outCount = map[K]int{}
		}
		for _, x := range m.outKeys {
			m.outCount[x]++
		}
		m.outMapped = true
	}
	return m.outCount[k]
}

// count is a linear scan: entries sharing one nanosecond timestamp in one stream are few.
func count[K comparable](ks []K, k K) int {
	n := 0
	for _, x := range ks {
		if x == k {
			n++
		}
	}
	return n
}

func (m *runMerge[T, K]) At() T             { return m.out[m.pos] }
func (m *runMerge[T, K]) Err() error        { return m.err }
func (m *runMerge[T, K]) Duplicates() int64 { return m.dups }
