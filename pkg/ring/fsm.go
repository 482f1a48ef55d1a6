package ring

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// fsm is the Raft state machine holding the ring. Raft calls Apply, Snapshot and Restore from one
// goroutine; readers use the published view, which is immutable once stored.
type fsm struct {
	mu      sync.Mutex
	members map[string]*ringpb.Member
	peers   map[string]*ringpb.Peer
	// distributors are not ring members: they own no tokens and only count (rate limits).
	distributors map[string]*ringpb.Distributor
	index        uint64

	view     atomic.Pointer[ringpb.RingState]
	onChange func(*ringpb.RingState)
}

// applyResult is what fsm.Apply returns through raft's ApplyFuture.
type applyResult struct {
	found bool
	err   error
}

func newFSM(onChange func(*ringpb.RingState)) *fsm {
	f := &fsm{
		members:      map[string]*ringpb.Member{},
		peers:        map[string]*ringpb.Peer{},
		distributors: map[string]*ringpb.Distributor{},
		onChange:     onChange,
	}
	f.view.Store(&ringpb.RingState{})
	return f
}

// state returns the current ring state; callers must not modify it.
func (f *fsm) state() *ringpb.RingState { return f.view.Load() }

// Apply implements raft.FSM.
func (f *fsm) Apply(l *raft.Log) any {
	var cmd ringpb.Command
	if err := proto.Unmarshal(l.Data, &cmd); err != nil {
		// A command this node cannot decode was still committed by the group; skipping it keeps
		// the node alive, and the next full registration or heartbeat repairs the difference.
		return applyResult{err: fmt.Errorf("decode ring command at index %d: %w", l.Index, err)}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	found := f.applyCommand(&cmd)
	f.index = l.Index
	f.publish()
	return applyResult{found: found}
}

func (f *fsm) applyCommand(cmd *ringpb.Command) bool {
	switch c := cmd.Cmd.(type) {
	case *ringpb.Command_Register:
		p := c.Register.GetPeer()
		if p.GetId() == "" {
			return false
		}
		f.peers[p.Id] = &ringpb.Peer{Id: p.Id, Addr: p.Addr, RaftAddr: p.RaftAddr}
		m := f.members[p.Id]
		if m == nil {
			m = &ringpb.Member{Id: p.Id, RegisteredUnixNano: c.Register.NowUnixNano}
			f.members[p.Id] = m
		}
		m.Addr = p.Addr
		m.State = ringpb.State_JOINING
		m.HeartbeatUnixNano = c.Register.NowUnixNano
		if len(m.Tokens) == 0 {
			m.Tokens = f.unclaimed(p.Id, c.Register.Tokens)
		}
		return true
	case *ringpb.Command_Heartbeat:
		m := f.members[c.Heartbeat.GetId()]
		if m == nil {
			return false
		}
		m.HeartbeatUnixNano = c.Heartbeat.NowUnixNano
		return true
	case *ringpb.Command_ChangeState:
		m := f.members[c.ChangeState.GetId()]
		if m == nil {
			return false
		}
		m.State = c.ChangeState.State
		m.HeartbeatUnixNano = c.ChangeState.NowUnixNano
		return true
	case *ringpb.Command_Leave:
		_, ok := f.members[c.Leave.GetId()]
		delete(f.members, c.Leave.GetId())
		return ok
	case *ringpb.Command_Forget:
		_, ok := f.members[c.Forget.GetId()]
		_, okp := f.peers[c.Forget.GetId()]
		_, okd := f.distributors[c.Forget.GetId()]
		delete(f.members, c.Forget.GetId())
		delete(f.peers, c.Forget.GetId())
		delete(f.distributors, c.Forget.GetId())
		return ok || okp || okd
	case *ringpb.Command_DistributorHeartbeat:
		return f.distributorHeartbeat(c.DistributorHeartbeat)
	case *ringpb.Command_DistributorLeave:
		_, ok := f.distributors[c.DistributorLeave.GetId()]
		delete(f.distributors, c.DistributorLeave.GetId())
		return ok
	}
	return false
}

// distributorHeartbeat adds or refreshes a distributor and drops the expired ones. Expiry is
// judged at the command's leader-stamped time, so every member drops the same entries.
func (f *fsm) distributorHeartbeat(c *ringpb.DistributorHeartbeatCommand) bool {
	if c.GetId() == "" {
		return false
	}
	if c.ExpireAfterNano > 0 {
		for id, d := range f.distributors {
			if id != c.Id && c.NowUnixNano-d.HeartbeatUnixNano > c.ExpireAfterNano {
				delete(f.distributors, id)
			}
		}
	}
	d := f.distributors[c.Id]
	if d == nil {
		d = &ringpb.Distributor{Id: c.Id, RegisteredUnixNano: c.NowUnixNano}
		f.distributors[c.Id] = d
	}
	d.Addr = c.Addr
	d.HeartbeatUnixNano = c.NowUnixNano
	return true
}

// unclaimed returns the sorted, distinct tokens of want that no other member owns, so two
// members never share a token even if their joins raced.
func (f *fsm) unclaimed(id string, want []uint32) []uint32 {
	taken := map[uint32]bool{}
	for mid, m := range f.members {
		if mid == id {
			continue
		}
		for _, t := range m.Tokens {
			taken[t] = true
		}
	}
	out := make([]uint32, 0, len(want))
	for _, t := range want {
		if !taken[t] {
			taken[t] = true
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// publish stores a fresh immutable copy of the state; f.mu is held. Token slices are shared:
// they are replaced, never modified in place.
func (f *fsm) publish() {
	st := &ringpb.RingState{Index: f.index}
	for _, m := range f.members {
		st.Members = append(st.Members, &ringpb.Member{
			Id: m.Id, Addr: m.Addr, Tokens: m.Tokens, State: m.State,
			HeartbeatUnixNano: m.HeartbeatUnixNano, RegisteredUnixNano: m.RegisteredUnixNano,
		})
	}
	for _, p := range f.peers {
		st.Peers = append(st.Peers, &ringpb.Peer{Id: p.Id, Addr: p.Addr, RaftAddr: p.RaftAddr})
	}
	for _, d := range f.distributors {
		st.Distributors = append(st.Distributors, &ringpb.Distributor{
			Id: d.Id, Addr: d.Addr, HeartbeatUnixNano: d.HeartbeatUnixNano, RegisteredUnixNano: d.RegisteredUnixNano,
		})
	}
	sort.Slice(st.Members, func(i, j int) bool { return st.Members[i].Id < st.Members[j].Id })
	sort.Slice(st.Peers, func(i, j int) bool { return st.Peers[i].Id < st.Peers[j].Id })
	sort.Slice(st.Distributors, func(i, j int) bool { return st.Distributors[i].Id < st.Distributors[j].Id })
	f.view.Store(st)
	if f.onChange != nil {
		f.onChange(st)
	}
}

// Snapshot implements raft.FSM. The published view is immutable, so the snapshot needs no copy.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{state: f.state()}, nil
}

// Restore implements raft.FSM.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("read ring snapshot: %w", err)
	}
	var st ringpb.RingState
	if err := proto.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("decode ring snapshot: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members = make(map[string]*ringpb.Member, len(st.Members))
	for _, m := range st.Members {
		f.members[m.Id] = m
	}
	f.peers = make(map[string]*ringpb.Peer, len(st.Peers))
	for _, p := range st.Peers {
		f.peers[p.Id] = p
	}
	// Snapshots written before distributors were tracked have none: they re-announce on
	// their next heartbeat.
	f.distributors = make(map[string]*ringpb.Distributor, len(st.Distributors))
	for _, d := range st.Distributors {
		f.distributors[d.Id] = d
	}
	f.index = st.Index
	f.publish()
	return nil
}

type fsmSnapshot struct{ state *ringpb.RingState }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	b, err := proto.Marshal(s.state)
	if err == nil {
		_, err = sink.Write(b)
	}
	if err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("write ring snapshot: %w", err)
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}
