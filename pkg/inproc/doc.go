// Package inproc implements in-process gRPC clients: a logproto.PusherClient or a
// querierpb.QuerierClient that calls straight into a server implementation in the same process,
// without serialising messages or opening a connection.
//
// The monolith (-target=all) wires services through these adapters so that it exercises the same
// gRPC service interfaces as the cluster, at the cost of a function call (unary RPCs) or a
// goroutine hand-off per message (server-streaming RPCs).
//
// Semantics follow grpc-go where it matters to callers:
//   - The caller's context passes through, tenant (tenant.InjectContext) included; outgoing gRPC
//     metadata on the caller's context becomes incoming metadata on the server's, and the tenant
//     is added as x-scope-orgid when the metadata does not carry it.
//   - Messages are shared, not copied: as with grpc-go, a sender must not modify a message after
//     sending it, and a receiver owns what it received.
//   - A server-streaming call runs its handler on a new goroutine. The handler ends (and its
//     goroutine with it) when it returns; its Send fails once the caller cancels the context or
//     has received an error from Recv. As with grpc-go, a caller that stops reading must cancel
//     its context to release the handler.
package inproc
