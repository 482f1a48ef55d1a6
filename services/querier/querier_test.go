package querier

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/buildinfo"
	"github.com/skaldlogs/skald/pkg/inproc"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// now is the test clock: data sits in the hour before it.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func ts(minutesAgo int) int64 { return now.Add(-time.Duration(minutesAgo) * time.Minute).UnixNano() }

type env struct {
	srv       *httptest.Server
	ingesters []*fakeIngester
	store     *memSource
}

type envOpts struct {
	ingesters   []*fakeIngester
	rf          int
	store       *memSource
	storeImpl   Store // instead of store
	limits      Limits
	auth        bool
	within      time.Duration
	tailPoll    time.Duration
	maxTails    int
	engineWraps func(Engine) Engine
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	var insts []ring.InstanceDesc
	clients := map[string]querierpb.QuerierClient{}
	for i, ing := range o.ingesters {
		addr := fmt.Sprintf("ingester-%d:9095", i)
		insts = append(insts, ring.InstanceDesc{ID: addr, Addr: addr, State: ring.Active})
		clients[addr] = inproc.QuerierClient(ing)
	}
	deps := Deps{
		IngesterClient: func(addr string) (querierpb.QuerierClient, error) {
			c, ok := clients[addr]
			if !ok {
				return nil, errors.New("unknown ingester")
			}
			return c, nil
		},
		Limits: o.limits,
		NewEngine: func(q logql.Querier, eo logql.EngineOpts) Engine {
			var e Engine = logql.NewEngine(eo, q, nil)
			if o.engineWraps != nil {
				e = o.engineWraps(e)
			}
			return e
		},
		BuildInfo: buildinfo.Info{Version: "1.2.3", Revision: "abc", Branch: "main", GoVersion: "go1.26"},
		Now:       func() time.Time { return now },
	}
	if len(insts) > 0 {
		deps.Ring = ring.NewStatic(max(o.rf, 1), insts...)
	}
	if o.store != nil {
		deps.Store = o.store
	}
	if o.storeImpl != nil {
		deps.Store = o.storeImpl
	}
	cfg := Config{AuthEnabled: o.auth, NoAuthTenant: "fake", QueryIngestersWithin: o.within,
		TailPollInterval: o.tailPoll, MaxConcurrentTailRequests: o.maxTails}
	q, err := New(cfg, deps, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	q.RegisterRoutes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{srv: srv, ingesters: o.ingesters, store: o.store}
}

func (e *env) get(t *testing.T, path string, params url.Values, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path+"?"+params.Encode(), nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func entries(lines ...string) []iter.Entry {
	var out []iter.Entry
	for i, l := range lines {
		out = append(out, iter.Entry{Timestamp: ts(len(lines) - i), Line: l})
	}
	return out
}

// standardData: app=a has 3 lines (1 in the store only, 2 in the ingesters, one of them also
// flushed to the store), app=b 1 line in the ingesters.
func standardData() (ingester, store *memSource) {
	a := labels.FromStrings("app", "a", "env", "prod")
	b := labels.FromStrings("app", "b", "env", "dev")
	ingester = (&memSource{}).
		add(a, iter.Entry{Timestamp: ts(2), Line: "a2 error"}, iter.Entry{Timestamp: ts(1), Line: "a3 ok"}).
		add(b, iter.Entry{Timestamp: ts(1), Line: "b1 error"})
	store = (&memSource{}).add(a, iter.Entry{Timestamp: ts(3), Line: "a1 ok"}, iter.Entry{Timestamp: ts(2), Line: "a2 error"})
	return ingester, store
}

// replicated returns rf fake ingesters holding the same data, as the ring's replicas do.
func replicated(src *memSource, rf int) []*fakeIngester {
	var out []*fakeIngester
	for i := 0; i < rf; i++ {
		out = append(out, &fakeIngester{src: src})
	}
	return out
}

func decode(t *testing.T, body string) *loghttp.QueryResult {
	t.Helper()
	res, err := loghttp.DecodeQueryResponse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return res
}

func TestQueryRangeStreamsDeduplicated(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 3), rf: 3, store: store})
	code, body, hdr := e.get(t, "/loki/api/v1/query_range", url.Values{"query": {`{env=~".+"}`}, "limit": {"100"}})
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	res := decode(t, body)
	if res.Type != loghttp.ResultStreams {
		t.Fatalf("type %s", res.Type)
	}
	got := map[string][]string{}
	for _, s := range res.Streams {
		for _, en := range s.Entries {
			got[s.Labels.String()] = append(got[s.Labels.String()], en.Line)
		}
	}
	want := map[string][]string{
		`{app="a", env="prod"}`: {"a3 ok", "a2 error", "a1 ok"}, // backward, each line once
		`{app="b", env="dev"}`:  {"b1 error"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if res.Stats.Ingester.TotalReached != 3 || res.Stats.Summary.TotalEntriesReturned != 4 {
		t.Fatalf("stats %+v %+v", res.Stats.Ingester, res.Stats.Summary)
	}
	if res.Stats.Querier.Store.Chunk.TotalDuplicates == 0 {
		t.Fatal("no duplicates counted although three replicas and the store overlap")
	}
	if res.Stats.Ingester.Store.Chunk.HeadChunkLines == 0 || res.Stats.Summary.TotalLinesProcessed == 0 {
		t.Fatalf("ingester chunk stats not carried: %+v", res.Stats.Ingester.Store.Chunk)
	}
}

func TestQueryRangeLimitAndDirection(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 2), rf: 2, store: store})
	f := func(dir string, limit int, want ...string) {
		t.Helper()
		code, body, _ := e.get(t, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "limit": {fmt.Sprint(limit)}, "direction": {dir}})
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var got []string
		for _, s := range decode(t, body).Streams {
			for _, en := range s.Entries {
				got = append(got, en.Line)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s limit %d: got %v, want %v", dir, limit, got, want)
		}
	}
	f("forward", 2, "a1 ok", "a2 error")
	f("backward", 2, "a3 ok", "a2 error")
	f("forward", 10, "a1 ok", "a2 error", "a3 ok")
}

