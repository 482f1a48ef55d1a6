package log

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

// flogLines returns n deterministic lines shaped like flog's output in the given format.
func flogLines(format string, n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	paths := []string{"/api/v1/users", "/checkout", "/login", "/static/app.js", "/metrics", "/orders/123"}
	levels := []string{"info", "info", "info", "warn", "error", "debug"}
	out := make([][]byte, n)
	for i := range out {
		ip := fmt.Sprintf("%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		status := []int{200, 200, 200, 201, 301, 404, 500, 503}[r.IntN(8)]
		size := r.IntN(50000)
		dur := time.Duration(r.IntN(50000)) * time.Microsecond
		m, p, lvl := methods[r.IntN(len(methods))], paths[r.IntN(len(paths))], levels[r.IntN(len(levels))]
		var s string
		switch format {
		case "json":
			s = fmt.Sprintf(`{"host":"%s","user-identifier":"-","datetime":"25/Nov/2026:14:%02d:%02d +0000","method":"%s","request":"%s","protocol":"HTTP/1.1","status":%d,"bytes":%d,"referer":"https://example.com%s","level":"%s","duration":"%s"}`,
				ip, i%60, i%60, m, p, status, size, p, lvl, dur)
		case "logfmt":
			s = fmt.Sprintf(`ts=2026-11-25T14:%02d:%02d.000Z level=%s caller=handler.go:%d method=%s path=%s status=%d bytes=%d duration=%s msg="request served" trace_id=%016x`,
				i%60, i%60, lvl, 100+i%50, m, p, status, size, dur, r.Uint64())
		default: // apache common
			s = fmt.Sprintf(`%s - - [25/Nov/2026:14:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d`, ip, i%60, i%60, m, p, status, size)
		}
		out[i] = []byte(s)
	}
	return out
}

func benchPipeline(b *testing.B, lines [][]byte, stages []Stage) {
	sp := NewPipeline(stages).ForStream(labels.FromStrings("app", "bench", "env", "prod"))
	var bytes int64
	for _, l := range lines {
		bytes += int64(len(l))
	}
	b.SetBytes(bytes / int64(len(lines)))
	measure(b, func(i int) { sp.Process(int64(i), lines[i%len(lines)], nil) })
}

// measure runs f b.N times and reports lines per CPU-second of the benchmark's thread.
func measure(b *testing.B, f func(i int)) {
	b.ReportAllocs()
	lockThread()
	defer unlockThread()
	b.ResetTimer()
	start := threadCPU()
	for i := 0; i < b.N; i++ {
		f(i)
	}
	if cpu := threadCPU() - start; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	}
}

func mustFilterStage(b *testing.B, op LineFilterOp, m string) Stage {
	f, err := NewLineFilter(op, m)
	if err != nil {
		b.Fatal(err)
	}
	return NewFilterStage(f)
}

func BenchmarkPipeline(b *testing.B) {
	apache := flogLines("apache", 1000)
	js := flogLines("json", 1000)
	lf := flogLines("logfmt", 1000)
	b.Run(`|= "x"`, func(b *testing.B) {
		benchPipeline(b, apache, []Stage{mustFilterStage(b, LineMatchEqual, "checkout")})
	})
	b.Run(`|~ "a.*b"`, func(b *testing.B) {
		benchPipeline(b, apache, []Stage{mustFilterStage(b, LineMatchRegexp, "PO.*out")})
	})
	b.Run(`|~ "(?i)error"`, func(b *testing.B) {
		benchPipeline(b, lf, []Stage{mustFilterStage(b, LineMatchRegexp, "(?i)ERROR")})
	})
	b.Run(`|= ip("10.0.0.0/8")`, func(b *testing.B) {
		f, err := NewIPLineFilter("10.0.0.0/8", false)
		if err != nil {
			b.Fatal(err)
		}
		benchPipeline(b, apache, []Stage{NewFilterStage(f)})
	})
	b.Run(`| json`, func(b *testing.B) {
		benchPipeline(b, js, []Stage{NewJSONParser()})
	})
	b.Run(`| json | status >= 500`, func(b *testing.B) {
		benchPipeline(b, js, []Stage{NewJSONParser(), NewNumericLabelFilter(LabelFilterGreaterThanOrEqual, "status", 500)})
	})
	b.Run(`| json status="status"`, func(b *testing.B) {
		p := mustStage(NewJSONExpressionParser([]LabelExtractionExpr{{"status", "status"}}))
		benchPipeline(b, js, []Stage{p})
	})
	b.Run(`| logfmt | duration > 10ms`, func(b *testing.B) {
		benchPipeline(b, lf, []Stage{NewLogfmtParser(false, false), NewDurationLabelFilter(LabelFilterGreaterThan, "duration", 10*time.Millisecond)})
	})
	b.Run(`| pattern`, func(b *testing.B) {
		p := mustStage(NewPatternParser(`<ip> - - [<_>] "<method> <path> <_>" <status> <size>`))
		benchPipeline(b, apache, []Stage{p})
	})
	b.Run(`| regexp`, func(b *testing.B) {
		p := mustStage(NewRegexpParser(`"(?P<method>\w+) (?P<path>\S+)`))
		benchPipeline(b, apache, []Stage{p})
	})
	b.Run(`| line_format`, func(b *testing.B) {
		p := mustStage(NewLineFormatter(`{{.method}} {{.path}}`))
		benchPipeline(b, lf, []Stage{NewLogfmtParser(false, false), p})
	})
}

