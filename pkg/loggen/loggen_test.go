package loggen

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp/push"
)

func TestGeneratorDeterministic(t *testing.T) {
	gen := func(seed int64) []Entry {
		g, err := NewGenerator(seed, 10, FormatMixed)
		if err != nil {
			t.Fatal(err)
		}
		var out []Entry
		for i := 0; i < 200; i++ {
			out = append(out, g.Next(1700000000000000000+int64(i)))
		}
		return out
	}
	a, b, c := gen(7), gen(7), gen(8)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at %d: %q vs %q", i, a[i].Line, b[i].Line)
		}
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("different seeds give the same lines")
	}
}

var (
	apacheCommon   = regexp.MustCompile(`^10\.\d+\.\d+\.\d+ - \S+ \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "(GET|POST|PUT|DELETE|PATCH) \S+\?trace_id=[0-9a-f]{32} HTTP/1\.1" \d{3} \d+$`)
	apacheCombined = regexp.MustCompile(`^10\.\d+\.\d+\.\d+ - \S+ \[[^\]]+\] "[A-Z]+ \S+ HTTP/1\.1" \d{3} \d+ "[^"]*" "[^"]*"$`)
	logfmtLine     = regexp.MustCompile(`^ts=\S+ level=(info|warn|error|debug) status=\d{3} method=[A-Z]+ path=\S+ duration=\S+ bytes=\d+ client=\S+ trace_id=[0-9a-f]{32} msg="[^"]+"$`)
)

