//go:build e2e

package e2e

import (
	"fmt"
	"github.com/skaldlogs/skald/cmd/skald/internal/proctest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPushAndQueryAPI pushes in all three encodings and reads back through every query API.
func TestPushAndQueryAPI(t *testing.T) {
	p := proctest.StartSkald(t, t.TempDir())
	base := time.Now().Add(-10 * time.Minute).UnixNano()
	for i, enc := range []string{"json", "protobuf", "gzip"} {
		s := proctest.NewStream(map[string]string{"app": "api", "enc": enc})
		for j := 0; j < 10; j++ {
			s.Entries = append(s.Entries, proctest.Line{
				TS:   base + int64(i*100+j)*int64(time.Millisecond),
				Text: fmt.Sprintf(`level=info enc=%s line %d`, enc, j),
				Meta: map[string]string{"trace_id": fmt.Sprintf("t%d", j)},
			})
		}
		if code, body := p.Push(t, enc, []proctest.Stream{s}); code != 204 {
			t.Fatalf("push %s: %d %s", enc, code, body)
		}
	}

	// One bad stream does not drop the good one in the same push.
	good := proctest.NewStream(map[string]string{"app": "api", "enc": "mixed"})
	good.Entries = []proctest.Line{{TS: base, Text: "good line"}}
	bad := proctest.Stream{Labels: `{app="api", enc=}`, LabelsM: map[string]string{"app": "api", "": "x"}}
	bad.Entries = []proctest.Line{{TS: base, Text: "bad line"}}
	if code, body := p.Push(t, "protobuf", []proctest.Stream{good, bad}); code != 400 || !strings.Contains(body, "error parsing labels") {
		t.Fatalf("push with a bad stream: %d %q, want 400 naming the labels", code, body)
	}
	old := proctest.NewStream(map[string]string{"app": "api", "enc": "old"})
	old.Entries = []proctest.Line{{TS: time.Now().Add(-30 * 24 * time.Hour).UnixNano(), Text: "ancient"}}
	if code, body := p.Push(t, "json", []proctest.Stream{old}); code != 400 || !strings.Contains(body, "timestamp too old") {
		t.Fatalf("push of an old entry: %d %q, want 400 timestamp too old", code, body)
	}
	if code, body := p.Push(t, "json", nil); code != 400 {
		t.Fatalf("empty push: %d %q, want 400", code, body)
	}

	start, end := strconv.FormatInt(base-int64(time.Minute), 10), strconv.FormatInt(time.Now().UnixNano(), 10)
	t.Run("query_range streams", func(t *testing.T) {
		qr := p.Query(t, "/loki/api/v1/query_range", url.Values{"query": {`{app="api"}`}, "start": {start}, "end": {end}, "limit": {"1000"}})
		if qr.Data.ResultType != "streams" {
			t.Fatalf("resultType %q", qr.Data.ResultType)
		}
		n := 0
		for _, s := range proctest.DecodeResult[proctest.StreamResult](t, qr) {
			n += len(s.Values)
		}
		if n != 31 {
			t.Fatalf("got %d lines, want 31", n)
		}
		if qr.Data.Stats["summary"] == nil {
			t.Fatal("no stats.summary in the response")
		}
	})
	t.Run("line filter and limit", func(t *testing.T) {
		qr := p.Query(t, "/loki/api/v1/query_range", url.Values{"query": {`{app="api"} |= "line 3"`}, "start": {start}, "end": {end}})
		n := 0
		for _, s := range proctest.DecodeResult[proctest.StreamResult](t, qr) {
			n += len(s.Values)
		}
		if n != 3 {
			t.Fatalf("got %d lines, want 3", n)
		}
		qr = p.Query(t, "/loki/api/v1/query_range", url.Values{"query": {`{app="api"}`}, "start": {start}, "end": {end}, "limit": {"5"}, "direction": {"backward"}})
		n = 0
		for _, s := range proctest.DecodeResult[proctest.StreamResult](t, qr) {
			n += len(s.Values)
		}
		if n != 5 {
			t.Fatalf("limit 5: got %d lines", n)
		}
	})
	t.Run("instant metric query", func(t *testing.T) {
		qr := p.Query(t, "/loki/api/v1/query", url.Values{"query": {`sum by (enc) (count_over_time({app="api"}[1h]))`}, "time": {end}})
		if qr.Data.ResultType != "vector" {
			t.Fatalf("resultType %q", qr.Data.ResultType)
		}
		got := map[string]string{}
		for _, v := range proctest.DecodeResult[proctest.VectorResult](t, qr) {
			got[v.Metric["enc"]] = fmt.Sprint(v.Value[1])
		}
		want := map[string]string{"json": "10", "protobuf": "10", "gzip": "10", "mixed": "1"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("range metric query", func(t *testing.T) {
		qr := p.Query(t, "/loki/api/v1/query_range", url.Values{"query": {`sum(rate({app="api"} |= "enc=json" [5m]))`}, "start": {start}, "end": {end}, "step": {"60s"}})
		if qr.Data.ResultType != "matrix" {
			t.Fatalf("resultType %q", qr.Data.ResultType)
		}
		if m := proctest.DecodeResult[proctest.MatrixResult](t, qr); len(m) != 1 || len(m[0].Values) == 0 {
			t.Fatalf("matrix %+v", m)
		}
	})
	t.Run("labels, values, series", func(t *testing.T) {
		var names struct {
			Status string   `json:"status"`
			Data   []string `json:"data"`
		}
		if code, body := p.Get("/loki/api/v1/labels", url.Values{"start": {start}, "end": {end}}, &names); code != 200 || !slices.Contains(names.Data, "enc") || !slices.Contains(names.Data, "app") {
			t.Fatalf("labels: %d %s", code, body)
		}
		if code, body := p.Get("/loki/api/v1/label/enc/values", url.Values{"start": {start}, "end": {end}}, &names); code != 200 || strings.Join(names.Data, ",") != "gzip,json,mixed,protobuf" {
			t.Fatalf("label values: %d %s", code, body)
		}
		var series struct {
			Data []map[string]string `json:"data"`
		}
		if code, body := p.Get("/loki/api/v1/series", url.Values{"match[]": {`{app="api"}`}, "start": {start}, "end": {end}}, &series); code != 200 || len(series.Data) != 4 {
			t.Fatalf("series: %d %s", code, body)
		}
	})
	t.Run("errors and operations", func(t *testing.T) {
		if code, body := p.Get("/loki/api/v1/query_range", url.Values{"query": {`{app="api"`}}, nil); code != 400 || !strings.Contains(string(body), "parse error") {
			t.Fatalf("syntax error: %d %s", code, body)
		}
		if v := p.InstantValue(t, `vector(1)+vector(1)`, 4_000_000_000); v != 2 {
			t.Fatalf("Grafana health check vector(1)+vector(1) = %v", v)
		}
		var bi map[string]string
		if code, _ := p.Get("/loki/api/v1/status/buildinfo", nil, &bi); code != 200 || bi["version"] == "" || bi["goVersion"] == "" {
			t.Fatalf("buildinfo: %d %v", code, bi)
		}
		if code, body := p.Get("/metrics", nil, nil); code != 200 || !strings.Contains(string(body), "go_goroutines") {
			t.Fatalf("/metrics: %d", code)
		}
		if code, body := p.Get("/config", nil, nil); code != 200 || !strings.Contains(string(body), "auth_enabled: false") {
			t.Fatalf("/config: %d %s", code, body)
		}
	})
}
