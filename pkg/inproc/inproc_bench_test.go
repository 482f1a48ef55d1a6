package inproc

import (
	"context"
	"io"
	"testing"

	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// BenchmarkQueryStream measures the per-message cost of the channel hand-off (the fake server
// also formats one label string per message).
func BenchmarkQueryStream(b *testing.B) {
	q := &fakeQuerier{n: b.N, exited: make(chan error, 1)}
	b.ReportAllocs()
	ctx := tenant.InjectContext(context.Background(), "bench")
	st, err := QuerierClient(q).Query(ctx, &querierpb.LogQueryRequest{})
	if err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := st.Recv(); err != nil {
			if err != io.EOF {
				b.Fatal(err)
			}
			break
		}
	}
	<-q.exited
}
