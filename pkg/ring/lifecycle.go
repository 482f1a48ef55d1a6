package ring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// register adds this member to the Raft configuration (if missing) and to the ring, retrying
// until it succeeds or ctx ends.
func (n *Node) register(ctx context.Context) error {
	req := &ringpb.JoinRequest{
		Peer:      n.selfPeer(),
		Voter:     n.cfg.voter(),
		NumTokens: uint32(n.cfg.NumTokens),
	}
	resp, err := retry(ctx, n, "join ring", func(ctx context.Context) (*ringpb.JoinResponse, error) {
		return toLeader(ctx, n,
			func() (*ringpb.JoinResponse, error) { return n.localJoin(ctx, req) },
			func(ctx context.Context, c ringpb.RingClient) (*ringpb.JoinResponse, error) { return c.Join(ctx, req) })
	})
	if err != nil {
		return err
	}
	if err := n.waitLocal(ctx, func(m *ringpb.Member) bool { return m != nil }); err != nil {
		return err
	}
	n.lifeMu.Lock()
	n.registered = true
	want := n.wantState
	n.lifeMu.Unlock()
	n.logger.Info("joined ring", "tokens", len(resp.GetMember().GetTokens()))
	// Registration resets the state to JOINING; restore what the ingester asked for (after a
	// forget of a live member, or a restart that found the member still in the ring).
	if want != Joining {
		if _, err := n.applyRetry(ctx, changeState(n.cfg.ID, want)); err != nil {
			return err
		}
	}
	return nil
}

func (n *Node) selfPeer() *ringpb.Peer {
	return &ringpb.Peer{Id: n.cfg.ID, Addr: n.cfg.Addr, RaftAddr: n.cfg.RaftAdvertiseAddr}
}

func changeState(id string, s State) *ringpb.Command {
	return &ringpb.Command{Cmd: &ringpb.Command_ChangeState{ChangeState: &ringpb.ChangeStateCommand{Id: id, State: ringpb.State(s)}}}
}

// SetState moves this member to s (JOINING, ACTIVE or LEAVING) through the leader, retrying
// until ctx ends. An ingester calls SetState(ctx, Active) once its WAL is replayed and
// SetState(ctx, Leaving) before its final flush.
func (n *Node) SetState(ctx context.Context, s State) error {
	n.lifeMu.Lock()
	n.wantState = s
	n.lifeMu.Unlock()
	res, err := n.applyRetry(ctx, changeState(n.cfg.ID, s))
	if err != nil {
		return err
	}
	if !res.Found {
		// Forgotten meanwhile: the next heartbeat re-registers and then restores s.
		return fmt.Errorf("set state %s: member %s not in the ring", s, n.cfg.ID)
	}
	// Committed on the leader; wait until this member applied it too, so Ready and the local
	// ReadRing agree with what the caller just asked for.
	return n.waitLocal(ctx, func(m *ringpb.Member) bool { return m != nil && State(m.State) == s })
}

// waitLocal waits until this node's own ring entry satisfies cond in its local state.
func (n *Node) waitLocal(ctx context.Context, cond func(*ringpb.Member) bool) error {
	for {
		ch := n.bcast.Wait()
		if cond(memberOf(n.view.Load().state, n.cfg.ID)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for local ring state: %w", ctx.Err())
		case <-n.done:
			return ErrClosed
		case <-ch:
		}
	}
}

// Leave stops heartbeats and removes this member (and its tokens) from the ring. The member
// stays a Raft peer, so a restart with the same data dir rejoins without a membership change.
func (n *Node) Leave(ctx context.Context) error {
	n.stopHeartbeats()
	_, err := n.applyRetry(ctx, &ringpb.Command{Cmd: &ringpb.Command_Leave{Leave: &ringpb.LeaveCommand{Id: n.cfg.ID}}})
	if err == nil {
		n.logger.Info("left ring")
	}
	return err
}

// Forget removes a (dead) member from the Raft configuration and from the ring. Forgetting a
// live member is harmless: it re-registers on its next heartbeat.
func (n *Node) Forget(ctx context.Context, id string) error {
	_, err := n.applyRetry(ctx, &ringpb.Command{Cmd: &ringpb.Command_Forget{Forget: &ringpb.ForgetCommand{Id: id}}})
	return err
}

// Ready returns nil once this member is registered and ACTIVE in its local copy of the ring.
func (n *Node) Ready() error {
	n.lifeMu.Lock()
	closed, registered := n.closed, n.registered
	n.lifeMu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case n.raft.Load() == nil:
		return ErrNotStarted
	case !registered:
		return fmt.Errorf("ring member %s not registered yet", n.cfg.ID)
	}
	for _, m := range n.view.Load().state.Members {
		if m.Id == n.cfg.ID {
			if m.State != ringpb.State_ACTIVE {
				return fmt.Errorf("ring member %s is %s", n.cfg.ID, State(m.State))
			}
			return nil
		}
	}
	return fmt.Errorf("ring member %s not in the ring", n.cfg.ID)
}

