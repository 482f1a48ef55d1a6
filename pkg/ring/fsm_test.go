package ring

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/proto/ringpb"
)

func cmdBytes(t testing.TB, c *ringpb.Command) []byte {
	b, err := proto.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func register(id string, now int64, tokens ...uint32) *ringpb.Command {
	return &ringpb.Command{Cmd: &ringpb.Command_Register{Register: &ringpb.RegisterCommand{
		Peer: &ringpb.Peer{Id: id, Addr: id + ":9095", RaftAddr: id + ":9096"}, Tokens: tokens, NowUnixNano: now}}}
}

// fsmCommands is a sequence exercising every command, used by the unit test and as fuzz seeds.
func fsmCommands() []*ringpb.Command {
	return []*ringpb.Command{
		register("a", 10, 5, 1, 3),
		register("b", 11, 3, 2, 2), // 3 is a's: dropped; 2 repeated: once
		{Cmd: &ringpb.Command_ChangeState{ChangeState: &ringpb.ChangeStateCommand{Id: "a", State: ringpb.State_ACTIVE, NowUnixNano: 12}}},
		{Cmd: &ringpb.Command_Heartbeat{Heartbeat: &ringpb.HeartbeatCommand{Id: "b", NowUnixNano: 13}}},
		{Cmd: &ringpb.Command_Heartbeat{Heartbeat: &ringpb.HeartbeatCommand{Id: "zz", NowUnixNano: 13}}},
		register("a", 14, 9), // re-register keeps tokens, goes back to JOINING
		register("c", 15, 7),
		{Cmd: &ringpb.Command_Leave{Leave: &ringpb.LeaveCommand{Id: "c"}}},
		register("d", 16, 8),
		{Cmd: &ringpb.Command_Forget{Forget: &ringpb.ForgetCommand{Id: "d"}}},
		{},
	}
}

func TestFSMApply(t *testing.T) {
	changes := 0
	f := newFSM(func(*ringpb.RingState) { changes++ })
	var found []bool
	for i, c := range fsmCommands() {
		res := f.Apply(&raft.Log{Index: uint64(i + 1), Data: cmdBytes(t, c)}).(applyResult)
		if res.err != nil {
			t.Fatal(res.err)
		}
		found = append(found, res.found)
	}
	if want := []bool{true, true, true, true, false, true, true, true, true, true, false}; !slices.Equal(found, want) {
		t.Errorf("found %v, want %v", found, want)
	}
	st := f.state()
	if st.Index != 11 || changes != 11 {
		t.Errorf("index %d changes %d", st.Index, changes)
	}
	if len(st.Members) != 2 || st.Members[0].Id != "a" || st.Members[1].Id != "b" {
		t.Fatalf("members %v", st.Members)
	}
	a, b := st.Members[0], st.Members[1]
	if !slices.Equal(a.Tokens, []uint32{1, 3, 5}) || a.State != ringpb.State_JOINING || a.HeartbeatUnixNano != 14 || a.RegisteredUnixNano != 10 {
		t.Errorf("a = %v", a)
	}
	if !slices.Equal(b.Tokens, []uint32{2}) || b.HeartbeatUnixNano != 13 {
		t.Errorf("b = %v", b)
	}
	// c left the ring but stays a peer; d was forgotten entirely.
	var peers []string
	for _, p := range st.Peers {
		peers = append(peers, p.Id)
	}
	if !slices.Equal(peers, []string{"a", "b", "c"}) {
		t.Errorf("peers %v", peers)
	}

	// Snapshot and restore into a fresh FSM give the same state.
	snap, _ := f.Snapshot()
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	g := newFSM(nil)
	if err := g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(g.state(), st) {
		t.Errorf("restored %v, want %v", g.state(), st)
	}
	// The published view is immutable: later applies do not change an earlier state.
	g.Apply(&raft.Log{Index: 12, Data: cmdBytes(t, &ringpb.Command{Cmd: &ringpb.Command_Heartbeat{Heartbeat: &ringpb.HeartbeatCommand{Id: "a", NowUnixNano: 99}}})})
	if st.Members[0].HeartbeatUnixNano != 14 || g.state().Members[0].HeartbeatUnixNano != 99 {
		t.Error("published state was mutated")
	}
}

func TestFSMBadInput(t *testing.T) {
	f := newFSM(nil)
	res := f.Apply(&raft.Log{Index: 1, Data: []byte{0xff, 0xff}}).(applyResult)
	if res.err == nil {
		t.Error("want a decode error")
	}
	if err := f.Restore(io.NopCloser(bytes.NewReader([]byte{0x0a, 0xff}))); err == nil {
		t.Error("want a snapshot decode error")
	}
}

type memSink struct{ bytes.Buffer }

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { return nil }
func (s *memSink) Close() error  { return nil }

// FuzzFSMApply feeds arbitrary log entries and snapshots: the FSM must never panic and its
// published state must stay well formed (sorted distinct tokens, no token owned twice).
func FuzzFSMApply(f *testing.F) {
	for _, c := range append(fsmCommands(), distributorCommands()...) {
		b, _ := proto.Marshal(c)
		f.Add(b, false)
	}
	st, _ := proto.Marshal(&ringpb.RingState{Members: []*ringpb.Member{{Id: "a", Tokens: []uint32{1}}}})
	f.Add(st, true)
	f.Fuzz(func(t *testing.T, data []byte, asSnapshot bool) {
		m := newFSM(nil)
		m.Apply(&raft.Log{Index: 1, Data: cmdBytes(t, register("x", 1, 1, 2))})
		if asSnapshot {
			_ = m.Restore(io.NopCloser(bytes.NewReader(data)))
		} else {
			m.Apply(&raft.Log{Index: 2, Data: data})
			m.Apply(&raft.Log{Index: 3, Data: data})
		}
		d := newDesc(m.state().Members, 3, time.Minute)
		for _, key := range []uint32{0, 1 << 31, ^uint32(0)} {
			_, _ = d.get(key, Write, t0)
			_, _ = d.get(key, Read, t0)
		}
		_, _ = d.getAllHealthy(Read, t0)
		if asSnapshot {
			return
		}
		owner := map[uint32]string{}
		for _, mem := range m.state().Members {
			if !slices.IsSorted(mem.Tokens) {
				t.Fatalf("tokens of %s unsorted", mem.Id)
			}
			for _, tok := range mem.Tokens {
				if o, ok := owner[tok]; ok {
					t.Fatalf("token %d owned by %s and %s", tok, o, mem.Id)
				}
				owner[tok] = mem.Id
			}
		}
	})
}
