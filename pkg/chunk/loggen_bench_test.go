package chunk

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/loggen"
)

// The bench data set's shape (bench/dataset.go): loggen JSON lines on 100 streams, one entry
// per millisecond across all streams. loggenStreams holds 64 MiB of it, grouped by stream.
var (
	loggenOnce    sync.Once
	loggenStreams [][]iter.Entry
	loggenRaw     int64
)

func loggenData(b testing.TB) ([][]iter.Entry, int64) {
	loggenOnce.Do(func() {
		g, err := loggen.NewGenerator(1, 100, loggen.FormatJSON)
		if err != nil {
			panic(err)
		}
		loggenStreams = make([][]iter.Entry, 100)
		ts := int64(1_764_000_000_000_000_000)
		for loggenRaw < 64<<20 {
			e := g.Next(ts)
			loggenStreams[e.Stream] = append(loggenStreams[e.Stream], iter.Entry{Timestamp: ts, Line: e.Line})
			loggenRaw += int64(len(e.Line))
			ts += 1e6
		}
	})
	return loggenStreams, loggenRaw
}

func buildLoggen(b *testing.B, opts Options) ([][]byte, int64) {
	b.Helper()
	if v, err := strconv.Atoi(os.Getenv("CHUNK_FILTER_BITS")); err == nil {
		opts.FilterBitsPerGram = v // to compare filter sizes and false positives
	}
	streams, _ := loggenData(b)
	out := make([][]byte, len(streams))
	var size int64
	for i, es := range streams {
		data, meta, err := build(es, opts)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = data
		size += meta.CompressedSize
	}
	return out, size
}

// BenchmarkLoggenEncode builds one chunk per stream of the bench data set and reports raw ÷
// stored and the bytes per entry of each part.
func BenchmarkLoggenEncode(b *testing.B) {
	streams, raw := loggenData(b)
	b.SetBytes(raw)
	var chunks [][]byte
	var size int64
	cpu := startCPU(b)
	for b.Loop() {
		chunks, size = buildLoggen(b, Options{})
	}
	cpu.report(b, raw)
	var entries int
	for _, es := range streams {
		entries += len(es)
	}
	var parts [numColumns + 1]int64
	for _, data := range chunks {
		ch, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		for i := range ch.blocks {
			m := &ch.blocks[i]
			for c := 0; c < numColumns; c++ {
				parts[c] += int64(m.compLen[c])
			}
			parts[numColumns] += int64(len(m.filter))
		}
	}
	b.ReportMetric(float64(raw)/float64(size), "ratio")
	b.ReportMetric(float64(size)/float64(entries), "B/entry")
	for c, name := range []string{"times", "lines", "meta", "hashes", "filter"} {
		b.ReportMetric(float64(parts[c])/float64(entries), name+"-B/entry")
	}
}

// benchLoggenChunks reports the rate at which read gets through every stream's chunk, each
// decoded anew per round.
func benchLoggenChunks(b *testing.B, read func(*Chunk) error) {
	_, raw := loggenData(b)
	chunks, _ := buildLoggen(b, Options{})
	b.SetBytes(raw)
	cpu := startCPU(b)
	for b.Loop() {
		for _, data := range chunks {
			ch, err := Decode(data)
			if err != nil {
				b.Fatal(err)
			}
			if err := read(ch); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu.report(b, raw)
}

// BenchmarkLoggenScan reports the rate of a full forward scan of every stream's chunk.
func BenchmarkLoggenScan(b *testing.B) {
	benchLoggenChunks(b, func(ch *Chunk) error {
		it := ch.Iterator(-1<<62, 1<<62, iter.Forward, nil)
		for it.Next() {
			_ = it.At()
		}
		return it.Err()
	})
}

// BenchmarkLoggenInfo reports the rate of the count path (InfoIterator) over every chunk.
func BenchmarkLoggenInfo(b *testing.B) {
	benchLoggenChunks(b, func(ch *Chunk) error {
		it := ch.InfoIterator(-1<<62, 1<<62)
		for it.Next() {
			_ = it.At()
		}
		return it.Err()
	})
}

// BenchmarkLoggenNeedle reports the share of blocks the token filters let through for needles
// absent from the data (false positives): the bench's needle and a trace ID.
func BenchmarkLoggenNeedle(b *testing.B) {
	_, raw := loggenData(b)
	chunks, _ := buildLoggen(b, Options{})
	streams, _ := loggenData(b)
	// A trace ID that occurs once (the bench's needles are in one line each, too).
	line := streams[7][len(streams[7])/2].Line
	i := strings.Index(line, `"trace_id":"`) + len(`"trace_id":"`)
	present := line[i : i+16]
	for _, needle := range []string{"needle68e7cb2f", "4bf92f3577b34da6", "a1b2c3d4e5", present} {
		b.Run(needle, func(b *testing.B) {
			b.SetBytes(raw)
			var blocks, passed int
			cpu := startCPU(b)
			for b.Loop() {
				blocks, passed = 0, 0
				for _, data := range chunks {
					ch, _ := Decode(data)
					it := ch.Iterator(-1<<62, 1<<62, iter.Forward, []string{needle})
					for it.Next() {
						_ = it.At()
					}
					st := it.Stats()
					blocks += st.Blocks
					passed += st.Blocks - st.BlocksFilterSkip
				}
			}
			cpu.report(b, raw)
			b.ReportMetric(float64(passed)/float64(blocks), "fp-blocks")
		})
	}
}

// cpuMeter reports the process CPU time (user + system, GC included) per MB of raw lines: on
// shared cores it varies far less than wall time.
type cpuMeter struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU(b *testing.B) *cpuMeter {
	b.Helper()
	loggenData(b)
	return &cpuMeter{start: cpuNow()}
}

func (m *cpuMeter) report(b *testing.B, raw int64) {
	cpu := cpuNow() - m.start
	b.ReportMetric(float64(raw)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
}

// BenchmarkLoggenCount reports the rate of a count that reads timestamps and lengths only
// (SizeIterator, what counts summed per step read).
func BenchmarkLoggenCount(b *testing.B) {
	var counted int64
	benchLoggenChunks(b, func(ch *Chunk) error {
		it := ch.SizeIterator(-1<<62, 1<<62)
		for it.Next() {
			_, l := it.At()
			counted += int64(l)
		}
		return it.Err()
	})
	if _, raw := loggenData(b); counted != raw*int64(b.N) {
		b.Fatalf("counted %d bytes in %d rounds, want %d per round", counted, b.N, raw)
	}
}
