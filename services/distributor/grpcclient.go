package distributor

import (
	"fmt"
	"math"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
)

// GRPCClientFactory returns a ClientFactory that dials ingesters over gRPC (plaintext unless
// opts say otherwise) with the tenant interceptor, so the tenant in the context travels as
// x-scope-orgid metadata. The distributor keeps one client, and so one multiplexed HTTP/2
// connection, per ingester address for its lifetime.
func GRPCClientFactory(opts ...grpc.DialOption) ClientFactory {
	return func(addr string) (logproto.PusherClient, error) {
		all := append([]grpc.DialOption{
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithChainUnaryInterceptor(tenant.UnaryClientInterceptor),
			grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(math.MaxInt32), grpc.MaxCallRecvMsgSize(math.MaxInt32)),
		}, opts...)
		cc, err := grpc.NewClient(addr, all...)
		if err != nil {
			return nil, fmt.Errorf("dial ingester %s: %w", addr, err)
		}
		return logproto.NewPusherClient(cc), nil
	}
}
