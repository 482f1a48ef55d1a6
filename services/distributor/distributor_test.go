package distributor

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// fakeIngester records what it receives and answers with fail (nil: success).
type fakeIngester struct {
	addr string
	mu   sync.Mutex
	got  []*logproto.StreamAdapter
	tens []string
	fail func(ctx context.Context) error
	// discard drops what it receives (benchmarks).
	discard bool
}

func (f *fakeIngester) Push(ctx context.Context, req *logproto.PushRequest, _ ...grpc.CallOption) (*logproto.PushResponse, error) {
	if f.fail != nil {
		if err := f.fail(ctx); err != nil {
			return nil, err
		}
	}
	if f.discard {
		return &logproto.PushResponse{}, nil
	}
	id, _ := tenant.FromContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, req.Streams...)
	f.tens = append(f.tens, id)
	return &logproto.PushResponse{}, nil
}

func (f *fakeIngester) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.got {
		for _, e := range s.Entries {
			out = append(out, s.Labels+" "+e.Line)
		}
	}
	return out
}

type harness struct {
	d         *Distributor
	ingesters []*fakeIngester
	reg       *prometheus.Registry
	healthy   int
}

func newHarness(t *testing.T, n, rf int, mod func(*Config, *validation.Limits)) *harness {
	t.Helper()
	var cfg Config
	var lim validation.Limits
	cfg.RegisterFlags(flagSet())
	lim.RegisterFlags(flagSet())
	cfg.AuthEnabled = true
	if mod != nil {
		mod(&cfg, &lim)
	}
	ov, err := validation.NewOverrides(lim, validation.RuntimeConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{reg: prometheus.NewRegistry(), healthy: 1}
	var insts []ring.InstanceDesc
	byAddr := map[string]*fakeIngester{}
	for i := 0; i < n; i++ {
		f := &fakeIngester{addr: fmt.Sprintf("ing-%d:9095", i)}
		h.ingesters = append(h.ingesters, f)
		byAddr[f.addr] = f
		insts = append(insts, ring.InstanceDesc{ID: fmt.Sprintf("ing-%d", i), Addr: f.addr, State: ring.Active})
	}
	h.d, err = New(cfg, Deps{
		Ring: ring.NewStatic(rf, insts...),
		IngesterClient: func(addr string) (logproto.PusherClient, error) {
			if f, ok := byAddr[addr]; ok {
				return f, nil
			}
			return nil, fmt.Errorf("unknown ingester %s", addr)
		},
		Overrides:           ov,
		HealthyDistributors: func() int { return h.healthy },
		Now:                 func() time.Time { return testNow },
	}, nil, h.reg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) post(t *testing.T, body, ctype, orgID string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/push", strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if orgID != "" {
		r.Header.Set("X-Scope-OrgID", orgID)
	}
	w := httptest.NewRecorder()
	h.d.PushHandler().ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func (h *harness) allLines() []string {
	var out []string
	for _, f := range h.ingesters {
		out = append(out, f.lines()...)
	}
	return out
}

func ns(t time.Time) string { return fmt.Sprint(t.UnixNano()) }

func jsonPush(streams ...string) string {
	return `{"streams":[` + strings.Join(streams, ",") + `]}`
}

func jsonStream(labels string, lines ...string) string {
	var vals []string
	for i, l := range lines {
		vals = append(vals, fmt.Sprintf(`["%d",%q]`, testNow.Add(time.Duration(i)).UnixNano(), l))
	}
	return `{"stream":` + labels + `,"values":[` + strings.Join(vals, ",") + `]}`
}

func TestPushJSONStored(t *testing.T) {
	h := newHarness(t, 1, 1, nil)
	code, body := h.post(t, jsonPush(jsonStream(`{"env":"prod","app":"api"}`, "hello", "world")), "application/json", "t1")
	if code != http.StatusNoContent {
		t.Fatalf("%d %s", code, body)
	}
	got := h.allLines()
	want := []string{`{app="api", env="prod", service_name="api"} hello`, `{app="api", env="prod", service_name="api"} world`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q", got)
	}
	if h.ingesters[0].tens[0] != "t1" {
		t.Fatalf("tenant %q did not reach the ingester", h.ingesters[0].tens[0])
	}
	if v := testutil.ToFloat64(h.d.m.linesReceived.WithLabelValues("t1")); v != 2 {
		t.Fatalf("lines received %v", v)
	}
}

func TestPushProtobufStored(t *testing.T) {
	h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) { l.DiscoverServiceName = nil })
	req := &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: `{b="2", a="1"}`,
		Entries: []*logproto.EntryAdapter{{Timestamp: timestamppb.New(testNow), Line: "pb", StructuredMetadata: []*logproto.LabelPairAdapter{{Name: "trace_id", Value: "x"}}}}}}}
	raw, _ := proto.Marshal(req)
	code, body := h.post(t, string(snappy.Encode(nil, raw)), "application/x-protobuf", "t1")
	if code != http.StatusNoContent {
		t.Fatalf("%d %s", code, body)
	}
	got := h.ingesters[0].got[0]
	if got.Labels != `{a="1", b="2"}` || got.Entries[0].StructuredMetadata[0].Value != "x" || got.Hash == 0 {
		t.Fatalf("got %v", got)
	}
}

