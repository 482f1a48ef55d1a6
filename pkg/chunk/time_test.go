package chunk

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendTime holds the cached formatter to time.RFC3339Nano, in and out of order.
func TestAppendTime(t *testing.T) {
	var tf timeFormatter
	r := rand.New(rand.NewPCG(3, 4))
	f := func(ts int64) {
		t.Helper()
		want := time.Unix(0, ts).UTC().Format(time.RFC3339Nano)
		if got := string(tf.appendTime(nil, ts)); got != want {
			t.Fatalf("appendTime(%d) = %q, want %q", ts, got, want)
		}
	}
	for _, ts := range []int64{0, 1, -1, 1e9, -1e9, -1e9 - 1, 1_764_000_000_016_000_000, 1_764_000_000_016_000_001, 1_764_000_000_000_000_000, -1 << 63, 1<<63 - 1} {
		f(ts)
	}
	ts := int64(1_764_000_000_000_000_000)
	for range 10000 {
		ts += r.Int64N(3e8)
		f(ts)
		f(r.Int64())
	}
}
