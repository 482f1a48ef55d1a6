//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/skaldlogs/skald/cmd/skald/internal/proctest"
)

// TestCountsOverFlushedAndHeldData counts lines that both the store and the ingester hold
// (flushed chunks stay in memory for -ingester.chunk-retain-period) and lines only one of them
// holds. The store sums older entries per step while the ingester returns single samples; every
// step must count each line exactly once.
func TestCountsOverFlushedAndHeldData(t *testing.T) {
	p := proctest.StartSkald(t, t.TempDir(), "-ingester.chunk-retain-period=1h")
	step := int64(time.Minute)
	start := (time.Now().Add(-30*time.Minute).UnixNano()/step)*step + 7 // off the grid
	perMinute := map[int64]int{}                                        // window end → lines
	push := func(job string, from, n int, gap time.Duration) {
		s := proctest.NewStream(map[string]string{"job": job})
		for i := from; i < from+n; i++ {
			ts := start + int64(i)*int64(gap)
			s.Entries = append(s.Entries, proctest.Line{TS: ts, Text: fmt.Sprintf("%s line %d", job, i)})
			perMinute[(ts/step+1)*step]++ // (end-1m, end]: no ts sits on the grid
		}
		if code, body := p.Push(t, "protobuf", []proctest.Stream{s}); code != 204 {
			t.Fatalf("push: %d %s", code, body)
		}
	}
	flush := func() {
		if code, body, err := proctest.Post(p.URL("/flush"), nil, nil); err != nil || code != 204 {
			t.Fatalf("flush: %d %s %v", code, body, err)
		}
	}
	push("both", 0, 3000, 200*time.Millisecond) // 10 min, flushed and still held
	push("stored", 0, 1500, 400*time.Millisecond)
	flush()
	push("both", 3000, 3000, 200*time.Millisecond) // 10 more min, held only
	push("held", 0, 1200, 500*time.Millisecond)

	end := start + int64(25*time.Minute)
	qr := p.Query(t, "/loki/api/v1/query_range", url.Values{
		"query": {`sum(count_over_time({job=~".+"}[1m]))`},
		"start": {strconv.FormatInt((start/step)*step, 10)},
		"end":   {strconv.FormatInt(end, 10)},
		"step":  {"60"},
	})
	got := map[int64]int{}
	total := 0
	for _, s := range proctest.DecodeResult[proctest.MatrixResult](t, qr) {
		for _, v := range s.Values {
			secs, _ := v[0].(float64)
			n, err := strconv.Atoi(fmt.Sprint(v[1]))
			if err != nil {
				t.Fatalf("value %v: %v", v[1], err)
			}
			got[int64(secs)*int64(time.Second)] = n
			total += n
		}
	}
	want := 0
	for at, n := range perMinute {
		want += n
		if got[at] != n {
			t.Errorf("window ending %s: %d lines, want %d", time.Unix(0, at).UTC().Format(time.TimeOnly), got[at], n)
		}
	}
	if total != want {
		t.Errorf("sum over all steps = %d, want %d", total, want)
	}
	if v := p.InstantValue(t, `sum(count_over_time({job=~".+"}[1h]))`, end); int(v) != want {
		t.Errorf("instant count = %v, want %d", v, want)
	}
}