func TestPushTenant(t *testing.T) {
	h := newHarness(t, 1, 1, nil)
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "")
	if code != http.StatusUnauthorized || body != "no org id" {
		t.Fatalf("%d %q", code, body)
	}
	code, _ = h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "a|b")
	if code != http.StatusBadRequest {
		t.Fatalf("multi-tenant push: %d", code)
	}
	noauth := newHarness(t, 1, 1, func(c *Config, _ *validation.Limits) { c.AuthEnabled = false })
	code, body = noauth.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "")
	if code != http.StatusNoContent || noauth.ingesters[0].tens[0] != "fake" {
		t.Fatalf("no-auth: %d %s %v", code, body, noauth.ingesters[0].tens)
	}
	r := httptest.NewRequest(http.MethodGet, "/loki/api/v1/push", nil)
	w := httptest.NewRecorder()
	h.d.PushHandler().ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", w.Code)
	}
}

func TestPushValidation(t *testing.T) {
	h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) { l.MaxLineSize = 8 })
	cases := []struct {
		name, body string
		status     int
		texts      []string
		stored     []string
	}{
		{"decode error", `{"streams":[{"stream":{"a":"1"},"values":[[1,"x"]]}]}`, 400, []string{"timestamp must be a string"}, nil},
		{"empty push", `{"streams":[]}`, 400, []string{"error at least one valid stream is required for ingestion"}, nil},
		{"no entries", jsonPush(jsonStream(`{"a":"1"}`)), 204, nil, nil},
		{"bad stream keeps good one", jsonPush(jsonStream(`{"a":"1"}`, "good"), jsonStream(`{"a b":"1"}`, "bad"), jsonStream(`{}`, "bad")), 400,
			[]string{"error parsing labels '{a b=\"1\"}'", "error at least one label pair is required per stream"}, []string{`{a="1", service_name="unknown_service"} good`}},
		{"bad entries keep good ones", jsonPush(jsonStream(`{"app":"x"}`, "ok", "too long line")), 400,
			[]string{"max entry size '8' bytes exceeded for stream '{app=\"x\", service_name=\"x\"}' while adding an entry with length '13' bytes"}, []string{`{app="x", service_name="x"} ok`}},
		{"too old", jsonPush(`{"stream":{"a":"1"},"values":[["` + ns(testNow.Add(-8*24*time.Hour)) + `","old"]]}`), 400, []string{"has timestamp too old"}, nil},
		{"too new", jsonPush(`{"stream":{"a":"1"},"values":[["` + ns(testNow.Add(time.Hour)) + `","new"]]}`), 400, []string{"has timestamp too new"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.ingesters[0].got = nil
			code, body := h.post(t, c.body, "application/json", "t1")
			if code != c.status {
				t.Fatalf("status %d, want %d: %s", code, c.status, body)
			}
			for _, want := range c.texts {
				if !strings.Contains(body, want) {
					t.Fatalf("body %q lacks %q", body, want)
				}
			}
			if got := h.allLines(); strings.Join(got, "\n") != strings.Join(c.stored, "\n") {
				t.Fatalf("stored %q, want %q", got, c.stored)
			}
		})
	}
	if v := testutil.ToFloat64(h.d.discard.Samples(validation.ReasonLineTooLong, "t1")); v != 1 {
		t.Fatalf("line_too_long discards %v", v)
	}
}

func TestPushBodyTooLarge(t *testing.T) {
	h := newHarness(t, 1, 1, func(c *Config, _ *validation.Limits) { c.MaxRecvMsgSize = 100 })
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, strings.Repeat("x", 200))), "application/json", "t1")
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "request body too large:") {
		t.Fatalf("%d %s", code, body)
	}
}

