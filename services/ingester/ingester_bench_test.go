package ingester

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// BenchmarkPush measures lines/s through Push with the WAL on (embedded JetStream, file
// storage): concurrent pushes of 100 lines of ~200 bytes over 10 streams each.
func BenchmarkPush(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(map[bool]string{false: "nosync", true: "sync"}[sync], func(b *testing.B) {
			s := natstest.RunServerWith(b, wal.EmbeddedConfig{DataDir: b.TempDir(), MaxPayload: 8 << 20, SyncAlways: sync})
			benchPush(b, start(b, s, newMemStore(), testConfig()))
		})
	}
}

func benchPush(b *testing.B, h *harness) {
	const linesPerPush = 100
	line := strings.Repeat("x", 200)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		g := n.Add(1)
		ts := int64(0)
		for pb.Next() {
			req := &logproto.PushRequest{}
			for s := range 10 {
				sa := &logproto.StreamAdapter{Labels: fmt.Sprintf(`{app="bench", g="%d", s="%d"}`, g, s)}
				for range linesPerPush / 10 {
					ts++
					sa.Entries = append(sa.Entries, entry(ts, line))
				}
				req.Streams = append(req.Streams, sa)
			}
			if _, err := h.ing.Push(ctxFor("t"), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	el := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N*linesPerPush)/el.Seconds(), "lines/s")
	b.SetBytes(int64(linesPerPush * len(line)))
}

// BenchmarkReplay measures how fast a new ingester replays a WAL into memory: b.N pushes of
// 100 lines over 10 streams, then the time until a fresh ingester on the same WAL is ready.
func BenchmarkReplay(b *testing.B) {
	s := natstest.RunServer(b)
	cfg := testConfig()
	h := start(b, s, newMemStore(), cfg)
	line := strings.Repeat("x", 200)
	ts := int64(0)
	for range b.N {
		req := &logproto.PushRequest{}
		for s := range 10 {
			sa := &logproto.StreamAdapter{Labels: fmt.Sprintf(`{app="bench", s="%d"}`, s)}
			for range 10 {
				ts++
				sa.Entries = append(sa.Entries, entry(ts, line))
			}
			req.Streams = append(req.Streams, sa)
		}
		if _, err := h.ing.Push(ctxFor("t"), req); err != nil {
			b.Fatal(err)
		}
	}
	h.nc.Close() // die without a final flush
	_ = h.stop()
	b.ResetTimer()
	t0 := time.Now()
	h2 := start(b, s, newMemStore(), cfg)
	el := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N*100)/el.Seconds(), "lines/s")
	_ = h2.stop()
}
