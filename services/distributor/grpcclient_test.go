package distributor

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
)

// grpcIngester is a PusherServer behind a real gRPC server with the tenant interceptor.
type grpcIngester struct {
	logproto.UnimplementedPusherServer
	mu      sync.Mutex
	tenants []string
	lines   int
	err     error
}

func (g *grpcIngester) Push(ctx context.Context, req *logproto.PushRequest) (*logproto.PushResponse, error) {
	id, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return nil, g.err
	}
	g.tenants = append(g.tenants, id)
	for _, s := range req.Streams {
		g.lines += len(s.Entries)
	}
	return &logproto.PushResponse{}, nil
}

func TestGRPCClientFactory(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(tenant.UnaryServerInterceptor()))
	ing := &grpcIngester{}
	logproto.RegisterPusherServer(srv, ing)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	h := newHarness(t, 1, 1, nil)
	addr := lis.Addr().String()
	factory := GRPCClientFactory()
	h.d.deps.IngesterClient = func(string) (logproto.PusherClient, error) { return factory(addr) }

	if code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x", "y")), "application/json", "tenant-42"); code != 204 {
		t.Fatalf("%d %s", code, body)
	}
	if ing.lines != 2 || len(ing.tenants) != 1 || ing.tenants[0] != "tenant-42" {
		t.Fatalf("ingester saw %d lines from %v", ing.lines, ing.tenants)
	}
	// An ingester's InvalidArgument keeps its text and becomes a 400 over the wire too.
	ing.mu.Lock()
	ing.err = status.Error(codes.InvalidArgument, "entry with timestamp 2026 ignored, reason: 'entry too far behind'")
	ing.mu.Unlock()
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "tenant-42")
	if code != 400 || !strings.Contains(body, "entry too far behind") {
		t.Fatalf("%d %s", code, body)
	}
	// A dead ingester is a 5xx.
	srv.Stop()
	code, body = h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "tenant-42")
	if code < 500 {
		t.Fatalf("dead ingester: %d %s", code, body)
	}
}
