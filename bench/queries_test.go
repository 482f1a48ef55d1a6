package bench

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestQueriesText(t *testing.T) {
	ds := &Dataset{
		Config: DatasetConfig{Needles: 5},
		Token:  "needle0badf00d",
		Probe:  `{app="api",env="prod"}`,
		First:  time.Date(2026, 11, 25, 10, 3, 7, 123457, time.UTC).UnixNano(),
		Last:   time.Date(2026, 11, 25, 10, 41, 59, 500123457, time.UTC).UnixNano(),
	}
	qs := Queries(ds)
	want := []struct{ logql, logsql string }{
		{`{app=~".+"} |= "needle0badf00d"`, `"needle0badf00d"`},
		{`sum by (level) (count_over_time({app=~".+"}[1m]))`, `* | stats by (level) count() hits`},
		{`sum(count_over_time({app=~".+"} | json | status >= 500 [5m]))`, `status:>=500 | stats count() hits`},
		{`{app="api",env="prod"}`, `_stream:{app="api",env="prod"}`},
	}
	if len(qs) != len(want) {
		t.Fatalf("%d queries, want %d", len(qs), len(want))
	}
	for i, w := range want {
		if qs[i].Text(Loki) != w.logql || qs[i].Text(VictoriaLogs) != w.logsql {
			t.Errorf("query %s = %q / %q, want %q / %q", qs[i].ID, qs[i].LogQL, qs[i].LogsQL, w.logql, w.logsql)
		}
	}
	day := func(h, m, s int) time.Time { return time.Date(2026, 11, 25, h, m, s, 0, time.UTC) }
	windows := []struct {
		start, end time.Time
		step       time.Duration
	}{
		{day(10, 3, 0), day(10, 42, 0), 0},
		{day(10, 3, 0), day(10, 42, 0), time.Minute},
		{day(10, 0, 0), day(10, 45, 0), 5 * time.Minute},
		{day(10, 37, 0), day(10, 42, 0), 0},
	}
	for i, w := range windows {
		q := qs[i]
		if !q.Start.Equal(w.start) || !q.End.Equal(w.end) || q.Step != w.step {
			t.Errorf("query %s window [%v, %v] step %v, want [%v, %v] step %v", q.ID, q.Start.UTC(), q.End.UTC(), q.Step, w.start, w.end, w.step)
		}
	}
	if qs[3].Limit != ProbeLimit || qs[0].Limit < ds.Config.Needles {
		t.Errorf("limits %d and %d", qs[0].Limit, qs[3].Limit)
	}
}

func TestQueryURL(t *testing.T) {
	ds := &Dataset{Config: DatasetConfig{Needles: 5}, Token: "needle1", Probe: `{app="api"}`,
		First: time.Date(2026, 11, 25, 10, 0, 0, 123457, time.UTC).UnixNano(),
		Last:  time.Date(2026, 11, 25, 10, 30, 0, 123457, time.UTC).UnixNano()}
	qs := Queries(ds)
	f := func(d Dialect, q Query, wantPath string, want map[string]string) {
		t.Helper()
		u, err := url.Parse(QueryURL(Target{URL: "http://h:1", Dialect: d}, q))
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != wantPath {
			t.Errorf("%s %s: path %q, want %q", d, q.ID, u.Path, wantPath)
		}
		if strings.Contains(u.RawQuery, "+") {
			t.Errorf("%s %s: %q encodes spaces as +", d, q.ID, u.RawQuery)
		}
		for k, v := range want {
			if got := u.Query().Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", d, q.ID, k, got, v)
			}
		}
	}
	f(Loki, qs[0], "/loki/api/v1/query_range", map[string]string{"query": qs[0].LogQL, "limit": "100", "direction": "backward",
		"start": "1795600800000000000", "end": "1795602660000000000", "step": ""})
	f(Loki, qs[1], "/loki/api/v1/query_range", map[string]string{"step": "60", "limit": ""})
	f(Loki, qs[2], "/loki/api/v1/query_range", map[string]string{"step": "300"})
	f(VictoriaLogs, qs[0], "/select/logsql/query", map[string]string{"query": `"needle1"`, "limit": "100",
		"start": "2026-11-25T10:00:00Z", "end": "2026-11-25T10:31:00Z"})
	f(VictoriaLogs, qs[1], "/select/logsql/stats_query_range", map[string]string{"step": "60s", "limit": ""})
	f(VictoriaLogs, qs[3], "/select/logsql/query", map[string]string{"query": `_stream:{app="api"}`, "limit": "1000"})
	if got := (Target{URL: "http://h", Dialect: VictoriaLogs}).PushURL(); got != "http://h/insert/loki/api/v1/push?_msg_field=msg" {
		t.Errorf("VictoriaLogs push url %q", got)
	}
	if got := (Target{URL: "http://h", Dialect: Loki}).PushURL(); got != "http://h/loki/api/v1/push" {
		t.Errorf("Loki push url %q", got)
	}
}

