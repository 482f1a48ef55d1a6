package logql_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/logqltest"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

const sec = int64(time.Second)

// smallData: foo/info logs every second 1..10 s, foo/error every 2 s, bar/info once at 5 s.
func smallData() *logqltest.Querier {
	var info, errs []iter.Entry
	for i := int64(1); i <= 10; i++ {
		info = append(info, iter.Entry{Timestamp: i * sec, Line: fmt.Sprintf("level=info msg=\"line %d\" duration=%dms", i, i*10)})
		if i%2 == 0 {
			errs = append(errs, iter.Entry{Timestamp: i * sec, Line: fmt.Sprintf("level=error msg=\"line %d\" status=500", i)})
		}
	}
	return logqltest.NewQuerier(
		logqltest.Stream{Labels: labels.FromStrings("app", "foo", "level", "info"), Entries: info},
		logqltest.Stream{Labels: labels.FromStrings("app", "foo", "level", "error"), Entries: errs},
		logqltest.Stream{Labels: labels.FromStrings("app", "bar", "level", "info"), Entries: []iter.Entry{{Timestamp: 5 * sec, Line: "bar line"}}},
	)
}

func TestEngineBasics(t *testing.T) {
	eng := logql.NewEngine(logql.EngineOpts{}, smallData(), nil)
	ctx := context.Background()

	res, err := eng.Exec(ctx, logql.Params{Query: `{app="foo"} |= "error"`, Start: 0, End: 11 * sec, Limit: 100, Direction: iter.Forward})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != logql.ValueStreams || len(res.Streams) != 1 || len(res.Streams[0].Entries) != 5 {
		t.Fatalf("got %+v", res)
	}

	res, err = eng.Exec(ctx, logql.Params{Query: `{app="foo"}`, Start: 0, End: 11 * sec, Limit: 3, Direction: iter.Backward})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.EntriesReturned != 3 {
		t.Fatalf("entries %d", res.Stats.EntriesReturned)
	}

	res, err = eng.Exec(ctx, logql.Params{Query: `sum by (level) (count_over_time({app="foo"}[5s]))`, Start: 10 * sec, End: 10 * sec})
	if err != nil {
		t.Fatal(err)
	}
	got := vectorString(res.Vector)
	if want := `{level="error"}=3 {level="info"}=5`; got != want {
		t.Fatalf("got %s want %s", got, want)
	}

	_, err = eng.Exec(ctx, logql.Params{Query: `{app="foo"}`, Start: sec, End: sec})
	if err == nil || !logql.IsBadRequest(err) || !strings.Contains(err.Error(), "instant query") {
		t.Fatalf("instant log query: %v", err)
	}
	_, err = eng.Exec(ctx, logql.Params{Query: `{app="foo"}`, Start: 0, End: sec, Limit: 5001})
	if err == nil || err.Error() != "max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)" || !errors.Is(err, logql.ErrLimit) {
		t.Fatalf("limit: %v", err)
	}
}

func vectorString(v logql.Vector) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = fmt.Sprintf("%s=%g", s.Metric, s.V)
	}
	return strings.Join(parts, " ")
}

// recordingQuerier records the sample expressions the engine hands to the data source, and
// sends them through their text form as the querier → ingester RPC does.
type recordingQuerier struct {
	logql.Querier
	exprs []string
}

func (r *recordingQuerier) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	r.exprs = append(r.exprs, p.Expr.String())
	se, err := syntax.ParseSampleExpr(p.Expr.String())
	if err != nil {
		return nil, err
	}
	p.Expr = se
	return r.Querier.SelectSamples(ctx, p)
}

func TestGroupingPushDown(t *testing.T) {
	f := func(q, wantSent, wantResult string) {
		t.Helper()
		rq := &recordingQuerier{Querier: smallData()}
		eng := logql.NewEngine(logql.EngineOpts{}, rq, nil)
		res, err := eng.Exec(context.Background(), logql.Params{Query: q, Start: 10 * sec, End: 10 * sec})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(rq.exprs) != 1 || rq.exprs[0] != wantSent {
			t.Errorf("%s: sent %q, want %q", q, rq.exprs, wantSent)
		}
		if got := vectorString(res.Vector); got != wantResult {
			t.Errorf("%s: got %s want %s", q, got, wantResult)
		}
	}
	f(`sum by (level) (count_over_time({app="foo"} | logfmt [1m]))`,
		`count_over_time({app="foo"} | logfmt [1m]) by (level)`, `{level="error"}=5 {level="info"}=10`)
	f(`sum(rate({app="foo"}[10s]))`, `rate({app="foo"} [10s]) by ()`, `{}=1.5`)
	f(`max by (level) (max_over_time({app="foo", level="info"} | logfmt | unwrap duration(duration) [1m]))`,
		`max_over_time({app="foo", level="info"} | logfmt | unwrap duration(duration) [1m]) by (level)`, `{level="info"}=0.1`)
	// Not equivalent, so not pushed: avg, count, and min over a sum.
	f(`count by (level) (count_over_time({app="foo"}[1m]))`, `count_over_time({app="foo"} [1m])`, `{level="error"}=1 {level="info"}=1`)
	f(`min(sum_over_time({app="foo", level="info"} | logfmt | unwrap duration(duration) [1m]))`, `sum_over_time({app="foo", level="info"} | logfmt | unwrap duration(duration) [1m])`, `{}=0.01`)
}
