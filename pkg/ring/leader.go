package ring

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// The local* methods run on the leader. They fail with raft.ErrNotLeader (Unavailable at the
// edge) when leadership moved meanwhile, and the caller retries.

func (n *Node) leaderRaft() (*raft.Raft, error) {
	r := n.raft.Load()
	if r == nil {
		return nil, ErrNotStarted
	}
	if r.State() != raft.Leader {
		return nil, raft.ErrNotLeader
	}
	return r, nil
}

func (n *Node) timeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return n.cfg.ApplyTimeout
}

// localJoin makes sure the peer is in the Raft configuration (re-adding it when its address
// changed, promoting it when it should vote) and registers it in the ring.
func (n *Node) localJoin(ctx context.Context, req *ringpb.JoinRequest) (*ringpb.JoinResponse, error) {
	p := req.GetPeer()
	if p.GetId() == "" || p.GetAddr() == "" || p.GetRaftAddr() == "" {
		return nil, fmt.Errorf("%w: join needs id, addr and raft_addr", errInvalid)
	}
	n.joinMu.Lock()
	defer n.joinMu.Unlock()
	r, err := n.leaderRaft()
	if err != nil {
		return nil, err
	}
	// The FSM must reflect every committed entry before we read members and tokens from it.
	if err := r.Barrier(n.timeout(ctx)).Error(); err != nil {
		return nil, fmt.Errorf("raft barrier: %w", err)
	}
	if err := n.ensureServer(ctx, r, p, req.Voter); err != nil {
		return nil, err
	}
	var tokens []uint32
	if existing := memberOf(n.fsm.state(), p.Id); existing == nil || len(existing.Tokens) == 0 {
		taken := map[uint32]bool{}
		for _, m := range n.fsm.state().Members {
			for _, t := range m.Tokens {
				taken[t] = true
			}
		}
		tokens = req.Tokens
		if len(tokens) == 0 {
			num := int(req.NumTokens)
			if num <= 0 {
				num = n.cfg.NumTokens
			}
			tokens = freeTokens(num, taken, n.rnd)
		}
	}
	cmd := &ringpb.Command{Cmd: &ringpb.Command_Register{Register: &ringpb.RegisterCommand{Peer: p, Tokens: tokens}}}
	if _, err := n.localApply(ctx, cmd); err != nil {
		return nil, err
	}
	return &ringpb.JoinResponse{Member: memberOf(n.fsm.state(), p.Id)}, nil
}

func (n *Node) ensureServer(ctx context.Context, r *raft.Raft, p *ringpb.Peer, voter bool) error {
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("get raft configuration: %w", err)
	}
	id, addr := raft.ServerID(p.Id), raft.ServerAddress(p.RaftAddr)
	if !voter && countVoters(f.Configuration(), id) < len(n.cfg.Peers) {
		// A voter was forgotten (or never came): let the next member fill its seat so the
		// group keeps the fault tolerance of its configured size.
		voter = true
	}
	for _, s := range f.Configuration().Servers {
		if s.ID != id {
			continue
		}
		if s.Address != addr {
			// AddVoter (AddNonvoter) of a server already in the configuration with that
			// suffrage changes its address in place. Removing it first would fail for the last
			// voter (a one-node ring restarted with another Raft port) and would briefly
			// shrink the group.
			n.logger.Info("raft address changed, updating", "peer", p.Id, "old", s.Address, "new", addr)
			voter = voter || s.Suffrage == raft.Voter
			break
		}
		if s.Suffrage == raft.Voter || !voter {
			return nil
		}
		break // a non-voter that should vote: AddVoter promotes it
	}
	var fut raft.IndexFuture
	op := "add_voter"
	if voter {
		fut = r.AddVoter(id, addr, 0, n.timeout(ctx))
	} else {
		op = "add_nonvoter"
		fut = r.AddNonvoter(id, addr, 0, n.timeout(ctx))
	}
	if err := fut.Error(); err != nil {
		return fmt.Errorf("add raft server %s: %w", p.Id, err)
	}
	n.metrics.membership.WithLabelValues(op).Inc()
	n.logger.Info("added raft server", "peer", p.Id, "voter", voter)
	return nil
}