// BenchmarkCountOverTimeByLevel is the extractor of
// sum by (level) (count_over_time({…} | logfmt|json [1m])); "hints off" adds a pass-through
// stage that disables parser hints, to show what they save.
func BenchmarkCountOverTimeByLevel(b *testing.B) {
	passthrough := StageFunc(func(_ int64, line []byte, _ *LabelsBuilder) ([]byte, bool) { return line, true })
	for _, format := range []string{"logfmt", "json"} {
		lines := flogLines(format, 1000)
		parser := NewLogfmtParser(false, false)
		if format == "json" {
			parser = NewJSONParser()
		}
		for _, hints := range []bool{true, false} {
			stages := []Stage{parser}
			name := format + "/hints"
			if !hints {
				stages = append(stages, passthrough)
				name = format + "/hints_off"
			}
			b.Run(name, func(b *testing.B) {
				ex := NewLineSampleExtractor(CountExtraction, stages, &Grouping{Groups: []string{"level"}})
				se := ex.ForStream(labels.FromStrings("app", "bench"))
				measure(b, func(i int) { se.Process(int64(i), lines[i%len(lines)], nil) })
			})
		}
	}
}

// BenchmarkCountOverTimeStreamLabel is sum by (level) (count_over_time({…} |= "GET" [1m])) where
// level is a stream label: labels never change, so no per-line label work is done.
func BenchmarkCountOverTimeStreamLabel(b *testing.B) {
	lines := flogLines("apache", 1000)
	f, err := NewLineFilter(LineMatchEqual, "GET")
	if err != nil {
		b.Fatal(err)
	}
	ex := NewLineSampleExtractor(CountExtraction, []Stage{NewFilterStage(f)}, &Grouping{Groups: []string{"level"}})
	se := ex.ForStream(labels.FromStrings("app", "bench", "level", "info"))
	measure(b, func(i int) { se.Process(int64(i), lines[i%len(lines)], nil) })
}

// BenchmarkJSONStatusCount is the extractor of sum(count_over_time({…} | json | status >= 500
// [5m])): the engine pushes `by ()` down, so the json parser is hinted to `status` only;
// "hints off" adds a pass-through stage that disables the hints (the full parse).
func BenchmarkJSONStatusCount(b *testing.B) {
	passthrough := StageFunc(func(_ int64, line []byte, _ *LabelsBuilder) ([]byte, bool) { return line, true })
	lines := flogLines("json", 1000)
	for _, hints := range []bool{true, false} {
		stages := []Stage{NewJSONParser(), NewNumericLabelFilter(LabelFilterGreaterThanOrEqual, "status", 500)}
		name := "hints"
		if !hints {
			stages = append(stages, passthrough)
			name = "hints_off"
		}
		b.Run(name, func(b *testing.B) {
			se := NewLineSampleExtractor(CountExtraction, stages, &Grouping{}).ForStream(labels.FromStrings("app", "bench"))
			measure(b, func(i int) { se.Process(int64(i), lines[i%len(lines)], nil) })
		})
	}
}
