package ring

import (
	"context"

	"github.com/hashicorp/raft"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// service is the Ring gRPC service of a Node: Watch and Status answer from local state; Join,
// Remove and Apply run on the leader, forwarded once by a member that is not the leader.
type service struct {
	ringpb.UnimplementedRingServer
	n *Node
}

func (s *service) Watch(_ *ringpb.WatchRequest, stream ringpb.Ring_WatchServer) error {
	ctx := stream.Context()
	var last *ringpb.RingState
	lastLeader := "\x00"
	for {
		wait := s.n.bcast.Wait()
		st := s.n.State()
		// Heartbeats of other members and leader observations both wake us; send only when
		// something a watcher can see changed.
		if last == nil || st.Index != last.Index || st.LeaderId != lastLeader {
			if err := stream.Send(st); err != nil {
				return err
			}
			last, lastLeader = st, st.LeaderId
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.n.done:
			return toStatus(ErrClosed)
		case <-wait:
		}
	}
}

func (s *service) Status(context.Context, *ringpb.StatusRequest) (*ringpb.StatusResponse, error) {
	n := s.n
	resp := &ringpb.StatusResponse{Id: n.cfg.ID}
	r := n.raft.Load()
	if r == nil {
		// Still starting: report the state on disk, so a blank peer never mistakes a
		// restarting group for a new one.
		if store := n.store.Load(); store != nil && n.diskState.Load() {
			resp.HasState = true
			resp.LastIndex, _ = store.LastIndex()
		}
		return resp, nil
	}
	resp.RaftState = r.State().String()
	resp.LastIndex = r.LastIndex()
	resp.HasState = resp.LastIndex > 0 || r.CurrentTerm() > 0
	_, id := r.LeaderWithID()
	resp.LeaderId = string(id)
	resp.LeaderAddr = n.leaderAddr(r)
	if id != "" && string(id) == n.cfg.ID {
		resp.LeaderAddr = n.cfg.Addr
	}
	return resp, nil
}

// forward runs local on the leader, or forwards to the leader once.
func forward[T any](ctx context.Context, n *Node, local func() (T, error), remote func(context.Context, ringpb.RingClient) (T, error)) (T, error) {
	var zero T
	r := n.raft.Load()
	if r == nil {
		return zero, toStatus(ErrNotStarted)
	}
	if r.State() != raft.Leader && isForwarded(ctx) {
		return zero, toStatus(raft.ErrNotLeader)
	}
	if r.State() != raft.Leader && n.leaderAddr(r) == "" {
		return zero, toStatus(ErrNoLeader)
	}
	v, err := toLeader(ctx, n, local, remote)
	return v, toStatus(err)
}

func (s *service) Join(ctx context.Context, req *ringpb.JoinRequest) (*ringpb.JoinResponse, error) {
	return forward(ctx, s.n,
		func() (*ringpb.JoinResponse, error) { return s.n.localJoin(ctx, req) },
		func(ctx context.Context, c ringpb.RingClient) (*ringpb.JoinResponse, error) { return c.Join(ctx, req) })
}

func (s *service) Remove(ctx context.Context, req *ringpb.RemoveRequest) (*ringpb.RemoveResponse, error) {
	return forward(ctx, s.n,
		func() (*ringpb.RemoveResponse, error) { return s.n.localRemove(ctx, req.Id) },
		func(ctx context.Context, c ringpb.RingClient) (*ringpb.RemoveResponse, error) {
			return c.Remove(ctx, req)
		})
}

func (s *service) Apply(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error) {
	return forward(ctx, s.n,
		func() (*ringpb.ApplyResponse, error) { return s.n.localApply(ctx, cmd) },
		func(ctx context.Context, c ringpb.RingClient) (*ringpb.ApplyResponse, error) {
			return c.Apply(ctx, cmd)
		})
}

// ServiceMethods returns the full gRPC method names of the Ring service, for server
// interceptors that must let them through without a tenant (tenant.UnaryServerInterceptor and
// StreamServerInterceptor take them as exemptions): ring calls belong to no tenant.
func ServiceMethods() []string {
	return []string{
		ringpb.Ring_Watch_FullMethodName,
		ringpb.Ring_Status_FullMethodName,
		ringpb.Ring_Join_FullMethodName,
		ringpb.Ring_Remove_FullMethodName,
		ringpb.Ring_Apply_FullMethodName,
	}
}
