package iter

import (
	"fmt"
	"github.com/skaldlogs/skald/proto/querierpb"
	"testing"
)

func BenchmarkMergeEntryIterator(b *testing.B) {
	for _, n := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			const total = 64000
			streams := make([]StreamEntries, n)
			for s := range streams {
				es := make([]Entry, total/n)
				for i := range es {
					es[i] = Entry{Timestamp: int64(i*n + s), Line: "GET /index.html 200"}
				}
				streams[s] = StreamEntries{Labels: fmt.Sprintf(`{pod="%d"}`, s), Hash: uint64(s), Entries: es}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it := NewStreamsIterator(streams, Forward)
				for it.Next() {
				}
			}
			b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

func BenchmarkWireRoundTrip(b *testing.B) {
	const total = 10000
	es := make([]Entry, total)
	for i := range es {
		es[i] = Entry{Timestamp: int64(i), Line: "level=info msg=\"request served\" status=200"}
	}
	s := StreamEntries{Labels: `{app="a"}`, Hash: 1, Entries: es}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		fake := &fakeLogStream{}
		_ = SendEntries(NewStreamIterator(s), DefaultBatchSize, func(r *querierpb.LogQueryResponse) error {
			fake.resps = append(fake.resps, r)
			return nil
		})
		it := NewLogResponseIterator(fake, Forward, nil)
		for it.Next() {
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