func TestExpectCountsOnlyAckedBatches(t *testing.T) {
	at := func(m, s int) int64 { return time.Date(2026, 11, 25, 10, m, s, 123457, time.UTC).UnixNano() }
	ds := &Dataset{First: at(0, 0), Last: at(20, 0), Probe: `{a="b"}`, Batches: []BatchInfo{
		{Lines: 10, Bytes: 100, Levels: [4]int{7, 1, 1, 1}, Status5xx: 1, Needles: []string{"n2"},
			Probe: []TailEntry{{at(1, 0), "old"}, {at(15, 30), "p1"}}},
		{Lines: 20, Bytes: 200, Levels: [4]int{10, 5, 3, 2}, Status5xx: 3, Needles: []string{"n1"},
			Probe: []TailEntry{{at(16, 0), "p2"}}},
		{Lines: 5, Bytes: 50, Levels: [4]int{5, 0, 0, 0}, Probe: []TailEntry{{at(19, 59), "p3"}}},
	}}
	qs := Queries(ds)
	e := ds.Expect(nil, qs)
	if e.Lines != 35 || e.Bytes != 350 || e.Levels != [4]int64{22, 6, 4, 3} || e.Status5xx != 4 ||
		strings.Join(e.Needles, ",") != "n1,n2" || strings.Join(e.Probe, ",") != "p1,p2,p3" {
		t.Fatalf("all acked: %+v", e)
	}
	e = ds.Expect([]bool{true, false, true}, qs)
	if e.Lines != 15 || e.Status5xx != 1 || strings.Join(e.Needles, ",") != "n2" || strings.Join(e.Probe, ",") != "p1,p3" {
		t.Fatalf("batch 1 not acked: %+v", e)
	}
}

func TestExpectProbeKeepsNewestLimit(t *testing.T) {
	base := time.Date(2026, 11, 25, 10, 0, 0, 123457, time.UTC)
	var probe []TailEntry
	for i := 0; i < ProbeLimit+500; i++ {
		probe = append(probe, TailEntry{base.Add(time.Duration(i) * 100 * time.Millisecond).UnixNano(), "id" + strings.Repeat("x", 0) + time.Duration(i).String()})
	}
	last := probe[len(probe)-1].TS
	ds := &Dataset{First: probe[0].TS, Last: last, Batches: []BatchInfo{{Lines: len(probe), Probe: probe}}}
	e := ds.Expect(nil, Queries(ds))
	if len(e.Probe) != ProbeLimit {
		t.Fatalf("%d probe lines expected, want the limit %d", len(e.Probe), ProbeLimit)
	}
	newest := map[string]bool{}
	for _, p := range probe[len(probe)-ProbeLimit:] {
		newest[p.TraceID] = true
	}
	for _, id := range e.Probe {
		if !newest[id] {
			t.Fatalf("expected probe line %s is not among the newest %d", id, ProbeLimit)
		}
	}
}
