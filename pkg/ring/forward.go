package ring

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// forwardedKey marks a membership RPC that a member already forwarded, so a member that is not
// the leader either answers Unavailable or forwards once, never in a loop.
const forwardedKey = "x-skald-ring-forwarded"

func withForwarded(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, forwardedKey, "1")
}

func isForwarded(ctx context.Context) bool {
	md, ok := metadata.FromIncomingContext(ctx)
	return ok && len(md.Get(forwardedKey)) > 0
}

// toLeader runs local when this node leads, otherwise remote against the leader's Ring service
// (or, when the leader is unknown here, against the seeds, which forward).
func toLeader[T any](ctx context.Context, n *Node, local func() (T, error), remote func(context.Context, ringpb.RingClient) (T, error)) (T, error) {
	var zero T
	r := n.raft.Load()
	if r != nil && r.State() == raft.Leader {
		return local()
	}
	if addr := n.leaderAddr(r); addr != "" {
		c, err := n.client(addr)
		if err != nil {
			return zero, err
		}
		return remote(withForwarded(ctx), c)
	}
	return viaSeeds(ctx, n, remote)
}

// viaSeeds tries the configured seeds (and the known peers) in turn; each forwards to its
// leader.
func viaSeeds[T any](ctx context.Context, n *Node, remote func(context.Context, ringpb.RingClient) (T, error)) (T, error) {
	var zero T
	addrs := n.cfg.seeds()
	for _, p := range n.view.Load().state.Peers {
		if p.Id != n.cfg.ID {
			addrs = append(addrs, p.Addr)
		}
	}
	if len(addrs) == 0 {
		return zero, ErrNoLeader
	}
	var errs []error
	for _, a := range dedupe(addrs) {
		c, err := n.client(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v, err := remote(ctx, c)
		if err == nil || permanent(err) {
			return v, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", a, err))
		if ctx.Err() != nil {
			break
		}
	}
	return zero, errors.Join(errs...)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, a := range s {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// leaderAddr returns the gRPC address of the leader, if known, from the ring's peers or the
// configured initial voters.
func (n *Node) leaderAddr(r *raft.Raft) string {
	if r == nil {
		return ""
	}
	_, id := r.LeaderWithID()
	if id == "" || string(id) == n.cfg.ID {
		return ""
	}
	for _, p := range n.view.Load().state.Peers {
		if p.Id == string(id) {
			return p.Addr
		}
	}
	for _, p := range n.cfg.Peers {
		if p.ID == string(id) {
			return p.Addr
		}
	}
	return ""
}

// client returns a cached connection to a member's Ring service.
func (n *Node) client(addr string) (ringpb.RingClient, error) {
	n.connMu.Lock()
	defer n.connMu.Unlock()
	select {
	case <-n.done:
		return nil, ErrClosed
	default:
	}
	if c, ok := n.conns[addr]; ok {
		return ringpb.NewRingClient(c), nil
	}
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial ring member %s: %w", addr, err)
	}
	n.conns[addr] = c
	return ringpb.NewRingClient(c), nil
}

// permanent reports errors that retrying cannot fix.
func permanent(err error) bool {
	if errors.Is(err, ErrClosed) {
		return true
	}
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.Unimplemented, codes.PermissionDenied:
		return true
	}
	return false
}

// toStatus maps ring errors to gRPC status at the service edge.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, errInvalid):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	// No leader, lost leadership, shutdown, not started: all transient for the caller.
	return status.Error(codes.Unavailable, err.Error())
}

var errInvalid = errors.New("invalid ring request")
