package logql_test

import (
	"context"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
)

// FuzzExec runs arbitrary queries over the corpus data: the engine (and the pipeline stages
// under it) must never panic, whatever the query.
func FuzzExec(f *testing.F) {
	for _, c := range corpusLogCases {
		f.Add(c.q, int64(0), int64(100), int64(1))
	}
	for _, c := range corpusMetricCases() {
		f.Add(c.q, c.start, c.end, c.step)
	}
	q := corpusQuerier(f)
	eng := logql.NewEngine(logql.EngineOpts{MaxPoints: 200}, q, nil)
	f.Fuzz(func(t *testing.T, query string, start, end, step int64) {
		start, end, step = start%400, end%400, step%60
		p := logql.Params{Query: query, Start: start * sec, End: end * sec, Step: time.Duration(step) * time.Second, Limit: 50, Direction: iter.Direction(start & 1)}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = eng.Exec(ctx, p)
	})
}