func TestFormats(t *testing.T) {
	for _, f := range []string{FormatJSON, FormatLogfmt, FormatApacheCommon, FormatApacheCombined} {
		g, err := NewGenerator(1, 3, f)
		if err != nil {
			t.Fatal(err)
		}
		levels := map[string]int{}
		for i := 0; i < 500; i++ {
			e := g.Next(time.Date(2026, 11, 25, 12, 0, 0, i, time.UTC).UnixNano())
			switch f {
			case FormatJSON:
				var m map[string]any
				if err := json.Unmarshal([]byte(e.Line), &m); err != nil {
					t.Fatalf("invalid JSON %q: %v", e.Line, err)
				}
				for _, k := range []string{"ts", "level", "status", "method", "path", "duration", "msg", "trace_id"} {
					if _, ok := m[k]; !ok {
						t.Fatalf("%q lacks %s", e.Line, k)
					}
				}
				levels[m["level"].(string)]++
			case FormatLogfmt:
				if !logfmtLine.MatchString(e.Line) {
					t.Fatalf("bad logfmt %q", e.Line)
				}
			case FormatApacheCommon:
				if !apacheCommon.MatchString(e.Line) {
					t.Fatalf("bad apache common %q", e.Line)
				}
			case FormatApacheCombined:
				if !apacheCombined.MatchString(e.Line) {
					t.Fatalf("bad apache combined %q", e.Line)
				}
			}
		}
		if f == FormatJSON && (levels["info"] < 300 || levels["error"] == 0 || levels["warn"] == 0) {
			t.Fatalf("level mix %v", levels)
		}
	}
	if _, err := NewGenerator(1, 1, "xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestStreams(t *testing.T) {
	g, _ := NewGenerator(1, 100, "")
	seen := map[string]bool{}
	apps, pods := map[string]bool{}, map[string]bool{}
	for _, s := range g.Streams() {
		if seen[s.LabelString] {
			t.Fatalf("duplicate stream %s", s.LabelString)
		}
		seen[s.LabelString] = true
		if _, err := labels.Parse(s.LabelString); err != nil {
			t.Fatal(err)
		}
		apps[s.Labels.Get("app")] = true
		pods[s.Labels.Get("pod")] = true
	}
	if len(seen) != 100 || len(apps) != 10 || len(pods) != 100 {
		t.Fatalf("streams %d apps %d pods %d", len(seen), len(apps), len(pods))
	}
	// Stream identities do not depend on the seed, so data sets of different seeds share streams.
	g2, _ := NewGenerator(99, 100, "")
	if g2.Streams()[42].LabelString != g.Streams()[42].LabelString {
		t.Fatal("stream labels depend on the seed")
	}
}

// fakeLoki decodes pushes with the real decoder and answers with status(n) for push n.
type fakeLoki struct {
	mu      sync.Mutex
	lines   int
	tenants map[string]int
	n       atomic.Int64
	status  func(n int64) int
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.n.Add(1)
	if f.status != nil {
		if s := f.status(n); s != http.StatusNoContent {
			http.Error(w, "nope", s)
			return
		}
	}
	req, _, err := push.NewDecoder(push.Limits{}).ParseRequest(r)
	if err != nil {
		http.Error(w, err.Error(), push.StatusOf(err))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range req.Streams {
		f.lines += len(s.Entries)
	}
	f.tenants[r.Header.Get("X-Scope-OrgID")]++
	w.WriteHeader(http.StatusNoContent)
}

func TestRunCountBound(t *testing.T) {
	for _, c := range []struct {
		enc string
		gz  bool
	}{{"protobuf", false}, {"json", false}, {"json", true}} {
		f := &fakeLoki{tenants: map[string]int{}}
		srv := httptest.NewServer(f)
		var acked atomic.Int64
		res, err := Run(context.Background(), Config{
			URL: srv.URL, Tenant: "t1", Encoding: c.enc, Gzip: c.gz, Seed: 1, Streams: 5,
			Batch: 4096, Lines: 1234, Workers: 3,
			OnAck: func(b *Batch) { acked.Add(int64(b.Lines)) },
		})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.LinesAcked != 1234 || f.lines != 1234 || acked.Load() != 1234 || res.LinesFailed != 0 {
			t.Fatalf("%s gzip=%v: %v, server saw %d", c.enc, c.gz, res, f.lines)
		}
		if f.tenants["t1"] != int(res.Requests) || res.Statuses[204] != res.Requests {
			t.Fatalf("tenants %v statuses %v", f.tenants, res.Statuses)
		}
	}
}

func TestRunFailuresAndRetries(t *testing.T) {
	f := &fakeLoki{tenants: map[string]int{}, status: func(n int64) int {
		if n%2 == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Encoding: "protobuf", Streams: 3, Batch: 1000, Lines: 500, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.LinesFailed == 0 || res.LinesAcked+res.LinesFailed != 500 || int64(f.lines) != res.LinesAcked || res.Statuses[503] == 0 || !strings.Contains(res.FirstError, "status 503") {
		t.Fatalf("%+v, server saw %d", res, f.lines)
	}
	f2 := &fakeLoki{tenants: map[string]int{}, status: f.status}
	srv2 := httptest.NewServer(f2)
	defer srv2.Close()
	res, err = Run(context.Background(), Config{URL: srv2.URL, Encoding: "protobuf", Streams: 3, Batch: 20000, Lines: 500, Workers: 1, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.LinesAcked != 500 || res.Retries == 0 || f2.lines != 500 {
		t.Fatalf("with retries: %+v", res)
	}
	// A 400 is not retried.
	f3 := &fakeLoki{tenants: map[string]int{}, status: func(int64) int { return 400 }}
	srv3 := httptest.NewServer(f3)
	defer srv3.Close()
	res, _ = Run(context.Background(), Config{URL: srv3.URL, Encoding: "json", Streams: 1, Batch: 1 << 20, Lines: 10, Retries: 3})
	if res.Retries != 0 || res.LinesFailed != 10 {
		t.Fatalf("400: %+v", res)
	}
	// No server at all.
	srv3.Close()
	res, _ = Run(context.Background(), Config{URL: srv3.URL, Encoding: "json", Streams: 1, Lines: 10, Timeout: time.Second})
	if res.LinesFailed != 10 || res.Statuses[0] != 1 {
		t.Fatalf("no server: %+v", res)
	}
}

func TestRunRateAndDuration(t *testing.T) {
	f := &fakeLoki{tenants: map[string]int{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Encoding: "protobuf", Streams: 4, Rate: 2000, Duration: 300 * time.Millisecond, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	// 2000 lines/s for 0.3 s, in pushes of 100 lines: at most ~700.
	if res.LinesAcked < 100 || res.LinesAcked > 800 {
		t.Fatalf("rate not respected: %v", res)
	}
	if res.Elapsed > 2*time.Second {
		t.Fatalf("duration not respected: %v", res.Elapsed)
	}
}

func TestConfig(t *testing.T) {
	for _, bad := range []Config{
		{Encoding: "xml", Lines: 1},
		{Encoding: "json"},
		{Encoding: "json", Lines: -1},
	} {
		if _, err := Run(context.Background(), bad); err == nil {
			t.Fatalf("accepted %+v", bad)
		}
	}
	f := func(in, want string) {
		t.Helper()
		got, err := pushURL(in)
		if err != nil || got != want {
			t.Fatalf("pushURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	f("localhost:3100", "http://localhost:3100/loki/api/v1/push")
	f("http://h:3100/", "http://h:3100/loki/api/v1/push")
	f("https://u:p@h/api/prom/push", "https://u:p@h/api/prom/push")
}

func TestRunTenants(t *testing.T) {
	f := &fakeLoki{tenants: map[string]int{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Tenant: "acme", Tenants: 3, Encoding: "protobuf", Streams: 2, Batch: 2000, Lines: 600, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, tn := range []string{"acme-0", "acme-1", "acme-2"} {
		if f.tenants[tn] == 0 || res.TenantLines[tn] == 0 {
			t.Fatalf("tenant %s got nothing: server %v, result %v", tn, f.tenants, res.TenantLines)
		}
		sum += res.TenantLines[tn]
	}
	if sum != 600 || len(f.tenants) != 3 {
		t.Fatalf("lines %d, tenants %v", sum, f.tenants)
	}
}