func TestQueryRangeMatrix(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 3), rf: 3, store: store})
	params := url.Values{
		"query": {`sum by (app) (count_over_time({env=~".+"} |= "error" [1h]))`},
		"start": {fmt.Sprint(now.Add(-time.Minute).UnixNano())},
		"end":   {fmt.Sprint(now.UnixNano())},
		"step":  {"60000ms"},
	}
	code, body, _ := e.get(t, "/loki/api/v1/query_range", params)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	res := decode(t, body)
	if res.Type != loghttp.ResultMatrix || len(res.Matrix) != 2 {
		t.Fatalf("%s", body)
	}
	for _, s := range res.Matrix {
		// Each error line once, although it sits in three replicas (and the store for a2).
		last := s.Points[len(s.Points)-1]
		if last.V != 1 || last.T != now.UnixNano() {
			t.Fatalf("%s: %+v", s.Metric, s.Points)
		}
	}
	if !strings.Contains(body, fmt.Sprintf(`[%d,"1"]`, now.Unix())) {
		t.Fatalf("points not in Loki's [seconds, \"value\"] form: %s", body)
	}
}

func TestInstantQuery(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 1), store: store})
	// Grafana's health check: time = 4s as nanoseconds, on an empty window.
	code, body, _ := e.get(t, "/loki/api/v1/query", url.Values{"query": {"vector(1)+vector(1)"}, "time": {"4000000000"}})
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	res := decode(t, body)
	if res.Type != loghttp.ResultVector || len(res.Vector) != 1 || res.Vector[0].V != 2 || !strings.Contains(body, `"value":[`) || !strings.Contains(body, `,"2"]`) {
		t.Fatalf("health check answer: %s", body)
	}
	code, body, _ = e.get(t, "/loki/api/v1/query", url.Values{"query": {`count_over_time({app="a"}[10m])`}, "time": {now.Format(time.RFC3339Nano)}})
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	res = decode(t, body)
	if len(res.Vector) != 1 || res.Vector[0].V != 3 {
		t.Fatalf("count_over_time: %s", body)
	}
	code, body, _ = e.get(t, "/loki/api/v1/query", url.Values{"query": {`{app="a"}`}})
	if code != 400 {
		t.Fatalf("log query as instant: %d %s", code, body)
	}
}