// stopHeartbeats stops the heartbeat loop and waits for it; lifeMu must not be held (the loop
// takes it when it re-registers).
func (n *Node) stopHeartbeats() {
	n.lifeMu.Lock()
	cancel, done := n.hbCancel, n.hbDone
	n.hbCancel, n.hbDone = nil, nil
	n.lifeMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (n *Node) heartbeatLoop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(n.cfg.HeartbeatPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.heartbeat(ctx)
	}
}

func (n *Node) heartbeat(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	res, err := n.apply(cctx, &ringpb.Command{Cmd: &ringpb.Command_Heartbeat{Heartbeat: &ringpb.HeartbeatCommand{Id: n.cfg.ID}}})
	if err != nil {
		n.metrics.heartbeatErrors.Inc()
		if ctx.Err() == nil {
			n.logger.Warn("ring heartbeat", "err", err)
		}
		return
	}
	if !res.Found {
		n.logger.Warn("member missing from the ring (forgotten?), registering again")
		if err := n.register(cctx); err != nil && ctx.Err() == nil {
			n.logger.Warn("register again", "err", err)
		}
	}
}

// apply sends one command to the leader (one attempt).
func (n *Node) apply(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error) {
	return toLeader(ctx, n,
		func() (*ringpb.ApplyResponse, error) { return n.localApply(ctx, cmd) },
		func(ctx context.Context, c ringpb.RingClient) (*ringpb.ApplyResponse, error) {
			return c.Apply(ctx, cmd)
		})
}

// applyOnce implements DistributorRing.
func (n *Node) applyOnce(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error) {
	return n.apply(ctx, cmd)
}

func (n *Node) applyRetry(ctx context.Context, cmd *ringpb.Command) (*ringpb.ApplyResponse, error) {
	return retry(ctx, n, "apply ring command", func(ctx context.Context) (*ringpb.ApplyResponse, error) {
		return n.apply(ctx, cmd)
	})
}

// retry calls f with a per-attempt timeout until it succeeds, ctx ends or the node closes.
// Failures here are transient by design (no leader during an election, a leader that just
// died); permanent ones are rejected with codes that retry does not repeat.
func retry[T any](ctx context.Context, n *Node, what string, f func(context.Context) (T, error)) (T, error) {
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
		v, err := f(actx)
		cancel()
		if err == nil {
			return v, nil
		}
		if permanent(err) {
			return v, fmt.Errorf("%s: %w", what, err)
		}
		if attempt%10 == 0 {
			n.logger.Warn("still retrying", "what", what, "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		case <-n.done:
			return v, fmt.Errorf("%s: %w", what, ErrClosed)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// probeRunning asks the other initial voters whether a Raft group already runs: a leader known,
// or a log past the bootstrap configuration (index 1), on disk or live. It returns false only
// when every peer answered and none runs. It never gives up on an unreachable peer: a blank
// voter that bootstrapped while the group was merely down could vote with an empty log under
// the identity the group remembers. So a first start of a cluster waits for all its initial
// voters (as Consul's bootstrap_expect does).
func (n *Node) probeRunning(ctx context.Context) (bool, error) {
	seeds := n.cfg.seeds()
	if len(seeds) == 0 {
		return false, nil
	}
	lastLog := time.Now()
	for {
		answered := 0
		for _, a := range seeds {
			c, err := n.client(a)
			if err != nil {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, min(time.Second, n.cfg.ApplyTimeout))
			st, err := c.Status(pctx, &ringpb.StatusRequest{})
			cancel()
			if err != nil {
				continue
			}
			answered++
			if st.LeaderId != "" || st.LastIndex > 1 {
				n.logger.Info("found running raft group", "via", a, "leader", st.LeaderId)
				return true, nil
			}
		}
		if answered == len(seeds) {
			return false, nil
		}
		if time.Since(lastLog) > 5*time.Second {
			n.logger.Warn("blank raft state: waiting for every initial voter to answer before bootstrapping", "answered", answered, "peers", len(seeds))
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("probe raft peers: %w", ctx.Err())
		case <-n.done:
			return false, ErrClosed
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// removeOldIncarnation asks the leader (through any seed) to drop this ID from the Raft
// configuration.
func (n *Node) removeOldIncarnation(ctx context.Context) error {
	if len(n.cfg.seeds()) == 0 {
		return errors.New("rejoin raft group: no peers or join addresses to contact")
	}
	req := &ringpb.RemoveRequest{Id: n.cfg.ID}
	resp, err := retry(ctx, n, "remove old raft incarnation", func(ctx context.Context) (*ringpb.RemoveResponse, error) {
		return viaSeeds(ctx, n, func(ctx context.Context, c ringpb.RingClient) (*ringpb.RemoveResponse, error) {
			return c.Remove(ctx, req)
		})
	})
	if err != nil {
		return err
	}
	n.logger.Info("old raft incarnation handled", "removed", resp.Removed)
	return nil
}
