package wal_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// BenchmarkAppend measures acknowledged appends of ~1 KiB records from many goroutines, the
// group-commit case: b.N records, reported as records/s and records per JetStream message.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name string
		par  int
		sync bool
	}{{"serial", 1, false}, {"parallel64", 64, false}, {"serial-sync", 1, true}, {"parallel64-sync", 64, true}} {
		par := tc.par
		b.Run(tc.name, func(b *testing.B) {
			s := natstest.RunServerWith(b, wal.EmbeddedConfig{DataDir: b.TempDir(), MaxPayload: 8 << 20, SyncAlways: tc.sync})
			w := openWAL(b, s, "bench")
			data, err := wal.EncodeRecord(nil, wal.Record{Tenant: "t", Streams: []*logproto.StreamAdapter{{
				Labels:  `{app="bench"}`,
				Entries: []*logproto.EntryAdapter{{Timestamp: timestamppb.New(time.Now()), Line: strings.Repeat("x", 1000)}},
			}}})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.SetParallelism(par)
			var failed atomic.Int64
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := w.AppendEncoded(context.Background(), data); err != nil {
						failed.Add(1)
					}
				}
			})
			el := time.Since(start)
			b.StopTimer()
			if failed.Load() > 0 {
				b.Fatalf("%d appends failed", failed.Load())
			}
			st := w.Stats()
			b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
			b.ReportMetric(float64(st.Appends.Load())/float64(max(st.Batches.Load(), 1)), "records/batch")
		})
	}
}

// BenchmarkReplay measures replay throughput: b.N records of ~1 KiB appended (in batches, as
// group commit writes them), then replayed; reported as records/s of the replay alone.
func BenchmarkReplay(b *testing.B) {
	s := natstest.RunServer(b)
	w := openWAL(b, s, "bench")
	data, err := wal.EncodeRecord(nil, wal.Record{Tenant: "t", Streams: []*logproto.StreamAdapter{{
		Labels:  `{app="bench"}`,
		Entries: []*logproto.EntryAdapter{{Timestamp: timestamppb.New(time.Now()), Line: strings.Repeat("x", 1000)}},
	}}})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := w.AppendEncoded(context.Background(), data); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	n := 0
	if err := w.Replay(context.Background(), 0, func(uint64, wal.Record) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	if n != b.N {
		b.Fatalf("replayed %d of %d", n, b.N)
	}
	b.ReportMetric(float64(n)/el.Seconds(), "records/s")
}
