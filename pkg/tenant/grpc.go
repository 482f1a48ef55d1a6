package tenant

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// outgoing copies the context's tenant into gRPC metadata.
func outgoing(ctx context.Context) context.Context {
	if id, err := FromContext(ctx); err == nil {
		return metadata.AppendToOutgoingContext(ctx, MetadataKey, id)
	}
	return ctx
}

// incoming moves the tenant from gRPC metadata into the context.
func incoming(ctx context.Context) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	ids := md.Get(MetadataKey)
	if len(ids) == 0 || ids[0] == "" {
		return ctx, status.Error(codes.Unauthenticated, ErrNoOrgID.Error())
	}
	return InjectContext(ctx, ids[0]), nil
}

// UnaryClientInterceptor sends the context's tenant with every unary call.
func UnaryClientInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(outgoing(ctx), method, req, reply, cc, opts...)
}

// StreamClientInterceptor sends the context's tenant with every streaming call.
func StreamClientInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(outgoing(ctx), desc, cc, method, opts...)
}

// UnaryServerInterceptor requires a tenant on every unary call and puts it into the context.
// Methods listed in exempt (full method names, e.g. for ring membership) skip the check.
func UnaryServerInterceptor(exempt ...string) grpc.UnaryServerInterceptor {
	skip := make(map[string]bool, len(exempt))
	for _, m := range exempt {
		skip[m] = true
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if skip[info.FullMethod] {
			return handler(ctx, req)
		}
		ctx, err := incoming(ctx)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming calls.
func StreamServerInterceptor(exempt ...string) grpc.StreamServerInterceptor {
	skip := make(map[string]bool, len(exempt))
	for _, m := range exempt {
		skip[m] = true
	}
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if skip[info.FullMethod] {
			return handler(srv, ss)
		}
		ctx, err := incoming(ss.Context())
		if err != nil {
			return err
		}
		return handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	}
}

type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }
