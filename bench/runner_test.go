package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

type fakeEntry struct {
	labels labels.Labels
	ts     int64
	line   string
}

// fakeLoki is a tiny Loki-compatible target that answers the bench's four queries by brute
// force over what it stored. Its 2nd push answers 503 once (retried) and its 4th push 400 (never
// acked), so the test sees the harness expect only what was acknowledged.
type fakeLoki struct {
	mu         sync.Mutex
	entries    []fakeEntry
	pushes     int
	dropNeedle bool // answer the needle query with one line short
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/loki/api/v1/push":
		f.push(w, r)
	case "/debug/pprof/profile", "/debug/pprof/heap":
		fmt.Fprint(w, r.URL.Path)
	case "/flush":
		w.WriteHeader(http.StatusNoContent)
	case "/metrics":
		fmt.Fprintf(w, "process_cpu_seconds_total %d\nprocess_resident_memory_bytes 5e+07\n", 3+len(f.entries)/1000)
	case "/loki/api/v1/query_range":
		f.query(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeLoki) push(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushes++
	switch f.pushes {
	case 2:
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	case 4:
		http.Error(w, "rejected", http.StatusBadRequest)
		return
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req logproto.PushRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, s := range req.Streams {
		ls, err := labels.Parse(s.Labels)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, e := range s.Entries {
			f.entries = append(f.entries, fakeEntry{ls, e.Timestamp.AsTime().UnixNano(), e.Line})
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeLoki) query(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text := q.Get("query")
	start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
	end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	f.mu.Lock()
	defer f.mu.Unlock()
	var sel []fakeEntry
	for _, e := range f.entries {
		if e.ts >= start && e.ts < end {
			sel = append(sel, e)
		}
	}
	matrix := func(n int) {
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[%d,"%d"]]}]}}`, end/1e9, n)
	}
	switch {
	case strings.HasPrefix(text, "sum by (level)"):
		matrix(len(sel))
		return
	case strings.HasPrefix(text, "sum(count_over_time"):
		n := 0
		for _, e := range sel {
			if st, _ := strconv.Atoi(jsonNumber(e.line, "status")); st >= 500 {
				n++
			}
		}
		matrix(n)
		return
	case strings.Contains(text, `|= "`):
		tok := strings.TrimSuffix(text[strings.Index(text, `|= "`)+4:], `"`)
		sel = slices.DeleteFunc(sel, func(e fakeEntry) bool { return !strings.Contains(e.line, tok) })
		if f.dropNeedle && len(sel) > 0 {
			sel = sel[1:]
		}
	default:
		ms, err := labels.ParseMatchers(text)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sel = slices.DeleteFunc(sel, func(e fakeEntry) bool { return !labels.MatchesLabels(ms, e.labels) })
	}
	slices.SortFunc(sel, func(a, b fakeEntry) int { return cmpInt64(b.ts, a.ts) })
	sel = sel[:min(len(sel), limit)]
	var sb bytes.Buffer
	sb.WriteString(`{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[`)
	for i, e := range sel {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `["%d",%s]`, e.ts, strconv.Quote(e.line))
	}
	sb.WriteString(`]}]}}`)
	w.Write(sb.Bytes())
}

func runFake(t *testing.T, fake *fakeLoki) (Result, *Dataset) {
	return runFakeWith(t, fake, RunConfig{Workers: 3, Retries: 2, Runs: 2})
}

func runFakeWith(t *testing.T, fake *fakeLoki, cfg RunConfig) (Result, *Dataset) {
	t.Helper()
	dir := t.TempDir()
	spool, err := NewSpool(filepath.Join(dir, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	ds, err := Generate(smallConfig(5), spool.Append)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	os.WriteFile(filepath.Join(data, "chunk"), make([]byte, 8192), 0o644)
	r := NewRunner(cfg, ds, spool)
	return r.Run(context.Background(), Target{Name: "fake", Dialect: Loki, URL: srv.URL, DataDir: data}), ds
}

func TestRunnerAgainstFakeLoki(t *testing.T) {
	res, ds := runFake(t, &fakeLoki{})
	var total int64
	for _, b := range ds.Batches {
		total += int64(b.Lines)
	}
	if res.LinesFailed == 0 || res.LinesAcked+res.LinesFailed != total {
		t.Fatalf("acked %d + failed %d lines, want one rejected batch out of %d lines", res.LinesAcked, res.LinesFailed, total)
	}
	if len(res.IngestIssues) != 1 || !strings.Contains(res.IngestIssues[0], "1 of ") {
		t.Fatalf("ingest issues %q, want one failed push", res.IngestIssues)
	}
	if res.CPUSeconds < 0 || res.PeakRSS != 50e6 || res.DiskBytes < 8192 {
		t.Fatalf("cpu %v, rss %d, disk %d", res.CPUSeconds, res.PeakRSS, res.DiskBytes)
	}
	if len(res.Queries) != 4 {
		t.Fatalf("%d queries", len(res.Queries))
	}
	for _, q := range res.Queries {
		if q.Problem != "" || len(q.Runs) != 2 || q.CPUPerRun < 0 {
			t.Errorf("query %s: %d runs, cpu per run %v, problem %q", q.ID, len(q.Runs), q.CPUPerRun, q.Problem)
		}
	}
}

func TestRunnerCatchesWrongAnswer(t *testing.T) {
	res, _ := runFake(t, &fakeLoki{dropNeedle: true})
	if p := res.Queries[0].Problem; !strings.Contains(p, "1 missing") {
		t.Fatalf("needle query with a line missing: problem %q", p)
	}
	for _, q := range res.Queries[1:] {
		if q.Problem != "" {
			t.Errorf("query %s: problem %q", q.ID, q.Problem)
		}
	}
}

func TestRunnerProfiles(t *testing.T) {
	dir := t.TempDir()
	began := time.Now()
	res, _ := runFakeWith(t, &fakeLoki{}, RunConfig{Workers: 2, Runs: 1, Retries: 1, ProfileDir: dir, QueryDelay: 100 * time.Millisecond})
	if time.Since(began) < 100*time.Millisecond {
		t.Fatal("the query delay was not waited")
	}
	if res.Queries[0].Problem != "" {
		t.Fatal(res.Queries[0].Problem)
	}
	for _, name := range []string{"fake-ingest.cpu.pprof", "fake-ingest.heap.pprof", "fake-query-a.cpu.pprof", "fake-query-d.cpu.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.HasPrefix(string(b), "/debug/pprof/") {
			t.Errorf("profile %s: %q, %v", name, b, err)
		}
	}
}
