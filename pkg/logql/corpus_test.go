package logql_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/logqltest"
)

// The corpus data set. Every expected result in corpus_*_test.go is worked out by hand from
// these lines and Loki's documented semantics; keep them in sync.
const (
	a1 = `{app="api", env="prod", level="info"}`
	a2 = `{app="api", env="prod", level="error"}`
	db = `{app="db", env="prod"}`
	wb = `{app="web", env="dev"}`
)

var corpusLines = map[string]map[int64]string{
	a1: {
		10: `level=info method=GET path=/users status=200 duration=15ms size=1.5KiB user=ann`,
		20: `level=info method=POST path=/orders status=201 duration=120ms size=300B user=bob`,
		30: `level=info method=GET path=/users status=200 duration=8ms size=2KB user=ann`,
		40: `level=info method=GET path=/health status=200 duration=1ms size=10B`,
		50: `level=info method=DELETE path=/orders status=204 duration=45ms size=0B user=cy`,
		60: `level=info method=GET path=/users status=200 duration=1.5s size=4KiB user=bob`,
	},
	a2: {
		15: `level=error method=GET path=/users status=500 duration=250ms size=120B msg="db timeout"`,
		35: `level=error method=POST path=/orders status=503 duration=2s size=64B msg="upstream unavailable"`,
		55: `level=error method=GET path=/users status=500 duration=300ms size=120B msg="db timeout"`,
	},
	wb: {
		12: `{"level":"info","status":200,"latency":"20ms","user":{"id":7,"name":"ann"},"tags":["a","b"],"ip":"10.0.0.5"}`,
		24: `{"level":"warn","status":404,"latency":"5ms","user":{"id":8,"name":"bob"},"tags":["c"],"ip":"10.0.0.9"}`,
		36: `{"level":"info","status":200,"latency":"35ms","user":{"id":7,"name":"ann"},"ip":"192.168.1.20"}`,
		48: `{"level":"error","status":502,"latency":"1.2s","user":{"id":9,"name":"cy"},"tags":["a"],"ip":"172.16.0.1"}`,
		59: `not json at all`,
	},
	db: {
		5:  `10.0.0.1 - - [01/Jan/2026:00:00:05] "GET /q HTTP/1.1" 200 512`,
		25: `10.0.0.2 - - [01/Jan/2026:00:00:25] "POST /q HTTP/1.1" 500 128`,
		45: "\x1b[31mERROR\x1b[0m slow query took 900ms",
	},
	// Outside the default [0, 100s) window, queried explicitly.
	`{app="packed"}`: {
		200: `{"_entry":"original line one","pod":"p1"}`,
		210: `{"_entry":"original two","pod":"p2"}`,
	},
	`{app="sm"}`: {150: `with trace`, 160: `no trace`, 170: `other trace`},
	`{app="ctr"}`: {
		300: `count=10`, 310: `count=20`, 320: `count=30`, 330: `count=5`, 340: `count=15`, 350: `count=25`,
	},
}

// corpusMetadata is structured metadata attached to some entries.
var corpusMetadata = map[string]map[int64]labels.Labels{
	`{app="sm"}`: {150: labels.FromStrings("trace_id", "abc"), 170: labels.FromStrings("trace_id", "def")},
}

func corpusQuerier(t testing.TB) *logqltest.Querier {
	var streams []logqltest.Stream
	for ls, lines := range corpusLines {
		lbls, err := labels.Parse(ls)
		if err != nil {
			t.Fatal(err)
		}
		var es []iter.Entry
		for ts, line := range lines {
			es = append(es, iter.Entry{Timestamp: ts * sec, Line: line, StructuredMetadata: corpusMetadata[ls][ts]})
		}
		streams = append(streams, logqltest.Stream{Labels: lbls, Entries: es})
	}
	return logqltest.NewQuerier(streams...)
}

// line returns a corpus line, for expectations that depend on line lengths.
func line(stream string, ts int64) string { return corpusLines[stream][ts] }

type corpusCase struct {
	q              string
	start, end     int64 // seconds
	step, interval int64 // seconds
	limit          uint32
	dir            iter.Direction
	lines, ordered bool
	maxSeries      int
	want           string // rendered result, or "err:" and a substring of the error
}

