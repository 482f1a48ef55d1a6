package chunk

import (
	"math/rand/v2"
	"strconv"
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
		f(ts / 1e6 * 1e6) // millisecond precision, the common case
		f(ts / 1e8 * 1e8)
	}
}

func TestAppendDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	f := func(x uint64) {
		if got, want := string(appendDecimal([]byte("x"), x)), "x"+strconv.FormatUint(x, 10); got != want {
			t.Fatalf("appendDecimal(%d) = %q, want %q", x, got, want)
		}
	}
	for x := uint64(0); x < 1_100_000; x++ {
		f(x)
	}
	for range 10000 {
		f(r.Uint64())
		f(r.Uint64N(1e10))
	}
}
