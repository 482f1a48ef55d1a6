package inproc

import (
	"context"

	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/proto/querierpb"
)

// QuerierClient returns a querierpb.QuerierClient that calls srv directly. Call options are
// ignored. Query and QuerySample run the server's handler on a goroutine and hand each response
// over a channel (see the package documentation for cancellation).
func QuerierClient(srv querierpb.QuerierServer) querierpb.QuerierClient {
	if srv == nil {
		panic("BUG: inproc.QuerierClient with a nil server")
	}
	return querierClient{srv: srv}
}

type querierClient struct{ srv querierpb.QuerierServer }

func (c querierClient) Query(ctx context.Context, req *querierpb.LogQueryRequest, _ ...grpc.CallOption) (grpc.ServerStreamingClient[querierpb.LogQueryResponse], error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err)
	}
	return startStream(ctx, func(ss grpc.ServerStreamingServer[querierpb.LogQueryResponse]) error {
		return c.srv.Query(req, ss)
	}), nil
}

func (c querierClient) QuerySample(ctx context.Context, req *querierpb.SampleQueryRequest, _ ...grpc.CallOption) (grpc.ServerStreamingClient[querierpb.SampleQueryResponse], error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err)
	}
	return startStream(ctx, func(ss grpc.ServerStreamingServer[querierpb.SampleQueryResponse]) error {
		return c.srv.QuerySample(req, ss)
	}), nil
}

func (c querierClient) Label(ctx context.Context, req *querierpb.LabelRequest, _ ...grpc.CallOption) (*querierpb.LabelResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err)
	}
	return unary(c.srv.Label(serverContext(ctx), req))
}

func (c querierClient) Series(ctx context.Context, req *querierpb.SeriesRequest, _ ...grpc.CallOption) (*querierpb.SeriesResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err)
	}
	return unary(c.srv.Series(serverContext(ctx), req))
}
