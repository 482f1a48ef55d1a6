package ingester

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// flogLine returns a flog-like JSON access log line, varied enough that compression and the
// block filters see realistic data.
func flogLine(r *rand.Rand, ts int64) string {
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	paths := []string{"/api/v1/users", "/checkout", "/cart/items", "/login", "/search", "/static/app.js"}
	return fmt.Sprintf(`{"host":"10.%d.%d.%d","user-identifier":"u%d","datetime":"%s","method":"%s","request":"%s/%d","protocol":"HTTP/1.1","status":%d,"bytes":%d,"referer":"https://www.example%d.com/"}`,
		r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(5000), time.Unix(0, ts).UTC().Format(time.RFC3339),
		methods[r.IntN(len(methods))], paths[r.IntN(len(paths))], r.IntN(100000),
		[]int{200, 200, 200, 201, 301, 404, 500, 503}[r.IntN(8)], r.IntN(50000), r.IntN(1000))
}

// pushFlog pushes about mb MiB of flog-like lines over streams streams (one of them slow), in
// pushes of ~1 MiB whose lines alias one decoded body each (as the HTTP and gRPC decoders do).
// It returns the raw bytes pushed.
func pushFlog(tb testing.TB, h *harness, mb, streams int) int {
	r := rand.New(rand.NewPCG(1, 2))
	total, ts := 0, int64(1_700_000_000_000_000_000)
	for total < mb<<20 {
		body := make([]byte, 0, 1<<20+4096)
		req := &logproto.PushRequest{}
		sas := make([]*logproto.StreamAdapter, streams)
		for k := range sas {
			sas[k] = &logproto.StreamAdapter{Labels: fmt.Sprintf(`{app="app%d", level="info"}`, k)}
			req.Streams = append(req.Streams, sas[k])
		}
		for len(body) < 1<<20 {
			ts += int64(time.Millisecond)
			l := flogLine(r, ts)
			if len(body)+len(l) > cap(body) {
				break
			}
			start := len(body)
			body = append(body, l...)
			// Stream 0 is a slow one, one line a push (as a quiet service's): its head spans
			// every push, so an entry aliasing its push body would keep all the bodies alive.
			sa := sas[0]
			if len(sa.Entries) > 0 {
				sa = sas[1+r.IntN(streams-1)]
			}
			sa.Entries = append(sa.Entries, entry(ts, unsafeString(body[start:])))
		}
		total += len(body)
		if _, err := h.ing.Push(ctxFor("t"), req); err != nil {
			tb.Fatal(err)
		}
	}
	return total
}

// heapInUse returns the heap in use after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// benchConfig cuts chunks at 2 MiB, so that 128 MiB over 20 streams cuts a few per stream.
func benchConfig() Config {
	cfg := testConfig()
	cfg.ChunkTargetSize = 2 << 20
	return cfg
}

// BenchmarkIngestMemory pushes 128 MiB of flog-like JSON over 20 streams (nothing flushed) and
// reports the heap in use after a GC per MiB ingested: what the ingester keeps per raw MiB.
func BenchmarkIngestMemory(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s := natstest.RunServerWith(b, wal.EmbeddedConfig{DataDir: b.TempDir(), MaxPayload: 8 << 20})
		h := start(b, s, newMemStore(), benchConfig())
		base := heapInUse()
		b.StartTimer()
		n := pushFlog(b, h, 128, 20)
		b.StopTimer()
		waitEncoder(h.ing)
		used := heapInUse()
		b.ReportMetric(float64(int64(used)-int64(base))/float64(n>>20)/(1<<20), "heapMiB/MiB")
		b.SetBytes(int64(n))
		_ = h.stop()
		b.StartTimer()
	}
}

// BenchmarkNeedleInMemory measures `{app=~".+"} |= "<needle>"` over 128 MiB held in memory
// (heads and unflushed chunks) where one line holds the needle.
func BenchmarkNeedleInMemory(b *testing.B) {
	s := natstest.RunServerWith(b, wal.EmbeddedConfig{DataDir: b.TempDir(), MaxPayload: 8 << 20})
	h := start(b, s, newMemStore(), benchConfig())
	pushFlog(b, h, 128, 20)
	waitEncoder(h.ing)
	if err := push(b, h.ing, "t", `{app="app7", level="info"}`, entry(1_800_000_000_000_000_000, "found needle123 here")); err != nil {
		b.Fatal(err)
	}
	sel, err := syntax.ParseLogSelector(`{app=~".+"} |= "needle123"`, true)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		it, err := h.ing.SelectLogs(ctxFor("t"), logql.SelectLogParams{Selector: sel, Start: 0, End: math.MaxInt64, Limit: 100, Direction: iter.Backward})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.Next() {
			if !strings.Contains(it.At().Line, "needle123") {
				b.Fatal("wrong line")
			}
			n++
		}
		if n != 1 {
			b.Fatalf("%d lines, want 1", n)
		}
		_ = it.Close()
	}
}

// BenchmarkCountInMemory measures `count_over_time({app=~".+"}[1m])` samples over 128 MiB held
// in memory.
func BenchmarkCountInMemory(b *testing.B) {
	s := natstest.RunServerWith(b, wal.EmbeddedConfig{DataDir: b.TempDir(), MaxPayload: 8 << 20})
	h := start(b, s, newMemStore(), benchConfig())
	pushFlog(b, h, 128, 20)
	waitEncoder(h.ing)
	expr, err := syntax.ParseSampleExpr(`count_over_time({app=~".+"}[1m])`)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		it, err := h.ing.SelectSamples(ctxFor("t"), logql.SelectSampleParams{Expr: expr, Start: 0, End: math.MaxInt64})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.Next() {
			n++
		}
		if n == 0 {
			b.Fatal("no samples")
		}
		_ = it.Close()
	}
}
