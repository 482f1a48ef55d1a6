package iter

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/querierpb"
)

func ents(ts ...int64) []Entry {
	out := make([]Entry, len(ts))
	for i, t := range ts {
		out[i] = Entry{Timestamp: t, Line: fmt.Sprintf("line %d", t)}
	}
	return out
}

func reverse(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e
	}
	return out
}

type flat struct {
	lbls string
	ts   int64
	line string
}

func drain(t *testing.T, it EntryIterator) []flat {
	t.Helper()
	var out []flat
	for it.Next() {
		out = append(out, flat{it.Labels(), it.At().Timestamp, it.At().Line})
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMergeEntryIterator(t *testing.T) {
	a := StreamEntries{Labels: `{a="1"}`, Entries: ents(1, 3, 5)}
	b := StreamEntries{Labels: `{a="2"}`, Entries: ents(2, 3, 6)}
	// A replica of a: every entry appears twice in the input.
	replica := StreamEntries{Labels: `{a="1"}`, Entries: ents(1, 3, 5)}
	// Same stream and time, other line: kept.
	other := StreamEntries{Labels: `{a="1"}`, Entries: []Entry{{Timestamp: 3, Line: "different"}}}

	forward := drain(t, NewStreamsIterator([]StreamEntries{a, b, replica, other}, Forward))
	want := []flat{
		{`{a="1"}`, 1, "line 1"}, {`{a="2"}`, 2, "line 2"}, {`{a="1"}`, 3, "different"},
		{`{a="1"}`, 3, "line 3"}, {`{a="2"}`, 3, "line 3"}, {`{a="1"}`, 5, "line 5"}, {`{a="2"}`, 6, "line 6"},
	}
	if !reflect.DeepEqual(forward, want) {
		t.Fatalf("forward\n got %v\nwant %v", forward, want)
	}

	rev := func(s StreamEntries) StreamEntries { s.Entries = reverse(s.Entries); return s }
	backward := drain(t, NewStreamsIterator([]StreamEntries{rev(a), rev(b), rev(replica), other}, Backward))
	wantBack := []flat{
		{`{a="2"}`, 6, "line 6"}, {`{a="1"}`, 5, "line 5"}, {`{a="1"}`, 3, "different"},
		{`{a="1"}`, 3, "line 3"}, {`{a="2"}`, 3, "line 3"}, {`{a="2"}`, 2, "line 2"}, {`{a="1"}`, 1, "line 1"},
	}
	if !reflect.DeepEqual(backward, wantBack) {
		t.Fatalf("backward\n got %v\nwant %v", backward, wantBack)
	}

	m := NewStreamsIterator([]StreamEntries{a, replica}, Forward)
	drain(t, m)
	if d := m.(DuplicateCounter).Duplicates(); d != 3 {
		t.Fatalf("duplicates %d, want 3", d)
	}
	if got := drain(t, NewMergeEntryIterator(nil, Forward)); len(got) != 0 {
		t.Fatalf("empty merge: %v", got)
	}
}

type errEntries struct{ noopEntries }

func (errEntries) Err() error { return errors.New("boom") }

func TestMergeEntryIteratorError(t *testing.T) {
	it := NewMergeEntryIterator([]EntryIterator{NewStreamIterator(StreamEntries{Labels: "{}", Entries: ents(1)}), errEntries{}}, Forward)
	for it.Next() {
	}
	if it.Err() == nil || it.Err().Error() != "boom" {
		t.Fatalf("err %v", it.Err())
	}
}

func TestMergeSampleIterator(t *testing.T) {
	s := func(ts int64, v float64, h uint64) Sample { return Sample{Timestamp: ts, Value: v, Hash: h} }
	x := SeriesSamples{Labels: `{a="1"}`, Samples: []Sample{s(1, 1, 10), s(4, 1, 11)}}
	y := SeriesSamples{Labels: `{a="2"}`, Samples: []Sample{s(2, 2, 20), s(4, 2, 21)}}
	xr := SeriesSamples{Labels: `{a="1"}`, Samples: []Sample{s(1, 1, 10), s(4, 1, 11), s(4, 1, 12)}}
	series, err := ReadSamples(NewMultiSeriesIterator([]SeriesSamples{x, y, xr}))
	if err != nil {
		t.Fatal(err)
	}
	want := []SeriesSamples{
		{Labels: `{a="1"}`, Samples: []Sample{s(1, 1, 10), s(4, 1, 11), s(4, 1, 12)}},
		{Labels: `{a="2"}`, Samples: []Sample{s(2, 2, 20), s(4, 2, 21)}},
	}
	if !reflect.DeepEqual(series, want) {
		t.Fatalf("got %v\nwant %v", series, want)
	}
}

type fakeLogStream struct{ resps []*querierpb.LogQueryResponse }

func (f *fakeLogStream) Recv() (*querierpb.LogQueryResponse, error) {
	if len(f.resps) == 0 {
		return nil, io.EOF
	}
	r := f.resps[0]
	f.resps = f.resps[1:]
	return r, nil
}

type fakeSampleStream struct {
	resps []*querierpb.SampleQueryResponse
	err   error
}

func (f *fakeSampleStream) Recv() (*querierpb.SampleQueryResponse, error) {
	if len(f.resps) == 0 {
		if f.err != nil {
			return nil, f.err
		}
		return nil, io.EOF
	}
	r := f.resps[0]
	f.resps = f.resps[1:]
	return r, nil
}

func TestWireEntriesRoundTrip(t *testing.T) {
	for _, dir := range []Direction{Forward, Backward} {
		a := StreamEntries{Labels: `{a="1"}`, Hash: 7, Entries: ents(1, 3, 5, 7, 9)}
		b := StreamEntries{Labels: `{a="2"}`, Hash: 8, Entries: ents(2, 3, 4, 8)}
		a.Entries[1].StructuredMetadata = labels.FromStrings("trace", "abc")
		b.Entries[0].Parsed = labels.FromStrings("level", "info")
		if dir == Backward {
			a.Entries, b.Entries = reverse(a.Entries), reverse(b.Entries)
		}
		in := []StreamEntries{a, b}
		want, _ := ReadEntries(NewStreamsIterator(in, dir), 0)

		fake := &fakeLogStream{}
		err := SendEntries(NewStreamsIterator(in, dir), 3, func(r *querierpb.LogQueryResponse) error {
			fake.resps = append(fake.resps, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(fake.resps) != 3 {
			t.Fatalf("%d responses for 9 entries in batches of 3", len(fake.resps))
		}
		fake.resps[0].Stats = &querierpb.QueryStats{DecompressedLines: 5}
		fake.resps[2].Stats = &querierpb.QueryStats{DecompressedLines: 4}
		it := NewLogResponseIterator(fake, dir, nil)
		got, err := ReadEntries(it, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("dir %d\n got %+v\nwant %+v", dir, got, want)
		}
		if n := it.(StatsReporter).Stats().DecompressedLines; n != 9 {
			t.Fatalf("stats %d", n)
		}
	}
}

func TestWireSamplesRoundTrip(t *testing.T) {
	x := SeriesSamples{Labels: `{a="1"}`, Hash: 1, Samples: []Sample{{1, 1, 10}, {4, 1.5, 11}}}
	y := SeriesSamples{Labels: `{a="2"}`, Hash: 2, Samples: []Sample{{2, 2, 20}, {3, 2, 21}, {5, 2, 22}}}
	want, _ := ReadSamples(NewMultiSeriesIterator([]SeriesSamples{x, y}))
	fake := &fakeSampleStream{}
	err := SendSamples(NewMultiSeriesIterator([]SeriesSamples{x, y}), 2, func(r *querierpb.SampleQueryResponse) error {
		fake.resps = append(fake.resps, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadSamples(NewSampleResponseIterator(fake, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	fake = &fakeSampleStream{err: errors.New("connection reset")}
	it := NewSampleResponseIterator(fake, func() error { return nil })
	for it.Next() {
	}
	if it.Err() == nil {
		t.Fatal("receive error not reported")
	}
}

// Two streams that a pipeline or a grouping maps to the same labels keep their equal lines;
// only replicas of one stream collapse.
func TestMergeKeepsEqualLinesOfDifferentStreams(t *testing.T) {
	a := StreamEntries{Labels: `{app="x"}`, Hash: 1, Entries: ents(1, 2)}
	b := StreamEntries{Labels: `{app="x"}`, Hash: 2, Entries: ents(1, 2)}
	aReplica := StreamEntries{Labels: `{app="x"}`, Hash: 1, Entries: ents(1, 2)}
	got := drain(t, NewStreamsIterator([]StreamEntries{a, b, aReplica}, Forward))
	if len(got) != 4 {
		t.Fatalf("got %d entries, want 4: %v", len(got), got)
	}
	s := SeriesSamples{Labels: `{}`, Hash: 1, Samples: []Sample{{1, 1, 77}}}
	o := SeriesSamples{Labels: `{}`, Hash: 2, Samples: []Sample{{1, 1, 77}}}
	series, err := ReadSamples(NewMultiSeriesIterator([]SeriesSamples{s, o, s}))
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || len(series[0].Samples) != 2 {
		t.Fatalf("got %+v, want 2 samples", series)
	}
}

func TestWireKeepsStreamsApart(t *testing.T) {
	a := SeriesSamples{Labels: `{}`, Hash: 1, Samples: []Sample{{1, 1, 77}, {2, 1, 78}}}
	b := SeriesSamples{Labels: `{}`, Hash: 2, Samples: []Sample{{1, 1, 77}}}
	fake := &fakeSampleStream{}
	if err := SendSamples(NewMultiSeriesIterator([]SeriesSamples{a, b}), 10, func(r *querierpb.SampleQueryResponse) error {
		fake.resps = append(fake.resps, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.resps[0].Series); n != 2 {
		t.Fatalf("%d series on the wire, want 2", n)
	}
	got, err := ReadSamples(NewSampleResponseIterator(fake, nil))
	if err != nil || len(got) != 1 || len(got[0].Samples) != 3 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Sources need not order the entries of one timestamp alike: a copy must be dropped even when
// other entries of that timestamp come between it and its original.
func TestMergeDropsCopiesOrderedDifferently(t *testing.T) {
	at := func(lines ...string) []Entry {
		var es []Entry
		for _, l := range lines {
			es = append(es, Entry{Timestamp: 5, Line: l})
		}
		return es
	}
	var lines []string
	for i := range 40 { // past the linear set into the map
		lines = append(lines, fmt.Sprintf("l%02d", i))
	}
	rev := slices.Clone(lines)
	slices.Reverse(rev)
	a := StreamEntries{Labels: `{app="x"}`, Hash: 1, Entries: at(lines...)}
	b := StreamEntries{Labels: `{app="x"}`, Hash: 1, Entries: at(rev...)}
	c := StreamEntries{Labels: `{app="x"}`, Hash: 1, Entries: append(at(lines[10:]...), Entry{Timestamp: 6, Line: "l00"})}
	got := drain(t, NewMergeEntryIterator([]EntryIterator{NewStreamIterator(a), NewStreamIterator(b), NewStreamIterator(c)}, Forward))
	if len(got) != 41 {
		t.Fatalf("got %d entries, want 41 (40 lines at 5, one at 6)", len(got))
	}

	// Samples: labels alternate within one stream's timestamp (structured metadata), and one
	// source groups them by labels (an ingester's response) while the other does not.
	smp := func(h uint64) Sample { return Sample{Timestamp: 5, Value: 1, Hash: h} }
	byEntry := []SampleIterator{
		NewSeriesIterator(SeriesSamples{Labels: `{t="1"}`, Hash: 9, Samples: []Sample{smp(1)}}),
		NewSeriesIterator(SeriesSamples{Labels: `{}`, Hash: 9, Samples: []Sample{smp(2)}}),
		NewSeriesIterator(SeriesSamples{Labels: `{t="1"}`, Hash: 9, Samples: []Sample{smp(3)}}),
	}
	interleaved := &concatSamples{its: byEntry}
	grouped := NewMultiSeriesIterator([]SeriesSamples{
		{Labels: `{t="1"}`, Hash: 9, Samples: []Sample{smp(1), smp(3)}},
		{Labels: `{}`, Hash: 9, Samples: []Sample{smp(2)}},
	})
	series, err := ReadSamples(NewMergeSampleIterator([]SampleIterator{interleaved, grouped}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range series {
		n += len(s.Samples)
	}
	if n != 3 {
		t.Fatalf("got %d samples, want 3: %+v", n, series)
	}
}

// concatSamples yields its iterators one after the other.
type concatSamples struct {
	its []SampleIterator
	i   int
}

func (c *concatSamples) Next() bool {
	for c.i < len(c.its) {
		if c.its[c.i].Next() {
			return true
		}
		c.i++
	}
	return false
}
func (c *concatSamples) At() Sample         { return c.its[c.i].At() }
func (c *concatSamples) Labels() string     { return c.its[c.i].Labels() }
func (c *concatSamples) StreamHash() uint64 { return c.its[c.i].StreamHash() }
func (c *concatSamples) Err() error         { return nil }
func (c *concatSamples) Close() error       { return nil }
