package logql_test

import (
	"fmt"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

func streamEntries(n int) iter.StreamEntries {
	ls := labels.FromStrings("app", "a")
	es := make([]iter.Entry, n)
	for i := range es {
		es[i] = iter.Entry{Timestamp: int64(i), Line: fmt.Sprintf("level=info msg=hello n=%d", i)}
	}
	return iter.StreamEntries{Labels: ls.String(), Hash: ls.Hash(), Entries: es}
}

func TestPipelineIterator(t *testing.T) {
	sel, err := syntax.ParseLogSelector(`{app="a"} |= "n=1" | logfmt | n > 15 | line_format "{{.n}}"`, true)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := sel.Pipeline()
	if err != nil {
		t.Fatal(err)
	}
	ss := streamEntries(20)
	it := logql.NewPipelineIterator(iter.NewStreamIterator(ss), pl.ForStream(labels.FromStrings("app", "a")))
	var got []string
	for it.Next() {
		got = append(got, fmt.Sprintf("%d %s %s %s", it.At().Timestamp, it.At().Line, it.Labels(), it.At().Parsed))
		if it.StreamHash() != ss.Hash {
			t.Fatal("stream hash not kept")
		}
	}
	want := []string{
		`16 16 {app="a", level="info", msg="hello", n="16"} {level="info", msg="hello", n="16"}`,
		`17 17 {app="a", level="info", msg="hello", n="17"} {level="info", msg="hello", n="17"}`,
		`18 18 {app="a", level="info", msg="hello", n="18"} {level="info", msg="hello", n="18"}`,
		`19 19 {app="a", level="info", msg="hello", n="19"} {level="info", msg="hello", n="19"}`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestExtractorIterator(t *testing.T) {
	se, err := syntax.ParseSampleExpr(`bytes_over_time({app="a"} |= "n=1" [1m])`)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := se.Extractor()
	if err != nil {
		t.Fatal(err)
	}
	it := logql.NewExtractorIterator(iter.NewStreamIterator(streamEntries(12)), ex.ForStream(labels.FromStrings("app", "a")))
	var got []string
	for it.Next() {
		got = append(got, fmt.Sprintf("%d=%g", it.At().Timestamp, it.At().Value))
	}
	if fmt.Sprint(got) != "[1=24 10=25 11=25]" {
		t.Fatalf("got %v", got)
	}
}

// The filter hot path allocates nothing per line: a line filter that keeps no line reads
// every stored line as a view, never a copy.
func TestPipelineIteratorFilterAllocs(t *testing.T) {
	sel, err := syntax.ParseLogSelector(`{app="a"} |= "absent" |~ "x.*y"`, true)
	if err != nil {
		t.Fatal(err)
	}
	pl, _ := sel.Pipeline()
	ss := streamEntries(1000)
	sp := pl.ForStream(labels.FromStrings("app", "a"))
	allocs := testing.AllocsPerRun(20, func() {
		it := logql.NewPipelineIterator(iter.NewStreamIterator(ss), sp)
		for it.Next() {
		}
	})
	if allocs > 5 {
		t.Fatalf("%v allocations for 1000 filtered lines", allocs)
	}
}

func BenchmarkPipelineIterator(b *testing.B) {
	for _, q := range []string{`{app="a"} |= "hello"`, `{app="a"} |= "absent"`, `{app="a"} | logfmt | n > 500`} {
		b.Run(q, func(b *testing.B) {
			sel, err := syntax.ParseLogSelector(q, true)
			if err != nil {
				b.Fatal(err)
			}
			pl, _ := sel.Pipeline()
			ss := streamEntries(10000)
			sp := pl.ForStream(labels.FromStrings("app", "a"))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it := logql.NewPipelineIterator(iter.NewStreamIterator(ss), sp)
				for it.Next() {
				}
			}
			b.ReportMetric(float64(b.N)*10000/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
