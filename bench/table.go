package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// QueryResult is the outcome of one query of the set against one target.
type QueryResult struct {
	ID, Name string
	Text     string
	Median   time.Duration
	Runs     []time.Duration // measured runs, after the warm-up
	// CPUPerRun is the server's CPU seconds per measured run (all its threads); negative if unknown.
	CPUPerRun float64
	Problem   string // "" when every run answered correctly
}

// Result is everything measured for one target. Unknown figures are negative (or NaN).
type Result struct {
	Name         string
	Dialect      Dialect
	LinesAcked   int64
	BytesAcked   int64 // raw line bytes acknowledged
	LinesFailed  int64
	IngestWall   time.Duration // first push to last acknowledgement
	CPUSeconds   float64       // server CPU from the first push until settled after the flush
	PeakRSS      int64         // bytes
	DiskBytes    int64         // data directory once flushed (after a clean stop when the harness started it)
	DiskNote     string        // what the data directory holds, per top-level entry
	Queries      []QueryResult
	IngestIssues []string
}

// LinesPerSec etc. derive the figures of the table; NaN when unknown.
func (r Result) LinesPerSec() float64 { return ratio(float64(r.LinesAcked), r.IngestWall.Seconds()) }
func (r Result) MBPerSec() float64    { return ratio(float64(r.BytesAcked)/1e6, r.IngestWall.Seconds()) }
func (r Result) MBPerCPUSec() float64 { return ratio(float64(r.BytesAcked)/1e6, r.CPUSeconds) }
func (r Result) RawPerDisk() float64  { return ratio(float64(r.BytesAcked), float64(r.DiskBytes)) }

func ratio(a, b float64) float64 {
	if b <= 0 || a < 0 {
		return math.NaN()
	}
	return a / b
}

// row is one figure of the summary table: how to show it, and whether higher is better.
type row struct {
	name  string
	value func(Result) float64
	show  func(float64) string
}

func num(format string) func(float64) string {
	return func(v float64) string {
		if math.IsNaN(v) || v < 0 {
			return "n/a"
		}
		return fmt.Sprintf(format, v)
	}
}

func ms(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "n/a"
	}
	if v < 10 {
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func queryMillis(id string) func(Result) float64 {
	return func(r Result) float64 {
		for _, q := range r.Queries {
			if q.ID == id && len(q.Runs) > 0 {
				return float64(q.Median) / float64(time.Millisecond)
			}
		}
		return math.NaN()
	}
}

func queryMark(r Result, id string) string {
	for _, q := range r.Queries {
		if q.ID == id {
			if q.Problem == "" {
				return " ✓"
			}
			return " ✗"
		}
	}
	return ""
}

// RenderMarkdown writes the summary table (figures × targets, with the ratio of the first target
// to each other one) and the per-query detail table with the answer checks.
func RenderMarkdown(w io.Writer, rs []Result) {
	rows := []row{
		{"lines acknowledged", func(r Result) float64 { return float64(r.LinesAcked) }, num("%.0f")},
		{"ingest lines/s", Result.LinesPerSec, num("%.0f")},
		{"ingest MB/s (raw line bytes)", Result.MBPerSec, num("%.1f")},
		{"server CPU-seconds (ingest + flush)", func(r Result) float64 { return r.CPUSeconds }, num("%.1f")},
		{"ingest, MB of raw log per server CPU-second", Result.MBPerCPUSec, num("%.1f")},
		{"peak RSS while ingesting (MiB)", func(r Result) float64 { return mib(r.PeakRSS) }, num("%.0f")},
		{"bytes on disk (MiB)", func(r Result) float64 { return mib(r.DiskBytes) }, num("%.1f")},
		{"raw ÷ disk", Result.RawPerDisk, num("%.2f×")},
	}
	ids := []string{"a", "b", "c", "d"}
	var qs []QueryResult
	if len(rs) > 0 {
		qs = rs[0].Queries
	}
	fmt.Fprintf(w, "| figure |")
	for _, r := range rs {
		fmt.Fprintf(w, " %s |", r.Name)
	}
	for _, r := range rs[min(1, len(rs)):] {
		fmt.Fprintf(w, " %s ÷ %s |", rs[0].Name, r.Name)
	}
	fmt.Fprintf(w, "\n|---|%s%s\n", strings.Repeat("---|", len(rs)), strings.Repeat("---|", max(0, len(rs)-1)))
	emit := func(name string, value func(Result) float64, show func(float64) string, mark func(Result) string) {
		fmt.Fprintf(w, "| %s |", name)
		for _, r := range rs {
			fmt.Fprintf(w, " %s%s |", show(value(r)), mark(r))
		}
		for _, r := range rs[min(1, len(rs)):] {
			fmt.Fprintf(w, " %s |", num("%.2f")(ratio(value(rs[0]), value(r))))
		}
		fmt.Fprintln(w)
	}
	none := func(Result) string { return "" }
	for _, rw := range rows {
		emit(rw.name, rw.value, rw.show, none)
	}
	for _, id := range ids {
		name := "(" + id + ")"
		for _, q := range qs {
			if q.ID == id {
				name = "(" + id + ") " + q.Name
			}
		}
		emit(name, queryMillis(id), ms, func(r Result) string { return queryMark(r, id) })
	}

	fmt.Fprintf(w, "\n| target | query | text | median | runs | server CPU per run | answer |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		for _, q := range r.Queries {
			runs := make([]string, len(q.Runs))
			for i, d := range q.Runs {
				runs[i] = ms(float64(d) / float64(time.Millisecond))
			}
			answer := "✓"
			if q.Problem != "" {
				answer = "✗ " + oneLine(q.Problem)
			}
			fmt.Fprintf(w, "| %s | (%s) | `%s` | %s | %s | %s | %s |\n", r.Name, q.ID, strings.ReplaceAll(q.Text, "|", `\|`),
				ms(float64(q.Median)/float64(time.Millisecond)), strings.Join(runs, ", "), ms(q.CPUPerRun*1000), answer)
		}
	}
	for _, r := range rs {
		if r.DiskNote != "" {
			fmt.Fprintf(w, "\n%s data directory: %s", r.Name, r.DiskNote)
		}
		for _, s := range r.IngestIssues {
			fmt.Fprintf(w, "\n%s: %s", r.Name, oneLine(s))
		}
	}
	fmt.Fprintln(w)
}

func mib(b int64) float64 {
	if b < 0 {
		return math.NaN()
	}
	return float64(b) / (1 << 20)
}

// Median of the durations (the lower middle one for an even count); 0 when empty.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[(len(s)-1)/2]
}
