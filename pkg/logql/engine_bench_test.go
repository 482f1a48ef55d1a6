package logql_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/logqltest"
)

const (
	benchStreams   = 8
	benchPerStream = 5000
)

// flogData generates flog-like lines: Apache common log, JSON and logfmt streams, one line
// per 100 ms per stream, so every benchmark query scans benchStreams*benchPerStream lines of
// its format.
func flogData() (*logqltest.Querier, int64) {
	r := rand.New(rand.NewPCG(7, 9))
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	paths := []string{"/api/users", "/api/orders", "/health", "/static/app.js", "/login"}
	levels := []string{"info", "info", "info", "warn", "error"}
	statuses := []int{200, 200, 200, 201, 204, 301, 404, 500, 503}
	var streams []logqltest.Stream
	var bytes int64
	for f, format := range []string{"apache", "json", "logfmt"} {
		for s := 0; s < benchStreams; s++ {
			ls := labels.FromStrings("format", format, "pod", fmt.Sprintf("pod-%d", s), "level", levels[(s+f)%len(levels)])
			es := make([]iter.Entry, benchPerStream)
			for i := range es {
				ts := int64(i) * int64(100*time.Millisecond)
				m, p, st := methods[r.IntN(len(methods))], paths[r.IntN(len(paths))], statuses[r.IntN(len(statuses))]
				ip := fmt.Sprintf("%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
				var line string
				switch format {
				case "apache":
					line = fmt.Sprintf(`%s - user%d [25/Nov/2026:14:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d`, ip, r.IntN(1000), i/6000%60, i/100%60, m, p, st, r.IntN(50000))
				case "json":
					line = fmt.Sprintf(`{"host":"%s","user":"user%d","method":"%s","path":"%s","status":%d,"bytes":%d,"latency_ms":%d}`, ip, r.IntN(1000), m, p, st, r.IntN(50000), r.IntN(800))
				case "logfmt":
					line = fmt.Sprintf(`ts=2026-11-25T14:00:00Z level=%s method=%s path=%s status=%d duration=%dms bytes=%d msg="request served"`, levels[r.IntN(len(levels))], m, p, st, r.IntN(40), r.IntN(50000))
				}
				es[i] = iter.Entry{Timestamp: ts, Line: line}
				bytes += int64(len(line))
			}
			streams = append(streams, logqltest.Stream{Labels: ls, Entries: es})
		}
	}
	return logqltest.NewQuerier(streams...), bytes
}

func BenchmarkEngine(b *testing.B) {
	q, _ := flogData()
	eng := logql.NewEngine(logql.EngineOpts{}, q, nil)
	end := int64(benchPerStream) * int64(100*time.Millisecond)
	lines := float64(benchStreams * benchPerStream)
	cases := []struct {
		name, query string
		log         bool
	}{
		{"line_contains", `sum(count_over_time({format="apache"} |= "x" [1h]))`, false},
		{"line_contains_needle_log", `{format="apache"} |= "user999 "`, true},
		{"line_regexp", `sum(count_over_time({format="apache"} |~ "a.*b" [1h]))`, false},
		{"json_status", `sum(count_over_time({format="json"} | json | status >= 500 [1h]))`, false},
		{"logfmt_duration", `sum(count_over_time({format="logfmt"} | logfmt | duration > 10ms [1h]))`, false},
		{"pattern", `sum(count_over_time({format="apache"} | pattern "<ip> - <user> [<_>] \"<method> <path> <_>\" <status> <size>" [1h]))`, false},
		{"sum_by_level_count_1m", `sum by (level) (count_over_time({format="logfmt"}[1m]))`, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p := logql.Params{Query: c.query, Start: end, End: end}
			if c.log {
				p = logql.Params{Query: c.query, Start: 0, End: end, Step: time.Second, Limit: 100, Direction: iter.Backward}
			}
			if c.name == "sum_by_level_count_1m" {
				p = logql.Params{Query: c.query, Start: int64(time.Minute), End: end, Step: 10 * time.Second}
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := eng.Exec(context.Background(), p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(lines*float64(b.N)/time.Since(start).Seconds(), "lines/s")
		})
	}
}
