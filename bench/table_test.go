package bench

import (
	"strings"
	"testing"
	"time"
)

func TestRenderMarkdown(t *testing.T) {
	q := func(id string, med time.Duration, problem string) QueryResult {
		return QueryResult{ID: id, Name: "q" + id, Text: "x | y", Median: med, Runs: []time.Duration{med, med}, CPUPerRun: 0.25, Problem: problem}
	}
	rs := []Result{
		{Name: "skald", LinesAcked: 1000, BytesAcked: 100e6, IngestWall: 2 * time.Second, CPUSeconds: 4, PeakRSS: 100 << 20, DiskBytes: 10e6,
			DiskNote: "objects 9.0 MiB", Queries: []QueryResult{q("a", 50*time.Millisecond, ""), q("b", 2*time.Millisecond, "counted 1 lines, want 2")}},
		{Name: "vl", LinesAcked: 1000, BytesAcked: 100e6, IngestWall: 4 * time.Second, CPUSeconds: 8, PeakRSS: -1, DiskBytes: -1,
			IngestIssues: []string{"no CPU figure"}, Queries: []QueryResult{q("a", 100*time.Millisecond, ""), q("b", 4*time.Millisecond, "")}},
	}
	var sb strings.Builder
	RenderMarkdown(&sb, rs)
	out := sb.String()
	for _, want := range []string{
		"| figure | skald | vl | skald ÷ vl |\n|---|---|---|---|\n",
		"| ingest lines/s | 500 | 250 | 2.00 |",
		"| ingest, MB of raw log per server CPU-second | 25.0 | 12.5 | 2.00 |",
		"| peak RSS while ingesting (MiB) | 100 | n/a | n/a |",
		"| raw ÷ disk | 10.00× | n/a | n/a |",
		"| (a) qa | 50 ms ✓ | 100 ms ✓ | 0.50 |",
		"| (b) qb | 2.0 ms ✗ | 4.0 ms ✓ | 0.50 |",
		"| (c) | n/a | n/a | n/a |",
		"| skald | (b) | `x \\| y` | 2.0 ms | 2.0 ms, 2.0 ms | 250 ms | ✗ counted 1 lines, want 2 |",
		"| vl | (a) | `x \\| y` | 100 ms | 100 ms, 100 ms | 250 ms | ✓ |",
		"skald data directory: objects 9.0 MiB",
		"vl: no CPU figure",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestMedian(t *testing.T) {
	f := func(want time.Duration, ds ...time.Duration) {
		t.Helper()
		if got := Median(ds); got != want {
			t.Errorf("Median(%v) = %v, want %v", ds, got, want)
		}
	}
	f(0)
	f(5, 5)
	f(2, 3, 1, 2)
	f(2, 9, 1, 2, 3)
}
