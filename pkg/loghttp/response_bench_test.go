package loghttp

import (
	"fmt"
	"io"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// BenchmarkEncodeStreams encodes 5000 entries over 10 streams, the size of a full log query at
// Loki's default max entries limit; bytes/s is of the JSON written.
func BenchmarkEncodeStreams(b *testing.B) {
	res := &QueryResult{Type: ResultStreams}
	for s := 0; s < 10; s++ {
		st := Stream{Labels: labels.FromStrings("app", "bench", "pod", fmt.Sprintf("pod-%d", s))}
		for i := 0; i < 500; i++ {
			st.Entries = append(st.Entries, iter.Entry{
				Timestamp: 1700000000000000000 + int64(i),
				Line:      fmt.Sprintf(`level=info ts=2026-11-25T12:00:00Z caller=main.go:%d msg="request served" path=/api/v1/x status=200 dur=%dms`, i, i%97),
			})
		}
		res.Streams = append(res.Streams, st)
	}
	var n countWriter
	_ = EncodeQueryResponse(&n, res, false)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		_ = EncodeQueryResponse(io.Discard, res, false)
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
