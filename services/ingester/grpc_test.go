package ingester

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// TestGRPC pushes and queries over real gRPC with the tenant interceptors.
func TestGRPC(t *testing.T) {
	store := newMemStore()
	h := start(t, natstest.RunServer(t), store, testConfig())
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(tenant.UnaryServerInterceptor()), grpc.ChainStreamInterceptor(tenant.StreamServerInterceptor()))
	logproto.RegisterPusherServer(srv, h.ing)
	querierpb.RegisterQuerierServer(srv, h.ing)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(tenant.UnaryClientInterceptor), grpc.WithStreamInterceptor(tenant.StreamClientInterceptor))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx := ctxFor("t")
	if _, err := logproto.NewPusherClient(cc).Push(ctx, &logproto.PushRequest{Streams: []*logproto.StreamAdapter{
		{Labels: `{app="a"}`, Entries: []*logproto.EntryAdapter{entry(1, "x err"), entry(2, "y"), entry(3, "z err")}},
	}}); err != nil {
		t.Fatal(err)
	}
	q := querierpb.NewQuerierClient(cc)
	qs, err := q.Query(ctx, &querierpb.LogQueryRequest{Selector: `{app="a"} |= "err"`, Start: 0, End: 10, Limit: 10, Direction: querierpb.Direction_BACKWARD})
	if err != nil {
		t.Fatal(err)
	}
	var (
		lines     []string
		headLines int64
		post      int64
	)
	for {
		resp, err := qs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		headLines += resp.GetStats().GetHeadChunkLines()
		post += resp.GetStats().GetPostFilterLines()
		for _, s := range resp.Streams {
			for _, e := range s.Entries {
				lines = append(lines, e.Line)
			}
		}
	}
	if headLines != 3 || post != 2 {
		t.Fatalf("stats: %d lines scanned, %d kept; want 3, 2", headLines, post)
	}
	if len(lines) != 2 || lines[0] != "z err" || lines[1] != "x err" {
		t.Fatalf("query lines %q", lines)
	}
	ss, err := q.QuerySample(ctx, &querierpb.SampleQueryRequest{Selector: `count_over_time({app="a"}[1m])`, Start: 0, End: 10, Shards: []string{"0_of_1"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		resp, err := ss.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range resp.Series {
			n += len(s.Samples)
		}
	}
	if n != 3 {
		t.Fatalf("%d samples, want 3", n)
	}
	bad, err := q.Query(ctx, &querierpb.LogQueryRequest{Selector: `{app=`, End: 10})
	if err == nil {
		_, err = bad.Recv()
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad selector: %v", err)
	}

	// POST /flush writes the chunk.
	rec := httptest.NewRecorder()
	h.ing.FlushHandler().ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/flush", nil))
	if rec.Code != http.StatusNoContent || len(store.lines("t")) != 3 {
		t.Fatalf("/flush = %d, store %q", rec.Code, store.lines("t"))
	}
}
