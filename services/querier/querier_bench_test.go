package querier

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/pkg/inproc"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// benchQuerier serves 3 replica ingesters (in process) each holding 10 streams of 2,000
// entries over the last hour, the copies the querier must merge away.
func benchQuerier(b *testing.B) http.Handler {
	src := &memSource{}
	for s := 0; s < 10; s++ {
		var es []iter.Entry
		for i := 0; i < 2000; i++ {
			es = append(es, iter.Entry{
				Timestamp: now.Add(-time.Hour + time.Duration(i)*time.Second + time.Duration(s)).UnixNano(),
				Line:      fmt.Sprintf(`level=info caller=main.go:%d msg="request served" path=/api/v1/x status=%d`, i, 200+i%5),
			})
		}
		src.add(labels.FromStrings("app", "bench", "pod", fmt.Sprintf("pod-%d", s)), es...)
	}
	var insts []ring.InstanceDesc
	clients := map[string]querierpb.QuerierClient{}
	for i := 0; i < 3; i++ {
		addr := fmt.Sprintf("i%d", i)
		insts = append(insts, ring.InstanceDesc{ID: addr, Addr: addr})
		clients[addr] = inproc.QuerierClient(&fakeIngester{src: src, batch: iter.DefaultBatchSize})
	}
	q, err := New(Config{NoAuthTenant: "fake"}, Deps{
		Ring:           ring.NewStatic(3, insts...),
		IngesterClient: func(addr string) (querierpb.QuerierClient, error) { return clients[addr], nil },
		NewEngine:      func(q logql.Querier, o logql.EngineOpts) Engine { return logql.NewEngine(o, q, nil) },
		Now:            func() time.Time { return now },
	}, nil, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	q.RegisterRoutes(mux)
	return mux
}

func benchQuery(b *testing.B, h http.Handler, params url.Values) {
	target := "/loki/api/v1/query_range?" + params.Encode()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkQueryRangeLogs: a log query returning 5,000 of 3x20,000 replicated lines.
func BenchmarkQueryRangeLogs(b *testing.B) {
	benchQuery(b, benchQuerier(b), url.Values{"query": {`{app="bench"} |= "status=200"`}, "limit": {"5000"}})
}

// BenchmarkQueryRangeMetric: sum by pod of count_over_time over 3x20,000 replicated lines.
func BenchmarkQueryRangeMetric(b *testing.B) {
	benchQuery(b, benchQuerier(b), url.Values{"query": {`sum by (pod) (count_over_time({app="bench"}[1m]))`}, "step": {"60"}})
}
