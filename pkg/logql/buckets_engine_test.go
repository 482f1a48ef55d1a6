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

// bucketData has streams with structured metadata on some entries and entries that share a
// timestamp, over [0, 600s).
func bucketData() []logqltest.Stream {
	r := rand.New(rand.NewPCG(3, 4))
	var ss []logqltest.Stream
	for i := range 12 {
		ls := labels.FromStrings("app", fmt.Sprintf("app%d", i%3), "pod", fmt.Sprintf("pod-%d", i))
		var es []iter.Entry
		for j := range 400 {
			ts := r.Int64N(600) * sec
			if j%7 == 0 {
				ts += r.Int64N(sec) // off the grid
			}
			e := iter.Entry{Timestamp: ts, Line: fmt.Sprintf(`{"level":"%s","status":%d,"n":%d}`, []string{"info", "warn", "error"}[r.IntN(3)], 200+100*r.IntN(4), j)}
			if r.IntN(5) == 0 {
				e.StructuredMetadata = labels.FromStrings("trace", fmt.Sprintf("t%d", r.IntN(3)))
			}
			es = append(es, e)
		}
		ss = append(ss, logqltest.Stream{Labels: ls, Entries: es})
	}
	return ss
}

// splitQuerier is a querier's fan-out in miniature: recent holds a copy of each stream's
// entries from some time on (an ingester), all holds everything (the store). recent answers
// with single samples; all sums into buckets except from each stream's first recent sample on,
// and the merge drops the copies, as services/querier's fan-out does.
type splitQuerier struct {
	recent, all *logqltest.Querier
}

func (q splitQuerier) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	return q.all.SelectLogs(ctx, p)
}

func (q splitQuerier) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	it, err := q.recent.WithoutBuckets().SelectSamples(ctx, p)
	if err != nil {
		return nil, err
	}
	// Read the recent source whole to learn its first times (an ingester sends them first).
	var series []iter.SeriesSamples
	idx := map[string]int{}
	first := map[uint64]int64{}
	for it.Next() {
		k := fmt.Sprint(it.Labels(), it.StreamHash())
		i, ok := idx[k]
		if !ok {
			i = len(series)
			idx[k] = i
			series = append(series, iter.SeriesSamples{Labels: it.Labels(), Hash: it.StreamHash()})
		}
		series[i].Samples = append(series[i].Samples, it.At())
		if t, ok := first[it.StreamHash()]; !ok || it.At().Timestamp < t {
			first[it.StreamHash()] = it.At().Timestamp
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	p.SingleFrom = first
	rest, err := q.all.SelectSamples(ctx, p)
	if err != nil {
		return nil, err
	}
	return iter.NewMergeSampleIterator([]iter.SampleIterator{iter.NewMultiSeriesIterator(series), rest}), nil
}

func TestBucketsNeverChangeAnswers(t *testing.T) {
	data := bucketData()
	all := logqltest.NewQuerier(data...)
	var recentStreams []logqltest.Stream
	for i, s := range data {
		if i%3 == 2 {
			continue // held by the store only
		}
		from := int64(200+40*i) * sec
		var es []iter.Entry
		for _, e := range s.Entries {
			if e.Timestamp >= from {
				es = append(es, e)
			}
		}
		recentStreams = append(recentStreams, logqltest.Stream{Labels: s.Labels, Entries: es})
	}
	queriers := map[string]logql.Querier{
		"buckets":     all,
		"split":       splitQuerier{recent: logqltest.NewQuerier(recentStreams...), all: all},
		"splitsingle": splitQuerier{recent: logqltest.NewQuerier(recentStreams...), all: all.WithoutBuckets()},
	}
	single := logql.NewEngine(logql.EngineOpts{}, all.WithoutBuckets(), nil)
	queries := []string{
		`count_over_time({app=~".+"}[%s])`,
		`sum by (app) (count_over_time({app=~".+"}[%s]))`,
		`sum(rate({app="app1"}[%s]))`,
		`bytes_over_time({app=~".+"}[%s])`,
		`sum(bytes_rate({app=~".+"} |= "error" [%s]))`,
		`sum by (level) (count_over_time({app=~".+"} | json [%s]))`,
		`count_over_time({app=~".+"} | trace="t1" [%s])`,
		`sum by (trace) (count_over_time({app=~".+"}[%s] offset 30s))`,
		`sum by (app) (count_over_time({app=~".+"} | json | status >= 400 [%s]))`,
	}
	shapes := []struct {
		step, rng time.Duration
	}{{time.Minute, time.Minute}, {30 * time.Second, 5 * time.Minute}, {7 * time.Second, time.Minute}, {5 * time.Minute, time.Minute}, {0, 10 * time.Minute}}
	for _, q := range queries {
		for _, sh := range shapes {
			p := logql.Params{Query: fmt.Sprintf(q, sh.rng), Start: 60 * sec, End: 600 * sec, Step: sh.step}
			if sh.step == 0 {
				p.Start, p.End = 500*sec+sec/3, 500*sec+sec/3
			}
			want, err := single.Exec(context.Background(), p)
			if err != nil {
				t.Fatalf("%s: %v", p.Query, err)
			}
			for name, qr := range queriers {
				got, err := logql.NewEngine(logql.EngineOpts{}, qr, nil).Exec(context.Background(), p)
				if err != nil {
					t.Fatalf("%s %s: %v", name, p.Query, err)
				}
				if !exactEqualResults(got, want) {
					t.Errorf("%s: %s step %v differs:\n got %v %v\nwant %v %v", name, p.Query, sh.step, got.Matrix, got.Vector, want.Matrix, want.Vector)
				}
			}
		}
	}
}

// exactEqualResults compares two metric results value for value (counts are whole numbers, so
// bucket sums must give the very same floats).
func exactEqualResults(a, b logql.Result) bool {
	na, nb := logqltest.Points(a), logqltest.Points(b)
	if a.Type != b.Type || len(na) != len(nb) || len(na) == 0 {
		return false
	}
	for k, v := range na {
		if w, ok := nb[k]; !ok || v != w {
			return false
		}
	}
	return true
}