// localRemove takes id out of the Raft configuration (not out of the ring).
func (n *Node) localRemove(ctx context.Context, id string) (*ringpb.RemoveResponse, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: remove needs an id", errInvalid)
	}
	r, err := n.leaderRaft()
	if err != nil {
		return nil, err
	}
	if id == n.cfg.ID {
		// A leader is never a blank incarnation; refuse rather than depose ourselves.
		return nil, fmt.Errorf("%w: the leader cannot remove itself", errInvalid)
	}
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("get raft configuration: %w", err)
	}
	for _, s := range f.Configuration().Servers {
		if s.ID == raft.ServerID(id) {
			if err := r.RemoveServer(s.ID, 0, n.timeout(ctx)).Error(); err != nil {
				return nil, fmt.Errorf("remove raft server %s: %w", id, err)
			}
			n.metrics.membership.WithLabelValues("remove").Inc()
			n.logger.Info("removed raft server", "peer", id)
			return &ringpb.RemoveResponse{Removed: true}, nil
		}
	}
	return &ringpb.RemoveResponse{}, nil
}

// localApply stamps the leader's clock on the command and commits it. A forget also removes
// the member from the Raft configuration first, so a dead voter stops counting towards quorum.
func (n *Node) localApply(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error) {
	r, err := n.leaderRaft()
	if err != nil {
		return nil, err
	}
	now := time.Now().UnixNano()
	cmd = proto.CloneOf(cmd)
	removed := false
	switch c := cmd.Cmd.(type) {
	case *ringpb.Command_Register:
		c.Register.NowUnixNano = now
	case *ringpb.Command_Heartbeat:
		c.Heartbeat.NowUnixNano = now
	case *ringpb.Command_ChangeState:
		if c.ChangeState.State < ringpb.State_JOINING || c.ChangeState.State > ringpb.State_LEAVING {
			return nil, fmt.Errorf("%w: unknown state %d", errInvalid, c.ChangeState.State)
		}
		c.ChangeState.NowUnixNano = now
	case *ringpb.Command_Forget:
		if c.Forget.Id == n.cfg.ID {
			return nil, fmt.Errorf("%w: the leader cannot forget itself", errInvalid)
		}
		res, err := n.localRemove(ctx, c.Forget.Id)
		if err != nil {
			return nil, err
		}
		removed = res.Removed
	case *ringpb.Command_DistributorHeartbeat:
		if c.DistributorHeartbeat.Id == "" {
			return nil, fmt.Errorf("%w: distributor heartbeat needs an id", errInvalid)
		}
		c.DistributorHeartbeat.NowUnixNano = now
	case *ringpb.Command_Leave, *ringpb.Command_DistributorLeave:
	default:
		return nil, fmt.Errorf("%w: empty command", errInvalid)
	}
	b, err := proto.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("encode ring command: %w", err)
	}
	start := time.Now()
	f := r.Apply(b, n.timeout(ctx))
	if err := f.Error(); err != nil {
		n.metrics.applies.WithLabelValues("error").Inc()
		return nil, fmt.Errorf("apply ring command: %w", err)
	}
	n.metrics.applies.WithLabelValues("ok").Inc()
	n.metrics.applyDuration.Observe(time.Since(start).Seconds())
	res, _ := f.Response().(applyResult)
	if res.err != nil {
		return nil, res.err
	}
	return &ringpb.ApplyResponse{Found: res.found || removed}, nil
}

func memberOf(st *ringpb.RingState, id string) *ringpb.Member {
	for _, m := range st.Members {
		if m.Id == id {
			return m
		}
	}
	return nil
}

// countVoters counts the voters other than except.
func countVoters(c raft.Configuration, except raft.ServerID) int {
	n := 0
	for _, s := range c.Servers {
		if s.Suffrage == raft.Voter && s.ID != except {
			n++
		}
	}
	return n
}
