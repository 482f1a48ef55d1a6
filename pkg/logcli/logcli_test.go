package logcli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// fakeLoki answers like Loki and records the requests it got.
type fakeLoki struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (f *fakeLoki) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[len(f.reqs)-1]
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	if r.Header.Get("X-Scope-OrgID") == "" {
		http.Error(w, "no org id", http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case "/loki/api/v1/query_range":
		if strings.HasPrefix(q.Get("query"), "rate(") {
			_ = loghttp.WriteQueryResponse(w, &loghttp.QueryResult{Type: loghttp.ResultMatrix, Matrix: []loghttp.Series{
				{Metric: labels.FromStrings("app", "a"), Points: []loghttp.Point{{T: 1700000000e9, V: 0.5}}},
			}}, false)
			return
		}
		if q.Get("query") == "bad" {
			http.Error(w, "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER", http.StatusBadRequest)
			return
		}
		_ = loghttp.WriteQueryResponse(w, &loghttp.QueryResult{Type: loghttp.ResultStreams, Streams: []loghttp.Stream{
			{Labels: labels.FromStrings("app", "a", "env", "prod"), Entries: []iter.Entry{{Timestamp: 3e9, Line: "third"}, {Timestamp: 1e9, Line: "first"}}},
			{Labels: labels.FromStrings("app", "bb", "env", "prod"), Entries: []iter.Entry{{Timestamp: 2e9, Line: "second"}}},
		}}, false)
	case "/loki/api/v1/query":
		_ = loghttp.WriteQueryResponse(w, &loghttp.QueryResult{Type: loghttp.ResultVector, Vector: []loghttp.Sample{
			{Metric: labels.Labels{}, Point: loghttp.Point{T: 4e9, V: 2}},
		}}, false)
	case "/loki/api/v1/labels":
		_ = loghttp.WriteLabelsResponse(w, []string{"app", "env"})
	case "/loki/api/v1/label/app/values":
		_ = loghttp.WriteLabelsResponse(w, []string{"a", "bb"})
	case "/loki/api/v1/series":
		_ = loghttp.WriteSeriesResponse(w, []labels.Labels{labels.FromStrings("app", "a", "env", "prod")})
	default:
		http.NotFound(w, r)
	}
}

func runCmd(t *testing.T, srv *httptest.Server, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "LOKI_ADDR" && srv != nil {
			if v, ok := env[k]; ok {
				return v
			}
			return srv.URL
		}
		return env[k]
	}
	err := run(context.Background(), args, &out, &errb, getenv, func() time.Time { return testNow })
	return out.String(), errb.String(), err
}

func TestQueryOutputs(t *testing.T) {
	fl := &fakeLoki{}
	srv := httptest.NewServer(fl)
	defer srv.Close()
	env := map[string]string{"LOKI_ORG_ID": "t1"}
	for _, tc := range []struct {
		args       []string
		wantOut    string
		wantStderr string
	}{
		{
			args: []string{"--timezone=UTC", `{env="prod"}`},
			wantOut: "1970-01-01T00:00:03Z {app=\"a\"}  third\n" +
				"1970-01-01T00:00:02Z {app=\"bb\"} second\n" +
				"1970-01-01T00:00:01Z {app=\"a\"}  first\n",
			wantStderr: "Common labels: {env=\"prod\"}\n",
		},
		{
			args:    []string{`{env="prod"}`, "--forward", "-o", "raw"},
			wantOut: "first\nsecond\nthird\n",
		},
		{
			args:    []string{"--timezone=UTC", "--no-labels", "-q", `{env="prod"}`},
			wantOut: "1970-01-01T00:00:03Z third\n1970-01-01T00:00:02Z second\n1970-01-01T00:00:01Z first\n",
		},
		{
			args:    []string{"--output=jsonl", "--timezone=UTC", "--limit=1", `{env="prod"}`},
			wantOut: `{"labels":{"app":"a","env":"prod"},"line":"third","timestamp":"1970-01-01T00:00:03Z"}` + "\n" + `{"labels":{"app":"bb","env":"prod"},"line":"second","timestamp":"1970-01-01T00:00:02Z"}` + "\n" + `{"labels":{"app":"a","env":"prod"},"line":"first","timestamp":"1970-01-01T00:00:01Z"}` + "\n",
		},
		{
			args:    []string{`rate({app="a"}[1m])`, "--step=1m"},
			wantOut: "[\n  {\n    \"metric\": {\n      \"app\": \"a\"\n    },\n    \"values\": [\n      [\n        1700000000,\n        \"0.5\"\n      ]\n    ]\n  }\n]\n",
		},
		{
			args:    []string{"--instant", "vector(1)+vector(1)"},
			wantOut: "[\n  {\n    \"metric\": {},\n    \"value\": [\n      4,\n      \"2\"\n    ]\n  }\n]\n",
		},
		{args: []string{"--labels"}, wantOut: "app\nenv\n"},
		{args: []string{"--labels", "app"}, wantOut: "a\nbb\n"},
		{args: []string{"--series", `{app="a"}`}, wantOut: "{app=\"a\", env=\"prod\"}\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, err := runCmd(t, srv, env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.wantOut {
				t.Fatalf("stdout\n%s\nwant\n%s", out, tc.wantOut)
			}
			if stderr != tc.wantStderr {
				t.Fatalf("stderr %q, want %q", stderr, tc.wantStderr)
			}
		})
	}
}

