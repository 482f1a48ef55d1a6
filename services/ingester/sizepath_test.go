package ingester

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// TestSizeOnlySamplesMatchLinePath: counts and byte sums read from line lengths and hashes
// (encoded chunks via chunk.InfoIterator, entries directly) give exactly the samples of the
// path that reads every line, over encoded chunks, the head, a time window and metadata.
func TestSizeOnlySamplesMatchLinePath(t *testing.T) {
	h := start(t, natstest.RunServer(t), newMemStore(), smallChunkConfig())
	const lbls = `{app="s"}`
	for p := range 8 {
		var es []*logproto.EntryAdapter
		for k := range 25 {
			e := entry(int64(1000+p*25+k), fmt.Sprintf("push %d line %d %s", p, k, string(make([]byte, k*3))))
			if k%4 == 0 {
				e.StructuredMetadata = []*logproto.LabelPairAdapter{{Name: "trace", Value: fmt.Sprint(k % 3)}}
			}
			es = append(es, e)
		}
		if err := push(t, h.ing, "t", lbls, es...); err != nil {
			t.Fatal(err)
		}
	}
	// Entries older than what was cut, within the out-of-order window: chunks overlap and the
	// pieces are merged.
	for p := range 4 {
		var es []*logproto.EntryAdapter
		for k := range 25 {
			es = append(es, entry(int64(1000+p*50+2*k)-1, fmt.Sprintf("late %d %d", p, k)))
		}
		if err := push(t, h.ing, "t", lbls, es...); err != nil {
			t.Fatal(err)
		}
	}
	if cs := memChunks(t, h.ing, "t", lbls); len(cs) < 2 {
		t.Fatalf("%d chunks cut, want several", len(cs))
	}
	samples := func(q string, from, through int64, fast bool) []string {
		t.Helper()
		expr, err := syntax.ParseSampleExpr(q)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := expr.Extractor()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := log.SizeOnly(ex); !ok {
			t.Fatalf("%s: not a size-only extraction", q)
		}
		h.ing.noSizeFastPath = !fast
		defer func() { h.ing.noSizeFastPath = false }()
		it, err := h.ing.SelectSamples(ctxFor("t"), logql.SelectSampleParams{Expr: expr, Start: from, End: through})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for it.Next() {
			s := it.At()
			out = append(out, fmt.Sprintf("%s %d %g %x", it.Labels(), s.Timestamp, s.Value, s.Hash))
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		q             string
		from, through int64
	}{
		{`count_over_time(` + lbls + `[1m])`, 0, math.MaxInt64},
		{`bytes_over_time(` + lbls + `[1m])`, 0, math.MaxInt64},
		{`count_over_time(` + lbls + `[1m])`, 1030, 1170},
		{`bytes_rate(` + lbls + `[1m])`, 1199, 1250},
	} {
		slow, fast := samples(c.q, c.from, c.through, false), samples(c.q, c.from, c.through, true)
		// Each series is in timestamp order; the unbounded count sees every entry.
		last := map[string]int64{}
		for _, smp := range fast {
			fs := strings.Fields(smp)
			ls := strings.Join(fs[:len(fs)-3], " ")
			ts, err := strconv.ParseInt(fs[len(fs)-3], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if ts < last[ls] {
				t.Fatalf("%s: series %s goes back in time at %d", c.q, ls, ts)
			}
			last[ls] = ts
		}
		if c.from == 0 && len(fast) != 300 {
			t.Errorf("%s: %d samples, want 300", c.q, len(fast))
		}
		if len(slow) == 0 || !slices.Equal(slow, fast) {
			t.Errorf("%s [%d, %d): size path\n%q\nline path\n%q", c.q, c.from, c.through, fast, slow)
		}
	}
}
