package ingester

import (
	"context"
	"fmt"
	"math/rand/v2"
	rtmetrics "runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// discardStore is an EncodedChunkStore that keeps nothing: the flush costs what the ingester
// does, not what a bucket does.
type discardStore struct{ bytes atomic.Int64 }

func (d *discardStore) WriteChunks(context.Context, string, []FlushChunk) error { return nil }
func (d *discardStore) ChunkOptions() chunk.Options                             { return chunk.DefaultOptions() }
func (d *discardStore) WriteEncoded(_ context.Context, _ string, cs []EncodedChunk) error {
	for _, c := range cs {
		d.bytes.Add(int64(len(c.Data)))
	}
	return nil
}

// BenchmarkPushFlog is the ingest path of `make bench` in one process: 4 concurrent pushers of
// ~1 MiB of flog-like JSON over 100 streams, with the embedded JetStream WAL, the background
// encoder and the default flush settings, ending with a flush. An op is one push. It reports
// raw MB per CPU-second of the whole process (NATS included) and the peak memory the runtime
// held from the OS (a stand-in for RSS), besides -benchmem's allocations.
func BenchmarkPushFlog(b *testing.B) {
	const (
		streams = 100
		workers = 4
		bodies  = 8
	)
	s := natstest.RunServerWith(b, wal.EmbeddedConfig{DataDir: b.TempDir(), MaxPayload: 8 << 20})
	cfg := DefaultConfig()
	cfg.WAL.RequestTimeout = 5 * time.Second
	h := start(b, s, &discardStore{}, cfg)

	// Each worker reuses its own requests (only timestamps change), so the benchmark allocates
	// next to nothing itself; the lines are shared and read-only.
	r := rand.New(rand.NewPCG(1, 2))
	lines := make([][]string, bodies)
	raw := 0
	for k := range lines {
		n := 0
		for n < 1<<20 {
			l := flogLine(r, 0)
			lines[k] = append(lines[k], l)
			n += len(l)
		}
		raw += n
	}
	raw /= bodies
	var levels [][]*logproto.LabelPairAdapter
	for _, l := range []string{"info", "info", "info", "warn", "error"} {
		levels = append(levels, []*logproto.LabelPairAdapter{{Name: "detected_level", Value: l}})
	}
	reqs := make([][]*logproto.PushRequest, workers)
	for w := range reqs {
		for k := range bodies {
			req := &logproto.PushRequest{}
			sas := make([]*logproto.StreamAdapter, streams)
			for j := range sas {
				sas[j] = &logproto.StreamAdapter{Labels: fmt.Sprintf(`{app="app%d", env="prod", pod="p-%02d"}`, j%10, j)}
				req.Streams = append(req.Streams, sas[j])
			}
			for j, l := range lines[k] {
				e := entry(0, l)
				// The distributor gives every entry a detected_level.
				e.StructuredMetadata = levels[j%len(levels)]
				sas[j%streams].Entries = append(sas[j%streams].Entries, e)
			}
			reqs[w] = append(reqs[w], req)
		}
	}

	peak := sampleMemory()
	var next atomic.Int64
	var clock atomic.Int64
	clock.Store(time.Now().Add(-time.Hour).UnixNano())
	cpu0 := cpuTime()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; next.Add(1) <= int64(b.N); k++ {
				req := reqs[w][k%bodies]
				// One millisecond per line, as the data set of make bench.
				n := int64(len(lines[k%bodies])) * int64(time.Millisecond)
				ts := clock.Add(n) - n
				for j := range lines[k%bodies] {
					e := req.Streams[j%streams].Entries[j/streams]
					e.Timestamp.Seconds, e.Timestamp.Nanos = ts/1e9, int32(ts%1e9)
					ts += int64(time.Millisecond)
				}
				if _, err := h.ing.Push(ctxFor("t"), req); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := h.ing.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	p := peak()
	b.SetBytes(int64(raw))
	b.ReportMetric(float64(raw)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	b.ReportMetric(float64(p)/(1<<20), "peak-MiB")
}

// cpuTime returns the user plus system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleMemory samples, every 5 ms until the returned function is called, the memory the Go
// runtime holds from the OS (mapped minus released) and returns the peak.
func sampleMemory() func() uint64 {
	samples := []rtmetrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			rtmetrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64()-samples[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak
	}
}
