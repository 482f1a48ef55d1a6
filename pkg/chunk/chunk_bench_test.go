package chunk

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
)

// benchEntries is ~8 MiB of flog-like lines, built once per benchmark binary run.
func benchEntries(b *testing.B) ([]iter.Entry, int64) {
	b.Helper()
	es := flogEntries(42, 40000, false)
	var raw int64
	for _, e := range es {
		raw += int64(len(e.Line))
	}
	return es, raw
}

// BenchmarkEncode reports encode throughput of raw line bytes and the compression ratio.
func BenchmarkEncode(b *testing.B) {
	es, raw := benchEntries(b)
	for _, c := range allCodecs {
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(raw)
			var size int64
			for b.Loop() {
				_, meta, err := build(es, Options{Codec: c})
				if err != nil {
					b.Fatal(err)
				}
				size = meta.CompressedSize
			}
			b.ReportMetric(float64(raw)/float64(size), "ratio")
		})
	}
}

// BenchmarkScan reports the rate at which a full forward scan yields raw line bytes.
func BenchmarkScan(b *testing.B) {
	es, raw := benchEntries(b)
	for _, c := range allCodecs {
		b.Run(c.String(), func(b *testing.B) {
			data, meta, err := build(es, Options{Codec: c})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(raw)
			for b.Loop() {
				ch, err := Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				it := ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, nil)
				for it.Next() {
					_ = it.At()
				}
				if it.Err() != nil {
					b.Fatal(it.Err())
				}
			}
		})
	}
}

// BenchmarkCount reports the rate of a count/bytes pass that reads no line bytes.
func BenchmarkCount(b *testing.B) {
	es, raw := benchEntries(b)
	data, meta, err := build(es, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(raw)
	for b.Loop() {
		ch, _ := Decode(data)
		si := ch.SizeIterator(meta.MinT, meta.MaxT+1)
		n := 0
		for si.Next() {
			_, s := si.At()
			n += s
		}
		if int64(n) != raw {
			b.Fatal("short count")
		}
	}
}

// BenchmarkNeedle reports the rate of a needle search over the chunk (bytes of raw lines per
// second) and the share of blocks the token filters skipped.
func BenchmarkNeedle(b *testing.B) {
	es, raw := benchEntries(b)
	data, meta, err := build(es, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, needle := range []string{"a1b2c3d4e5", "Zebra", "user4242 "} {
		b.Run(needle, func(b *testing.B) {
			b.SetBytes(raw)
			var st IterStats
			for b.Loop() {
				ch, _ := Decode(data)
				it := ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, []string{needle})
				for it.Next() {
					_ = it.At()
				}
				st = it.Stats()
			}
			b.ReportMetric(float64(st.BlocksFilterSkip)/float64(st.Blocks), "skip")
		})
	}
}

// BenchmarkSmallChunk builds the chunk of a quiet stream: a few lines.
func BenchmarkSmallChunk(b *testing.B) {
	es := flogEntries(43, 20, false)
	for b.Loop() {
		if _, _, err := build(es, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInfo reports the rate of the sample fast path's pass: timestamps, line lengths and
// line hashes, no line bytes.
func BenchmarkInfo(b *testing.B) {
	es, raw := benchEntries(b)
	data, meta, err := build(es, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(raw)
	for b.Loop() {
		ch, _ := Decode(data)
		it := ch.InfoIterator(meta.MinT, meta.MaxT+1)
		n := 0
		for it.Next() {
			n += it.At().LineLen
		}
		if int64(n) != raw {
			b.Fatal("short count")
		}
	}
}
