package querier

import "github.com/skaldlogs/skald/pkg/iter"

// limitedMerge stops a merged entry iterator after limit entries (0: no limit) and, when
// closed, reports the replica copies the merge dropped to the query's statistics.
type limitedMerge struct {
	iter.EntryIterator
	limit uint32
	n     uint32
	st    *queryStats
}

func newLimitedMerge(it iter.EntryIterator, limit uint32, st *queryStats) iter.EntryIterator {
	return &limitedMerge{EntryIterator: it, limit: limit, st: st}
}

func (l *limitedMerge) Next() bool {
	if l.limit > 0 && l.n >= l.limit {
		return false
	}
	if !l.EntryIterator.Next() {
		return false
	}
	l.n++
	return true
}

func (l *limitedMerge) Close() error {
	if dc, ok := l.EntryIterator.(iter.DuplicateCounter); ok {
		l.st.addDuplicates(dc.Duplicates())
	}
	return l.EntryIterator.Close()
}

// countedSamples reports a sample merge's dropped copies when closed.
type countedSamples struct {
	iter.SampleIterator
	st *queryStats
}

func (c *countedSamples) Close() error {
	if dc, ok := c.SampleIterator.(iter.DuplicateCounter); ok {
		c.st.addDuplicates(dc.Duplicates())
	}
	return c.SampleIterator.Close()
}