func TestQueryRequest(t *testing.T) {
	fl := &fakeLoki{}
	srv := httptest.NewServer(fl)
	defer srv.Close()
	f := func(args []string, env map[string]string, check func(r *http.Request, q url.Values) string) {
		t.Helper()
		if _, _, err := runCmd(t, srv, env, args...); err != nil {
			t.Fatal(err)
		}
		r := fl.last()
		if msg := check(r, r.URL.Query()); msg != "" {
			t.Fatalf("%v: %s (request %s)", args, msg, r.URL)
		}
	}
	f([]string{"--org-id=acme", "--since=10m", "--limit=7", `{a="b"}`}, nil, func(r *http.Request, q url.Values) string {
		switch {
		case r.Header.Get("X-Scope-OrgID") != "acme":
			return "tenant"
		case q.Get("limit") != "7" || q.Get("direction") != "backward" || q.Get("query") != `{a="b"}`:
			return "params"
		case q.Get("end") != fmt.Sprint(testNow.UnixNano()) || q.Get("start") != fmt.Sprint(testNow.Add(-10*time.Minute).UnixNano()):
			return "range"
		}
		return ""
	})
	f([]string{"--from=2026-11-25T10:00:00Z", "--to=2026-11-25T11:00:00Z", "--forward", "--step=30s", "--interval=5s", `rate({a="b"}[1m])`},
		map[string]string{"LOKI_ORG_ID": "env-tenant", "LOKI_USERNAME": "u", "LOKI_PASSWORD": "p"}, func(r *http.Request, q url.Values) string {
			u, p, ok := r.BasicAuth()
			switch {
			case r.Header.Get("X-Scope-OrgID") != "env-tenant" || !ok || u != "u" || p != "p":
				return "auth"
			case q.Get("direction") != "forward" || q.Get("step") != "30000ms" || q.Get("interval") != "5":
				return "params"
			case q.Get("start") != fmt.Sprint(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).UnixNano()):
				return "start"
			}
			return ""
		})
	f([]string{"--instant", "--to=2026-11-25T11:00:00Z", "--bearer-token=tok", "--org-id=x", "vector(1)"}, nil, func(r *http.Request, q url.Values) string {
		if r.URL.Path != "/loki/api/v1/query" || q.Get("time") != fmt.Sprint(time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC).UnixNano()) || r.Header.Get("Authorization") != "Bearer tok" {
			return "instant"
		}
		return ""
	})
}

func TestErrors(t *testing.T) {
	fl := &fakeLoki{}
	srv := httptest.NewServer(fl)
	defer srv.Close()
	f := func(env map[string]string, wantErr string, args ...string) {
		t.Helper()
		_, _, err := runCmd(t, srv, env, args...)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%v: error %v, want %q", args, err, wantErr)
		}
	}
	org := map[string]string{"LOKI_ORG_ID": "t"}
	f(nil, "no org id (401 Unauthorized)", `{a="b"}`)
	f(org, "parse error at line 1, col 1", "bad")
	f(org, "missing query")
	f(org, "one argument expected", "a", "b")
	f(org, "unknown output", "-o", "yaml", "x")
	f(org, "parse --from", "--from=yesterday", "x")
	f(org, "--labels and --series exclude each other", "--labels", "--series")
	f(map[string]string{"LOKI_ORG_ID": "t", "LOKI_ADDR": "http://127.0.0.1:1"}, "query /loki/api/v1/query_range", "x")
	if _, _, err := runCmd(t, srv, org, "--help"); err != nil {
		t.Fatalf("--help: %v", err)
	}
}

func TestStats(t *testing.T) {
	srv := httptest.NewServer(&fakeLoki{})
	defer srv.Close()
	_, stderr, err := runCmd(t, srv, map[string]string{"LOKI_ORG_ID": "t"}, "--stats", "-q", `{env="prod"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Summary.TotalBytesProcessed", "Summary.ExecTime", "Ingester.TotalReached"} {
		if !strings.Contains(stderr, want) {
			t.Fatalf("stats lack %s:\n%s", want, stderr)
		}
	}
}
