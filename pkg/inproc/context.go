package inproc

import (
	"context"

	"google.golang.org/grpc/metadata"

	"github.com/skaldlogs/skald/pkg/tenant"
)

// serverContext turns a caller's context into what a server handler would see: the caller's
// outgoing metadata as incoming metadata, with the tenant added, so that handlers reading either
// the context value or the metadata find the tenant.
func serverContext(ctx context.Context) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	id, err := tenant.FromContext(ctx)
	if err != nil && md.Len() == 0 {
		return ctx
	}
	md = md.Copy()
	if err == nil && len(md.Get(tenant.MetadataKey)) == 0 {
		md.Set(tenant.MetadataKey, id)
	}
	if err != nil {
		// The tenant came only as metadata (a caller using gRPC idioms): also put it into
		// the context, as tenant.StreamServerInterceptor would.
		if ids := md.Get(tenant.MetadataKey); len(ids) > 0 && ids[0] != "" {
			ctx = tenant.InjectContext(ctx, ids[0])
		}
	}
	return metadata.NewIncomingContext(ctx, md)
}

// unary returns a unary handler's result with its error converted as grpc-go would send it, so
// callers see the same codes in one process as across the network.
func unary[T any](resp *T, err error) (*T, error) {
	if err != nil {
		return nil, toStatus(err)
	}
	return resp, nil
}
