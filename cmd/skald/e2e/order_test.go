//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/skaldlogs/skald/cmd/skald/internal/proctest"
)

// TestRetriedBatchesPageExactlyOnce re-pushes batches out of order, as an agent retrying after
// a failed push does, and pages through the stream: every line must come back once and in order.
func TestRetriedBatchesPageExactlyOnce(t *testing.T) {
	p := proctest.StartSkald(t, t.TempDir())
	base := time.Now().Add(-5 * time.Minute).UnixNano()
	batch := func(from, n int) proctest.Stream {
		s := proctest.NewStream(map[string]string{"job": "retry"})
		for i := from; i < from+n; i++ {
			s.Entries = append(s.Entries, proctest.Line{TS: base + int64(i)*int64(time.Microsecond), Text: fmt.Sprintf("seq=%d", i)})
		}
		return s
	}
	const n, per = 12000, 1000
	for from := 0; from < n; from += per {
		for _, b := range []int{from, max(0, from-2*per), from} { // a retry of an older batch in between
			if code, body := p.Push(t, "protobuf", []proctest.Stream{batch(b, per)}); code != 204 {
				t.Fatalf("push: %d %s", code, body)
			}
		}
	}
	if got := p.InstantValue(t, `count_over_time({job="retry"}[1h])`, time.Now().UnixNano()); got != n {
		t.Errorf("count_over_time = %v, want %d", got, n)
	}
	lines := p.AllLines(t, `{job="retry"}`, base, time.Now().UnixNano())
	seen := map[string]int{}
	for i, l := range lines {
		seen[l.Text]++
		if i > 0 && l.TS < lines[i-1].TS {
			t.Fatalf("line %d (%s) out of order", i, l.Text)
		}
	}
	if len(seen) != n || len(lines) != n {
		t.Fatalf("paged %d lines, %d distinct, want %d each", len(lines), len(seen), n)
	}
}