// Constructors for the common shapes.

// logQ is a forward log query over [0, 100s) with limit 100.
func logQ(q, want string) corpusCase {
	return corpusCase{q: q, start: 0, end: 100, step: 1, limit: 100, dir: iter.Forward, want: want}
}

func logLines(q, want string) corpusCase {
	c := logQ(q, want)
	c.lines = true
	return c
}

func logBack(q string, limit uint32, want string) corpusCase {
	return corpusCase{q: q, start: 0, end: 100, step: 1, limit: limit, dir: iter.Backward, want: want}
}

func logWin(q string, start, end int64, dir iter.Direction, limit uint32, want string) corpusCase {
	return corpusCase{q: q, start: start, end: end, step: 1, limit: limit, dir: dir, want: want}
}

// inst is an instant query at t seconds.
func inst(q string, t int64, want string) corpusCase {
	return corpusCase{q: q, start: t, end: t, want: want}
}

func instOrdered(q string, t int64, want string) corpusCase {
	c := inst(q, t, want)
	c.ordered = true
	return c
}

// rng is a range query.
func rng(q string, start, end, step int64, want string) corpusCase {
	return corpusCase{q: q, start: start, end: end, step: step, want: want}
}

func fv(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

func render(r logql.Result, c corpusCase) string {
	switch r.Type {
	case logql.ValueStreams:
		var parts []string
		for _, s := range r.Streams {
			es := make([]string, len(s.Entries))
			for i, e := range s.Entries {
				if c.lines {
					es[i] = fmt.Sprintf("%d:%q", e.Timestamp/sec, e.Line)
				} else {
					es[i] = strconv.FormatInt(e.Timestamp/sec, 10)
				}
			}
			parts = append(parts, s.Labels.String()+" "+strings.Join(es, ","))
		}
		return strings.Join(parts, " | ")
	case logql.ValueVector:
		vec := append(logql.Vector(nil), r.Vector...)
		if !c.ordered {
			sort.SliceStable(vec, func(i, j int) bool { return vec[i].Metric.String() < vec[j].Metric.String() })
		}
		parts := make([]string, len(vec))
		for i, s := range vec {
			parts[i] = s.Metric.String() + "=" + fv(s.V)
		}
		return strings.Join(parts, " ")
	case logql.ValueMatrix:
		var parts []string
		for _, s := range r.Matrix {
			pts := make([]string, len(s.Points))
			for i, p := range s.Points {
				pts[i] = fmt.Sprintf("%d:%s", p.T/sec, fv(p.V))
			}
			parts = append(parts, s.Metric.String()+"=["+strings.Join(pts, " ")+"]")
		}
		return strings.Join(parts, " ")
	case logql.ValueScalar:
		return fv(r.Scalar.V)
	}
	return "?" + string(r.Type)
}

func runCorpus(t *testing.T, cases []corpusCase) {
	t.Helper()
	q := corpusQuerier(t)
	ctx := context.Background()
	for _, c := range cases {
		eng := logql.NewEngine(logql.EngineOpts{MaxQuerySeries: c.maxSeries}, q, nil)
		p := logql.Params{
			Query: c.q, Start: c.start * sec, End: c.end * sec, Step: time.Duration(c.step) * time.Second,
			Interval: time.Duration(c.interval) * time.Second, Limit: c.limit, Direction: c.dir,
		}
		res, err := eng.Exec(ctx, p)
		if strings.HasPrefix(c.want, "err:") {
			if err == nil {
				t.Errorf("%s: no error, want %q; got %s", c.q, c.want, render(res, c))
				continue
			}
			if !strings.Contains(err.Error(), strings.TrimPrefix(c.want, "err:")) {
				t.Errorf("%s:\n got error %v\nwant error containing %q", c.q, err, strings.TrimPrefix(c.want, "err:"))
			}
			if !logql.IsBadRequest(err) {
				t.Errorf("%s: error %v is not a bad request", c.q, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if got := render(res, c); got != c.want {
			t.Errorf("%s [%d,%d step %d]:\n got %s\nwant %s", c.q, c.start, c.end, c.step, got, c.want)
		}
	}
}
