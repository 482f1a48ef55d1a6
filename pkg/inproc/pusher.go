package inproc

import (
	"context"

	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/proto/logproto"
)

// PusherClient returns a logproto.PusherClient that calls srv directly. Call options are ignored.
func PusherClient(srv logproto.PusherServer) logproto.PusherClient {
	if srv == nil {
		panic("BUG: inproc.PusherClient with a nil server")
	}
	return pusherClient{srv: srv}
}

type pusherClient struct{ srv logproto.PusherServer }

func (c pusherClient) Push(ctx context.Context, req *logproto.PushRequest, _ ...grpc.CallOption) (*logproto.PushResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err)
	}
	return unary(c.srv.Push(serverContext(ctx), req))
}
