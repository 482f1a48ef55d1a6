package iter

// StreamEntries is one stream's entries, the unit slice iterators and the wire carry.
type StreamEntries struct {
	// Labels in selector form.
	Labels string
	// Hash of the original stream labels (see EntryIterator.StreamHash).
	Hash    uint64
	Entries []Entry
}

// SeriesSamples is one series' samples.
type SeriesSamples struct {
	Labels  string
	Hash    uint64
	Samples []Sample
}

// NewStreamIterator iterates over one stream's entries in slice order (the caller orders them).
func NewStreamIterator(s StreamEntries) EntryIterator {
	return &streamIterator{s: s, i: -1}
}

type streamIterator struct {
	s StreamEntries
	i int
}

func (it *streamIterator) Next() bool {
	if it.i+1 >= len(it.s.Entries) {
		it.i = len(it.s.Entries)
		return false
	}
	it.i++
	return true
}

func (it *streamIterator) At() Entry          { return it.s.Entries[it.i] }
func (it *streamIterator) Labels() string     { return it.s.Labels }
func (it *streamIterator) StreamHash() uint64 { return it.s.Hash }
func (it *streamIterator) Err() error         { return nil }
func (it *streamIterator) Close() error       { return nil }

// NewStreamsIterator merges several streams, each already ordered in dir, into one iterator
// ordered in dir (see NewMergeEntryIterator).
func NewStreamsIterator(streams []StreamEntries, dir Direction) EntryIterator {
	its := make([]EntryIterator, len(streams))
	for i, s := range streams {
		its[i] = NewStreamIterator(s)
	}
	return NewMergeEntryIterator(its, dir)
}

// NewSeriesIterator iterates over one series' samples in slice order.
func NewSeriesIterator(s SeriesSamples) SampleIterator {
	return &seriesIterator{s: s, i: -1}
}

type seriesIterator struct {
	s SeriesSamples
	i int
}

func (it *seriesIterator) Next() bool {
	if it.i+1 >= len(it.s.Samples) {
		it.i = len(it.s.Samples)
		return false
	}
	it.i++
	return true
}

func (it *seriesIterator) At() Sample         { return it.s.Samples[it.i] }
func (it *seriesIterator) Labels() string     { return it.s.Labels }
func (it *seriesIterator) StreamHash() uint64 { return it.s.Hash }
func (it *seriesIterator) Err() error         { return nil }
func (it *seriesIterator) Close() error       { return nil }

// NewMultiSeriesIterator merges several series, each ordered by timestamp, into one iterator
// ordered by timestamp.
func NewMultiSeriesIterator(series []SeriesSamples) SampleIterator {
	its := make([]SampleIterator, len(series))
	for i, s := range series {
		its[i] = NewSeriesIterator(s)
	}
	return NewMergeSampleIterator(its)
}

// NewNoopEntryIterator returns an empty entry iterator.
func NewNoopEntryIterator() EntryIterator { return noopEntries{} }

type noopEntries struct{}

func (noopEntries) Next() bool         { return false }
func (noopEntries) At() Entry          { return Entry{} }
func (noopEntries) Labels() string     { return "" }
func (noopEntries) StreamHash() uint64 { return 0 }
func (noopEntries) Err() error         { return nil }
func (noopEntries) Close() error       { return nil }

// NewNoopSampleIterator returns an empty sample iterator.
func NewNoopSampleIterator() SampleIterator { return noopSamples{} }

type noopSamples struct{}

func (noopSamples) Next() bool         { return false }
func (noopSamples) At() Sample         { return Sample{} }
func (noopSamples) Labels() string     { return "" }
func (noopSamples) StreamHash() uint64 { return 0 }
func (noopSamples) Err() error         { return nil }
func (noopSamples) Close() error       { return nil }

// ReadEntries drains it (at most limit entries, 0 for all) into streams grouped by labels, in
// the order streams first appear, and closes it.
func ReadEntries(it EntryIterator, limit int) ([]StreamEntries, error) {
	idx := map[string]int{}
	var out []StreamEntries
	n := 0
	for (limit == 0 || n < limit) && it.Next() {
		l := it.Labels()
		i, ok := idx[l]
		if !ok {
			i = len(out)
			idx[l] = i
			out = append(out, StreamEntries{Labels: l, Hash: it.StreamHash()})
		}
		out[i].Entries = append(out[i].Entries, it.At())
		n++
	}
	err := it.Err()
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// ReadSamples drains it into series grouped by labels and closes it.
func ReadSamples(it SampleIterator) ([]SeriesSamples, error) {
	idx := map[string]int{}
	var out []SeriesSamples
	for it.Next() {
		l := it.Labels()
		i, ok := idx[l]
		if !ok {
			i = len(out)
			idx[l] = i
			out = append(out, SeriesSamples{Labels: l, Hash: it.StreamHash()})
		}
		out[i].Samples = append(out[i].Samples, it.At())
	}
	err := it.Err()
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// NewReverseStreamIterator iterates over one stream's entries from the last to the first, so a
// store that keeps entries oldest first can serve a backward query without copying.
func NewReverseStreamIterator(s StreamEntries) EntryIterator {
	return &reverseStreamIterator{s: s, i: len(s.Entries)}
}

type reverseStreamIterator struct {
	s StreamEntries
	i int
}

func (it *reverseStreamIterator) Next() bool {
	if it.i <= 0 {
		it.i = -1
		return false
	}
	it.i--
	return true
}

func (it *reverseStreamIterator) At() Entry          { return it.s.Entries[it.i] }
func (it *reverseStreamIterator) Labels() string     { return it.s.Labels }
func (it *reverseStreamIterator) StreamHash() uint64 { return it.s.Hash }
func (it *reverseStreamIterator) Err() error         { return nil }
func (it *reverseStreamIterator) Close() error       { return nil }
