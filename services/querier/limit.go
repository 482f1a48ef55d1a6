package querier

import (
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/proto/querierpb"
)

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

// storeEntries and storeSamples report the store's counters (iter.StatsReporter) to the
// query's statistics when the store's iterator is closed.
type storeEntries struct {
	iter.EntryIterator
	st *queryStats
}

func (s *storeEntries) Close() error {
	s.st.addStore(reportedStats(s.EntryIterator))
	return s.EntryIterator.Close()
}

type storeSamples struct {
	iter.SampleIterator
	st *queryStats
}

func (s *storeSamples) Close() error {
	s.st.addStore(reportedStats(s.SampleIterator))
	return s.SampleIterator.Close()
}

func reportedStats(it any) *querierpb.QueryStats {
	if r, ok := it.(iter.StatsReporter); ok {
		return r.Stats()
	}
	return nil
}