func TestQueryErrors(t *testing.T) {
	ing, store := standardData()
	f := func(o envOpts, path string, params url.Values, wantCode int, wantBody string, hdr ...string) {
		t.Helper()
		e := newEnv(t, o)
		code, body, h := e.get(t, path, params, hdr...)
		if code != wantCode || !strings.Contains(body, wantBody) {
			t.Fatalf("%s %v: %d %q, want %d %q", path, params, code, body, wantCode, wantBody)
		}
		if code >= 400 && h.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("error content type %q", h.Get("Content-Type"))
		}
	}
	base := envOpts{ingesters: replicated(ing, 1), store: store}
	f(base, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"`}}, 400, "parse error")
	f(base, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "step": {"0"}}, 400, "zero or negative query resolution step widths are not accepted")
	f(base, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "limit": {"5001"}}, 400, "max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)")
	f(base, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "start": {"1"}, "step": {"1000000"}}, 400, "the query time range exceeds the limit (query length: ")
	f(base, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "direction": {"sideways"}}, 400, "invalid direction")

	auth := base
	auth.auth = true
	f(auth, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}}, 401, "no org id")
	f(auth, "/loki/api/v1/labels", nil, 401, "no org id")
	f(auth, "/loki/api/v1/labels", nil, 200, `"app"`, "X-Scope-OrgID", "tenant-1")
	f(auth, "/loki/api/v1/status/buildinfo", nil, 200, `"version":"1.2.3"`)

	// An ingester failing beyond the replication set's tolerance fails the query (500);
	// one failure among three replicas does not.
	broken := &fakeIngester{src: ing, err: errors.New("disk on fire")}
	f(envOpts{ingesters: []*fakeIngester{broken}, store: store}, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}}, 500, "disk on fire")
	f(envOpts{ingesters: append(replicated(ing, 2), broken), rf: 3, store: store}, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}}, 200, "a3 ok")
	slow := &fakeIngester{src: ing, err: status.Error(codes.DeadlineExceeded, "slow")}
	f(envOpts{ingesters: []*fakeIngester{slow}}, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}}, 504, loghttp.ErrTimeoutText)

	timeout := base
	timeout.limits = shortTimeout{}
	timeout.engineWraps = func(e Engine) Engine { return blockingEngine{} }
	f(timeout, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}}, 504, loghttp.ErrTimeoutText)

	// A tenant allowed more than Loki's 5000 lines gets them: the engine runs with its limits.
	big := base
	big.limits = bigLimits{}
	f(big, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "limit": {"6000"}}, 200, "a3 ok")
	f(big, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}, "limit": {"20001"}}, 400, "(20001 > 20000)")

	series := base
	series.limits = oneSeries{}
	f(series, "/loki/api/v1/query", url.Values{"query": {`count_over_time({env=~".+"}[1h])`}}, 400, "maximum number of series (1) reached for a single query")
	f(series, "/loki/api/v1/query", url.Values{"query": {`sum(count_over_time({env=~".+"}[1h]))`}}, 200, `"vector"`)

	req, _ := http.NewRequest(http.MethodDelete, newEnv(t, base).srv.URL+"/loki/api/v1/labels", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 405 {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	resp.Body.Close()
}

type shortTimeout struct{ DefaultLimits }

func (shortTimeout) QueryTimeout(string) time.Duration { return 20 * time.Millisecond }

type bigLimits struct{ DefaultLimits }

func (bigLimits) MaxEntriesLimitPerQuery(string) int { return 20000 }

type oneSeries struct{ DefaultLimits }

func (oneSeries) MaxQuerySeries(string) int { return 1 }

type blockingEngine struct{}

func (blockingEngine) Exec(ctx context.Context, _ logql.Params) (logql.Result, error) {
	<-ctx.Done()
	return logql.Result{}, ctx.Err()
}

func TestCategorizedLabels(t *testing.T) {
	src := (&memSource{}).add(labels.FromStrings("app", "a"),
		iter.Entry{Timestamp: ts(1), Line: `{"level":"error"}`, StructuredMetadata: labels.FromStrings("trace_id", "t1")})
	e := newEnv(t, envOpts{ingesters: replicated(src, 1)})
	q := url.Values{"query": {`{app="a"} | json`}}
	code, body, _ := e.get(t, "/loki/api/v1/query_range", q, loghttp.EncodingFlagsHeader, loghttp.FlagCategorizeLabels)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	want := `"encodingFlags":["categorize-labels"],"result":[{"stream":{"app":"a"},"values":[["` + fmt.Sprint(ts(1)) + `","{\"level\":\"error\"}",{"structuredMetadata":{"trace_id":"t1"},"parsed":{"level":"error"}}]]}]`
	if !strings.Contains(body, want) {
		t.Fatalf("got %s\nwant %s", body, want)
	}
	code, body, _ = e.get(t, "/loki/api/v1/query_range", q)
	if code != 200 || !strings.Contains(body, `"stream":{"app":"a","level":"error","trace_id":"t1"}`) {
		t.Fatalf("uncategorised: %d %s", code, body)
	}

	// Lines of one stream whose parsed labels differ are separate result streams, but one
	// stream when categorised, newest first.
	src.add(labels.FromStrings("app", "a"), iter.Entry{Timestamp: ts(1) + 1, Line: `{"level":"info"}`})
	code, body, _ = e.get(t, "/loki/api/v1/query_range", q, loghttp.EncodingFlagsHeader, loghttp.FlagCategorizeLabels)
	info, errLine := strings.Index(body, `level\":\"info`), strings.Index(body, `level\":\"error`)
	if code != 200 || strings.Count(body, `"stream":`) != 1 || info < 0 || errLine < 0 || info > errLine {
		t.Fatalf("categorised merge: %d %s", code, body)
	}
	code, body, _ = e.get(t, "/loki/api/v1/query_range", q)
	if code != 200 || strings.Count(body, `"stream":`) != 2 {
		t.Fatalf("uncategorised streams: %d %s", code, body)
	}
}

func TestLabelsAndSeries(t *testing.T) {
	ing, store := standardData()
	store.add(labels.FromStrings("app", "old", "region", "eu"), iter.Entry{Timestamp: ts(5), Line: "x"})
	e := newEnv(t, envOpts{ingesters: replicated(ing, 2), rf: 2, store: store})
	f := func(path string, params url.Values, want string) {
		t.Helper()
		code, body, _ := e.get(t, path, params)
		if code != 200 || strings.TrimSpace(body) != want {
			t.Fatalf("%s %v: %d %s\nwant %s", path, params, code, body, want)
		}
	}
	f("/loki/api/v1/labels", nil, `{"status":"success","data":["app","env","region"]}`)
	f("/loki/api/v1/labels", url.Values{"query": {`{env="dev"}`}}, `{"status":"success","data":["app","env"]}`)
	f("/loki/api/v1/label/app/values", nil, `{"status":"success","data":["a","b","old"]}`)
	f("/api/prom/label/app/values", url.Values{"query": {`{env="prod"}`}}, `{"status":"success","data":["a"]}`)
	f("/loki/api/v1/label/nope/values", nil, `{"status":"success","data":[]}`)
	f("/loki/api/v1/series", url.Values{"match[]": {`{app=~"a|old"}`, `{env="dev"}`}},
		`{"status":"success","data":[{"app":"a","env":"prod"},{"app":"b","env":"dev"},{"app":"old","region":"eu"}]}`)
	f("/loki/api/v1/index/stats", url.Values{"query": {`{app=~".+"}`}}, `{"streams":3,"chunks":0,"entries":0,"bytes":0}`)
	f("/loki/api/v1/format_query", url.Values{"query": {`{app="a"}|="x"`}}, `{"status":"success","data":"{app=\"a\"} |= \"x\""}`)

	// Series and index/stats take POST form bodies too.
	resp, err := http.PostForm(e.srv.URL+"/loki/api/v1/series", url.Values{"match[]": {`{app="b"}`}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"status":"success","data":[{"app":"b","env":"dev"}]}` {
		t.Fatalf("POST series: %d %s", resp.StatusCode, b)
	}

	code, body, _ := e.get(t, "/loki/api/v1/series", nil)
	if code != 400 {
		t.Fatalf("series without match[]: %d %s", code, body)
	}
	code, body, _ = e.get(t, "/loki/api/v1/labels", url.Values{"query": {`{app=`}})
	if code != 400 {
		t.Fatalf("bad selector: %d %s", code, body)
	}
	var bi buildinfo.Info
	code, body, _ = e.get(t, "/loki/api/v1/status/buildinfo", nil)
	if err := json.Unmarshal([]byte(body), &bi); code != 200 || err != nil || bi.Revision != "abc" {
		t.Fatalf("buildinfo: %d %s", code, body)
	}
}

func TestIngesterWindow(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 1), store: store, within: 30 * time.Minute})
	old := url.Values{"query": {`{app="a"}`}, "start": {fmt.Sprint(now.Add(-3 * time.Hour).UnixNano())}, "end": {fmt.Sprint(now.Add(-2 * time.Hour).UnixNano())}}
	if code, body, _ := e.get(t, "/loki/api/v1/query_range", old); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if n := ing.count(); n != 0 {
		t.Fatalf("ingesters asked %d times for data older than query_ingesters_within", n)
	}
	if code, body, _ := e.get(t, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}}); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if ing.count() != 1 || store.count() != 2 {
		t.Fatalf("ingester calls %d, store calls %d", ing.count(), store.count())
	}
}

func TestPromDuration(t *testing.T) {
	f := func(d time.Duration, want string) {
		t.Helper()
		if got := promDuration(d); got != want {
			t.Fatalf("promDuration(%v) = %s, want %s", d, got, want)
		}
	}
	f(0, "0s")
	f(30*24*time.Hour+time.Hour, "30d1h")
	f(1500*time.Millisecond, "1s500ms")
	f(9*24*time.Hour, "9d")
	f(14*24*time.Hour, "2w")
}

func TestClientCancelled(t *testing.T) {
	q, err := New(Config{NoAuthTenant: "fake"}, Deps{
		NewEngine: func(logql.Querier, logql.EngineOpts) Engine { return blockingEngine{} },
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	q.RegisterRoutes(mux)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/loki/api/v1/query_range?query=%7Ba%3D%22b%22%7D", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	go cancel()
	mux.ServeHTTP(rec, req)
	if rec.Code != loghttp.StatusClientClosedRequest || rec.Body.String() != loghttp.ErrClientCanceledText {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}

func TestConfig(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"-querier.auth-enabled=false"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.NoAuthTenant != "fake" || c.QueryIngestersWithin != 0 {
		t.Fatalf("%+v %v", c, err)
	}
	c.NoAuthTenant = ""
	if c.Validate() == nil {
		t.Fatal("no tenant accepted with auth off")
	}
	if _, err := New(Config{NoAuthTenant: "fake"}, Deps{}, nil, nil); err == nil {
		t.Fatal("New without an engine")
	}
	if _, err := New(Config{NoAuthTenant: "fake"}, Deps{Ring: ring.NewStatic(1), NewEngine: func(logql.Querier, logql.EngineOpts) Engine { return blockingEngine{} }}, nil, nil); err == nil {
		t.Fatal("New with a ring and no client")
	}
}

func TestLegacyQuery(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 2), rf: 2, store: store})
	code, body, _ := e.get(t, "/api/prom/query", url.Values{"query": {`{app="b"}`}})
	want := `{"streams":[{"labels":"{app=\"b\", env=\"dev\"}","entries":[{"ts":"2026-11-25T11:59:00Z","line":"b1 error"}]}]}`
	if code != 200 || strings.TrimSpace(body) != want {
		t.Fatalf("%d %s\nwant %s", code, body, want)
	}
	if code, body, _ := e.get(t, "/api/prom/query", url.Values{"query": {`count_over_time({app="b"}[1m])`}}); code != 400 || !strings.Contains(body, "legacy endpoints only support streams result type") {
		t.Fatalf("metric query: %d %s", code, body)
	}
}