func TestPushRateLimit(t *testing.T) {
	h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) {
		l.IngestionRateMB = 1024.0 / (1 << 20) // 1 KiB/s
		l.IngestionBurstSizeMB = 2048.0 / (1 << 20)
	})
	line := strings.Repeat("x", 1000)
	for i := 0; i < 2; i++ {
		if code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, line)), "application/json", "t1"); code != 204 {
			t.Fatalf("push %d: %d %s", i, code, body)
		}
	}
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, line)), "application/json", "t1")
	want := "ingestion rate limit exceeded for user t1 (limit: 1024 bytes/sec) while attempting to ingest '1' lines totaling '1000' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased"
	if code != http.StatusTooManyRequests || body != want {
		t.Fatalf("%d %q", code, body)
	}
	// Another tenant has its own bucket.
	if code, _ := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, line)), "application/json", "t2"); code != 204 {
		t.Fatalf("t2: %d", code)
	}
	// The global strategy divides the rate between healthy distributors.
	h.healthy = 4
	_, body = h.post(t, jsonPush(jsonStream(`{"a":"1"}`, line)), "application/json", "t1")
	if !strings.Contains(body, "(limit: 256 bytes/sec)") {
		t.Fatalf("global limit: %q", body)
	}
	if v := testutil.ToFloat64(h.d.discard.Samples(validation.ReasonRateLimited, "t1")); v != 2 {
		t.Fatalf("rate_limited discards %v", v)
	}
	// Without discovery the configured distributor count divides the rate.
	h.d.deps.HealthyDistributors = nil
	h.d.cfg.Distributors = 2
	_, body = h.post(t, jsonPush(jsonStream(`{"a":"1"}`, line)), "application/json", "t1")
	if !strings.Contains(body, "(limit: 512 bytes/sec)") {
		t.Fatalf("configured count: %q", body)
	}
	// The local strategy does not divide.
	h.d.deps.Overrides, _ = validation.NewOverrides(func() validation.Limits {
		l := validation.Defaults()
		l.IngestionRateStrategy = validation.LocalStrategy
		l.IngestionRateMB = 1024.0 / (1 << 20)
		l.IngestionBurstSizeMB = 1024.0 / (1 << 20)
		return l
	}(), validation.RuntimeConfig{}, nil, nil)
	_, body = h.post(t, jsonPush(jsonStream(`{"a":"1"}`, line, line)), "application/json", "t1")
	if !strings.Contains(body, "(limit: 1024 bytes/sec)") {
		t.Fatalf("local strategy: %q", body)
	}
}

func TestRateLimiterRefills(t *testing.T) {
	r := newRateLimiter()
	now := testNow
	if !r.allowN("t", now, 100, 200, 200) || r.allowN("t", now, 100, 200, 1) {
		t.Fatal("burst not enforced")
	}
	if !r.allowN("t", now.Add(time.Second), 100, 200, 100) {
		t.Fatal("no refill after 1s")
	}
	if r.allowN("t", now.Add(time.Hour), 100, 200, 201) {
		t.Fatal("request above burst allowed")
	}
	if !r.allowN("t", now, 0, 0, 1<<30) {
		t.Fatal("rate 0 must mean unlimited")
	}
	r.prune(now.Add(2*time.Hour), time.Minute)
	if len(r.buckets) != 0 {
		t.Fatal("idle bucket not pruned")
	}
}

func TestPushLegacyPath(t *testing.T) {
	h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) { l.DiscoverServiceName = nil; l.DiscoverLogLevels = false })
	body := `{"streams":[{"labels":"{app=\"old\"}","entries":[{"ts":"` + testNow.Format(time.RFC3339Nano) + `","line":"legacy"}]}]}`
	r := httptest.NewRequest(http.MethodPost, "/api/prom/push", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Scope-OrgID", "t1")
	w := httptest.NewRecorder()
	h.d.PushHandler().ServeHTTP(w, r)
	if w.Code != 204 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got := h.allLines(); len(got) != 1 || got[0] != `{app="old"} legacy` {
		t.Fatalf("%q", got)
	}
}

func TestIncrementDuplicateTimestamp(t *testing.T) {
	for _, on := range []bool{false, true} {
		h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) { l.IncrementDuplicateTimestamp = on })
		ts := ns(testNow)
		body := jsonPush(`{"stream":{"a":"1"},"values":[["` + ts + `","one"],["` + ts + `","two"],["` + ts + `","three"],["` + ts + `","three"]]}`)
		if code, msg := h.post(t, body, "application/json", "t1"); code != 204 {
			t.Fatalf("%d %s", code, msg)
		}
		var got []int64
		for _, e := range h.ingesters[0].got[0].Entries {
			got = append(got, e.Timestamp.AsTime().UnixNano()-testNow.UnixNano())
		}
		want := []int64{0, 0, 0, 0}
		if on {
			want = []int64{0, 1, 2, 0} // a repeated line keeps the stamp it was sent with, as in Loki
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("increment=%v: offsets %v, want %v", on, got, want)
		}
	}
}

func TestBlockedIngestion(t *testing.T) {
	h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) {
		l.BlockIngestionUntil = validation.Time(testNow.Add(time.Hour))
	})
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "t1")
	if code != 260 || body != "ingestion blocked for user t1 until '2026-11-25T13:00:00Z' with status code '260'" || len(h.allLines()) != 0 {
		t.Fatalf("%d %q", code, body)
	}
	if _, err := h.d.Push(tenant.InjectContext(context.Background(), "t1"), &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: `{a="1"}`}}}); err != nil {
		t.Fatalf("gRPC push of a blocked tenant must be dropped quietly: %v", err)
	}
	if v := testutil.ToFloat64(h.d.discard.Samples(validation.ReasonBlockedIngestion, "t1")); v != 1 {
		t.Fatalf("discards %v", v)
	}
	h.d.deps.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
	if code, body := h.post(t, jsonPush(`{"stream":{"a":"1"},"values":[["`+ns(testNow.Add(2*time.Hour))+`","x"]]}`), "application/json", "t1"); code != 204 {
		t.Fatalf("after the block: %d %s", code, body)
	}
}
