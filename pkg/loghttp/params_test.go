package loghttp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestParseRangeQuery(t *testing.T) {
	for _, tc := range []struct {
		name    string
		query   string
		want    RangeQuery
		wantErr string
	}{
		{
			name:  "defaults",
			query: `query={a="b"}`,
			want: RangeQuery{Query: `{a="b"}`, Start: testNow.Add(-time.Hour), End: testNow,
				Step: 14 * time.Second, Limit: 100, Direction: iter.Backward},
		},
		{
			name:  "ns bounds, step in ms as Grafana sends, forward",
			query: "query=x&start=1700000000000000000&end=1700000060000000000&step=2000ms&limit=1000&direction=FORWARD",
			want: RangeQuery{Query: "x", Start: time.Unix(1700000000, 0), End: time.Unix(1700000060, 0),
				Step: 2 * time.Second, Limit: 1000, Direction: iter.Forward},
		},
		{
			name:  "since, float step, interval, shards",
			query: "query=x&since=10m&step=0.5&interval=1m&shards=0_of_2,1_of_2",
			want: RangeQuery{Query: "x", Start: testNow.Add(-10 * time.Minute), End: testNow,
				Step: 500 * time.Millisecond, Interval: time.Minute, Limit: 100, Direction: iter.Backward,
				Shards: []string{"0_of_2", "1_of_2"}},
		},
		{
			name:  "small range: step at least 1s",
			query: "query=x&start=1&end=4",
			want: RangeQuery{Query: "x", Start: time.Unix(1, 0), End: time.Unix(4, 0),
				Step: time.Second, Limit: 100, Direction: iter.Backward},
		},
		{name: "zero step", query: "query=x&step=0", wantErr: "zero or negative query resolution step widths are not accepted. Try a positive integer"},
		{name: "negative step", query: "query=x&step=-1s", wantErr: "zero or negative query resolution step"},
		{name: "negative float step", query: "query=x&step=-1", wantErr: "zero or negative query resolution step"},
		{name: "too many points", query: "query=x&since=1d&step=1s", wantErr: "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter"},
		{name: "end before start", query: "query=x&start=10&end=5", wantErr: "end timestamp must not be before or equal to start time"},
		{name: "bad limit", query: "query=x&limit=abc", wantErr: `cannot parse "abc" to a valid limit`},
		{name: "zero limit", query: "query=x&limit=0", wantErr: "limit must be a positive value"},
		{name: "bad direction", query: "query=x&direction=up", wantErr: "invalid direction 'up'"},
		{name: "bad start", query: "query=x&start=yesterday", wantErr: `cannot parse "yesterday" to a valid timestamp`},
		{name: "bad since", query: "query=x&since=forever", wantErr: `cannot parse "forever" to a valid duration`},
		{name: "negative interval", query: "query=x&interval=-5", wantErr: "interval must be >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseRangeQuery(v, testNow)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if StatusOf(err) != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", StatusOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(tc.want.Start) || !got.End.Equal(tc.want.End) {
				t.Fatalf("bounds %v..%v, want %v..%v", got.Start, got.End, tc.want.Start, tc.want.End)
			}
			got.Start, got.End = tc.want.Start, tc.want.End
			if got.Query != tc.want.Query || got.Step != tc.want.Step || got.Interval != tc.want.Interval ||
				got.Limit != tc.want.Limit || got.Direction != tc.want.Direction ||
				strings.Join(got.Shards, ",") != strings.Join(tc.want.Shards, ",") {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseInstantQuery(t *testing.T) {
	// Grafana's health check sends time=4s as nanoseconds; with 10 digits Loki (and so we)
	// read it as seconds. The answer (vector(1)+vector(1)) does not depend on it.
	v, _ := url.ParseQuery("query=vector(1)%2Bvector(1)&time=4000000000")
	q, err := ParseInstantQuery(v, testNow)
	if err != nil || q.Query != "vector(1)+vector(1)" || !q.Time.Equal(time.Unix(4000000000, 0)) || q.Limit != 100 || q.Direction != iter.Backward {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = ParseInstantQuery(url.Values{"query": {"x"}}, testNow)
	if err != nil || !q.Time.Equal(testNow) {
		t.Fatalf("default time: %+v %v", q, err)
	}
	if _, err := ParseInstantQuery(url.Values{"time": {"x"}}, testNow); StatusOf(err) != 400 {
		t.Fatalf("bad time: %v", err)
	}
}

func TestParseMetadataQueries(t *testing.T) {
	l, err := ParseLabelQuery(url.Values{"query": {`{a="b"}`}}, "app", testNow)
	if err != nil || l.Name != "app" || l.Query != `{a="b"}` || !l.Start.Equal(testNow.Add(-6*time.Hour)) || !l.End.Equal(testNow) {
		t.Fatalf("labels: %+v %v", l, err)
	}
	s, err := ParseSeriesQuery(url.Values{"match[]": {`{a="b"}`, `{c="d"}`}, "since": {"1h"}}, testNow)
	if err != nil || len(s.Groups) != 2 || !s.Start.Equal(testNow.Add(-time.Hour)) {
		t.Fatalf("series: %+v %v", s, err)
	}
	if _, err := ParseSeriesQuery(url.Values{}, testNow); StatusOf(err) != 400 {
		t.Fatalf("series without match[]: %v", err)
	}
	st, err := ParseStatsQuery(url.Values{"query": {`{a="b"}`}, "start": {"2026-11-25T11:00:00Z"}}, testNow)
	if err != nil || !st.Start.Equal(testNow.Add(-time.Hour)) {
		t.Fatalf("stats: %+v %v", st, err)
	}
}

func TestFormPost(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/series?start=1", strings.NewReader("match%5B%5D=%7Ba%3D%22b%22%7D&end=5"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	v, err := Form(r)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseSeriesQuery(v, testNow)
	if err != nil || len(q.Groups) != 1 || q.Groups[0] != `{a="b"}` || !q.Start.Equal(time.Unix(1, 0)) || !q.End.Equal(time.Unix(5, 0)) {
		t.Fatalf("%+v %v", q, err)
	}
}

func TestDefaultStep(t *testing.T) {
	f := func(r time.Duration, want time.Duration) {
		t.Helper()
		if got := DefaultStep(testNow, testNow.Add(r)); got != want {
			t.Fatalf("DefaultStep(%v) = %v, want %v", r, got, want)
		}
	}
	f(0, time.Second)
	f(time.Hour, 14*time.Second)
	f(6*time.Hour, 86*time.Second)
	f(30*24*time.Hour, 10368*time.Second)
}

// FuzzParseRangeQuery checks that no input makes the parameter parsers panic and that every
// error they return is a 400.
func FuzzParseRangeQuery(f *testing.F) {
	for _, s := range []string{
		`query={a="b"}`, "start=1700000000000000000&end=1700000060000000000&step=2000ms&limit=1000&direction=FORWARD",
		"since=10m&step=0.5&interval=1m&shards=0_of_2,1_of_2", "step=0", "since=1d&step=1s", "start=10&end=5",
		"limit=abc", "direction=up", "start=2026-11-25T14:00:00Z", "step=1e308", "time=1.5", "step=1h30m",
		"match[]={a=\"b\"}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		check := func(err error) {
			if err != nil && StatusOf(err) != http.StatusBadRequest {
				t.Fatalf("%q: error %v has status %d", raw, err, StatusOf(err))
			}
		}
		q, err := ParseRangeQuery(v, testNow)
		check(err)
		if err == nil && (q.Step <= 0 || q.End.Before(q.Start)) {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
		_, err = ParseInstantQuery(v, testNow)
		check(err)
		_, err = ParseLabelQuery(v, "x", testNow)
		check(err)
		_, err = ParseSeriesQuery(v, testNow)
		check(err)
	})
}
