package distributor

import (
	"context"

	"google.golang.org/grpc"

	"github.com/skaldlogs/skald/proto/logproto"
)

// InProcessClient adapts an ingester's logproto.PusherServer to the logproto.PusherClient the
// distributor calls, for the one-process mode: the call goes straight to the server with no
// serialisation, and the tenant travels in the context (tenant.FromContext works on the
// server side). The server must treat the request as read-only: with a replication factor
// above one, the same streams are passed to several ingesters at once.
func InProcessClient(srv logproto.PusherServer) logproto.PusherClient {
	return inProcess{srv}
}

type inProcess struct{ srv logproto.PusherServer }

func (c inProcess) Push(ctx context.Context, req *logproto.PushRequest, _ ...grpc.CallOption) (*logproto.PushResponse, error) {
	return c.srv.Push(ctx, req)
}
