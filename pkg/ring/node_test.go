package ring_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/ring/ringtest"
	"github.com/skaldlogs/skald/proto/ringpb"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func memberIDs(st *ringpb.RingState) []string {
	var out []string
	for _, m := range st.Members {
		out = append(out, m.Id)
	}
	return out
}

func setIDs(rs ring.ReplicationSet) []string {
	var out []string
	for _, in := range rs.Instances {
		out = append(out, in.ID)
	}
	return out
}

func TestClusterBootstrap(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	leader := c.Leader(5 * time.Second)
	voters, nonvoters, err := leader.Node.Voters()
	if err != nil {
		t.Fatal(err)
	}
	if len(voters) != 3 || len(nonvoters) != 0 {
		t.Fatalf("voters %v nonvoters %v, want 3 voters", voters, nonvoters)
	}
	for _, m := range c.Members {
		if err := m.Node.Ready(); err != nil {
			t.Errorf("%s not ready: %v", m.ID, err)
		}
		st := m.Node.State()
		if len(st.Members) != 3 || len(st.Peers) != 3 || st.LeaderId != leader.ID {
			t.Errorf("%s sees %d members %d peers leader %q", m.ID, len(st.Members), len(st.Peers), st.LeaderId)
		}
		for _, in := range st.Members {
			if len(in.Tokens) != 16 {
				t.Errorf("%s has %d tokens", in.Id, len(in.Tokens))
			}
		}
	}
	for _, m := range c.Members {
		if got := metricValue(t, m.Registry, "skald_ring_members", "ACTIVE"); got != 3 {
			t.Errorf("%s: skald_ring_members{state=ACTIVE} = %v", m.ID, got)
		}
	}
	if got := metricValue(t, leader.Registry, "skald_ring_raft_state", ""); got != 2 {
		t.Errorf("leader's skald_ring_raft_state = %v, want 2", got)
	}
	// Every member answers replication sets identically from its local copy.
	for key := uint32(0); key < 1<<31; key += 1 << 27 {
		want, err := c.Members[0].Node.Get(key, ring.Write)
		if err != nil || len(want.Instances) != 3 || want.MaxErrors != 1 {
			t.Fatalf("get %d: %v %v", key, want, err)
		}
		for _, m := range c.Members[1:] {
			got, _ := m.Node.Get(key, ring.Write)
			if !slices.Equal(setIDs(got), setIDs(want)) {
				t.Fatalf("%s: %v, %s: %v", c.Members[0].ID, setIDs(want), m.ID, setIDs(got))
			}
		}
	}
}

func TestSingleNode(t *testing.T) {
	t.Parallel()
	c := ringtest.NewClusterWith(t, 1, ringtest.Options{ReplicationFactor: 1})
	m := c.Members[0]
	if !m.Node.IsLeader() {
		t.Fatal("a single node leads itself")
	}
	rs, err := m.Node.Get(ring.TokenFor("tenant{app=\"x\"}"), ring.Write)
	if err != nil || len(rs.Instances) != 1 || rs.Instances[0].Addr != m.Addr {
		t.Fatalf("get: %v %v", rs, err)
	}
	// Restart with the same data dir: same tokens, no second bootstrap.
	before := m.Node.State().Members[0].Tokens
	c.Stop(m)
	c.Restart(m)
	if after := m.Node.State().Members[0].Tokens; !slices.Equal(before, after) {
		t.Fatalf("tokens changed across restart")
	}
	if err := m.Node.Ready(); err != nil {
		t.Fatal(err)
	}
}

func TestLeaderLoss(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	old := c.Leader(5 * time.Second)
	c.Kill(old)
	start := time.Now()
	leader := c.Leader(10 * time.Second)
	took := time.Since(start)
	t.Logf("new leader %s after %s", leader.ID, took)
	if leader == old {
		t.Fatal("stopped member still leads")
	}
	// Commands continue through the new leader, from a follower too.
	var follower *ringtest.Member
	for _, m := range c.Running() {
		if m != leader {
			follower = m
		}
	}
	if err := follower.Node.SetState(ctxT(t, 5*time.Second), ring.Leaving); err != nil {
		t.Fatal(err)
	}
	c.Eventually(5*time.Second, "leaving seen by the leader", func() bool {
		rs, err := leader.Node.GetAllHealthy(ring.Write)
		return err == nil && !slices.Contains(setIDs(rs), follower.ID)
	})
	// The old leader comes back with its data and rejoins without a membership change.
	c.Restart(old)
	if err := follower.Node.SetState(ctxT(t, 5*time.Second), ring.Active); err != nil {
		t.Fatal(err)
	}
	c.WaitConverged(10 * time.Second)
	voters, _, _ := leader.Node.Voters()
	if len(voters) != 3 {
		t.Fatalf("voters %v", voters)
	}
}

func TestJoinNonVoter(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	m := c.AddNonVoter()
	c.WaitConverged(10 * time.Second)
	leader := c.Leader(5 * time.Second)
	voters, nonvoters, err := leader.Node.Voters()
	if err != nil {
		t.Fatal(err)
	}
	if len(voters) != 3 || !slices.Equal(nonvoters, []string{m.ID}) {
		t.Fatalf("voters %v nonvoters %v", voters, nonvoters)
	}
	if got := memberIDs(m.Node.State()); len(got) != 4 {
		t.Fatalf("non-voter sees %v", got)
	}
	if err := m.Node.Ready(); err != nil {
		t.Fatal(err)
	}
	// A non-voter restarted with its data rejoins as a non-voter.
	c.Stop(m)
	c.Restart(m)
	_, nonvoters, _ = c.Leader(5 * time.Second).Node.Voters()
	if !slices.Equal(nonvoters, []string{m.ID}) {
		t.Fatalf("nonvoters after restart %v", nonvoters)
	}
}

func TestStaleHeartbeatExtends(t *testing.T) {
	t.Parallel()
	c := ringtest.NewClusterWith(t, 4, ringtest.Options{ReplicationFactor: 3, HeartbeatTimeout: 1500 * time.Millisecond})
	victim := c.Members[3]
	observer := c.Members[0]
	// A key whose replication set includes the victim.
	var key uint32
	var before []string
	for k := uint32(0); ; k += 1 << 24 {
		rs, err := observer.Node.Get(k, ring.Write)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(setIDs(rs), victim.ID) {
			key, before = k, setIDs(rs)
			break
		}
	}
	c.Stop(victim)
	var lastHeartbeat time.Time
	c.Eventually(5*time.Second, "replication set without the stale member", func() bool {
		for _, m := range observer.Node.State().Members {
			if m.Id == victim.ID {
				lastHeartbeat = time.Unix(0, m.HeartbeatUnixNano)
			}
		}
		rs, err := observer.Node.Get(key, ring.Write)
		return err == nil && !slices.Contains(setIDs(rs), victim.ID)
	})
	// Skipped because its heartbeat went stale (it is still ACTIVE in the ring).
	if age := time.Since(lastHeartbeat); age < 1500*time.Millisecond {
		t.Fatalf("member skipped with a heartbeat %s old, under its timeout", age)
	}
	rs, _ := observer.Node.Get(key, ring.Write)
	after := setIDs(rs)
	if len(after) != 3 || rs.MaxErrors != 1 {
		t.Fatalf("set did not extend: before %v after %v (max errors %d)", before, after, rs.MaxErrors)
	}
	for _, id := range before {
		if id != victim.ID && !slices.Contains(after, id) {
			t.Fatalf("healthy member %s dropped: before %v after %v", id, before, after)
		}
	}
	all, err := observer.Node.GetAllHealthy(ring.Read)
	if err != nil || len(all.Instances) != 3 || all.MaxErrors != 1 {
		t.Fatalf("all healthy %v max errors %d: %v", setIDs(all), all.MaxErrors, err)
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	dead := c.Members[2]
	c.Stop(dead)
	via := c.Members[0]
	// Through the /ring page's forget action, as an operator would.
	h := ring.NewHTTPHandler(via.Node, 2*time.Second, slog.New(slog.DiscardHandler))
	req := httptest.NewRequest("POST", "/ring?format=json", strings.NewReader(url.Values{"forget": {dead.ID}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("forget: %d %s", rec.Code, rec.Body)
	}
	for _, m := range c.Running() {
		c.Eventually(5*time.Second, "forgotten everywhere", func() bool {
			st := m.Node.State()
			for _, p := range st.Peers {
				if p.Id == dead.ID {
					return false
				}
			}
			return !slices.Contains(memberIDs(st), dead.ID)
		})
	}
	voters, _, _ := c.Leader(5 * time.Second).Node.Voters()
	if len(voters) != 2 || slices.Contains(voters, dead.ID) {
		t.Fatalf("voters %v", voters)
	}
	// Forgetting a live member is undone by its next heartbeat.
	leader := c.Leader(5 * time.Second)
	live := c.Members[1]
	if live == leader {
		live = c.Members[0]
	}
	if err := via.Node.Forget(ctxT(t, 10*time.Second), live.ID); err != nil {
		t.Fatal(err)
	}
	c.Eventually(10*time.Second, "live member back", func() bool { return live.Node.Ready() == nil })
	c.Eventually(10*time.Second, "live member a voter again", func() bool {
		voters, _, _ := c.Leader(5 * time.Second).Node.Voters()
		return slices.Contains(voters, live.ID)
	})
}

func TestGracefulLeave(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	m := c.Members[1]
	ctx := ctxT(t, 10*time.Second)
	if err := m.Node.SetState(ctx, ring.Leaving); err != nil {
		t.Fatal(err)
	}
	if err := m.Node.Ready(); err == nil {
		t.Fatal("a LEAVING member is not ready")
	}
	if err := m.Node.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	c.Stop(m)
	other := c.Members[0]
	c.Eventually(5*time.Second, "member gone from the ring", func() bool {
		return len(other.Node.State().Members) == 2
	})
	if got := len(other.Node.State().Peers); got != 3 {
		t.Fatalf("a leaver stays a raft peer: %d peers", got)
	}
	c.Restart(m)
	c.WaitConverged(10 * time.Second)
}

func TestWipedVoterRejoins(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	leader := c.Leader(5 * time.Second)
	var victim *ringtest.Member
	for _, m := range c.Members {
		if m != leader {
			victim = m
			break
		}
	}
	tokens := func() []uint32 {
		for _, m := range leader.Node.State().Members {
			if m.Id == victim.ID {
				return m.Tokens
			}
		}
		return nil
	}
	before := tokens()
	changes := func(op string) float64 {
		return metricValue(t, leader.Registry, "skald_ring_raft_membership_changes_total", op)
	}
	removes, adds := changes("remove"), changes("add_voter")

	c.Wipe(victim)

	// The old incarnation was removed and the new one added as a voter.
	if changes("remove") != removes+1 || changes("add_voter") != adds+1 {
		t.Fatalf("membership changes: remove %v→%v add_voter %v→%v", removes, changes("remove"), adds, changes("add_voter"))
	}
	voters, _, _ := leader.Node.Voters()
	if len(voters) != 3 || !slices.Contains(voters, victim.ID) {
		t.Fatalf("voters %v", voters)
	}
	// The ring kept the member's tokens (it never left), and the blank node caught up.
	if !slices.Equal(tokens(), before) {
		t.Fatal("tokens changed")
	}
	c.WaitConverged(10 * time.Second)
	if got, want := victim.Node.State().Index, leader.Node.State().Index; got == 0 || want-got > 10 {
		t.Fatalf("wiped member at index %d, leader at %d", got, want)
	}
	// The group still commits and survives losing another member (quorum 2 of 3 with the
	// wiped-and-rejoined member counted).
	c.Stop(leader)
	next := c.Leader(10 * time.Second)
	if err := next.Node.SetState(ctxT(t, 5*time.Second), ring.Active); err != nil {
		t.Fatal(err)
	}
}

// metricValue returns the value of the series of name whose only label has value lv (lv "": the
// series without labels).
func metricValue(t *testing.T, reg *prometheus.Registry, name, lv string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if (len(m.Label) == 0 && lv == "") || (len(m.Label) == 1 && m.Label[0].GetValue() == lv) {
				if m.Counter != nil {
					return m.Counter.GetValue()
				}
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}

// TestWipedVoterFullRestart wipes one voter while the whole group is down. On restart the blank
// voter must not bootstrap (its peers report Raft state on disk even before their Raft runs):
// it waits for the others to elect a leader, which removes and re-adds it.
func TestWipedVoterFullRestart(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	for _, m := range c.Members {
		c.Stop(m)
	}
	if err := os.RemoveAll(c.Members[0].Dir); err != nil {
		t.Fatal(err)
	}
	c.RestartAll(c.Members...)
	c.WaitConverged(10 * time.Second)
	removes := 0.0
	for _, m := range c.Members {
		removes += metricValue(t, m.Registry, "skald_ring_raft_membership_changes_total", "remove")
	}
	if removes != 1 {
		t.Fatalf("%v removals, want the wiped voter's old incarnation removed once", removes)
	}
	voters, _, _ := c.Leader(5 * time.Second).Node.Voters()
	if len(voters) != 3 {
		t.Fatalf("voters %v", voters)
	}
}

// TestNonVoterFillsForgottenSeat: after a dead voter is forgotten, the next member to join takes
// its vote, so the group is back to three voters.
func TestNonVoterFillsForgottenSeat(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	dead := c.Members[2]
	c.Kill(dead)
	if err := c.Members[0].Node.Forget(ctxT(t, 10*time.Second), dead.ID); err != nil {
		t.Fatal(err)
	}
	extra := c.AddNonVoter()
	voters, nonvoters, err := c.Leader(5 * time.Second).Node.Voters()
	if err != nil {
		t.Fatal(err)
	}
	if len(voters) != 3 || !slices.Contains(voters, extra.ID) || len(nonvoters) != 0 {
		t.Fatalf("voters %v nonvoters %v", voters, nonvoters)
	}
}

// TestRollingRestart restarts every voter in turn with a graceful leave, as a deploy would: the
// group keeps its leader election going and ends with three voters and three ACTIVE members.
func TestRollingRestart(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	for _, m := range c.Members {
		ctx := ctxT(t, 10*time.Second)
		if err := m.Node.SetState(ctx, ring.Leaving); err != nil {
			t.Fatal(err)
		}
		if err := m.Node.Leave(ctx); err != nil {
			t.Fatal(err)
		}
		c.Stop(m)
		c.Restart(m)
		c.WaitConverged(10 * time.Second)
	}
	voters, _, err := c.Leader(5 * time.Second).Node.Voters()
	if err != nil || len(voters) != 3 {
		t.Fatalf("voters %v: %v", voters, err)
	}
}

// TestWipedVoterRestoresSnapshot: with the log compacted, a wiped voter rejoins from a snapshot
// installed by the leader (the FSM's Persist and Restore in the real flow).
func TestWipedVoterRestoresSnapshot(t *testing.T) {
	t.Parallel()
	c := ringtest.NewClusterWith(t, 3, ringtest.Options{SnapshotThreshold: 8, SnapshotInterval: 100 * time.Millisecond, TrailingLogs: 2})
	leader := c.Leader(5 * time.Second)
	c.Eventually(10*time.Second, "a snapshot on the leader", func() bool {
		return leader.Node.RaftStats()["last_snapshot_index"] != "0"
	})
	var victim *ringtest.Member
	for _, m := range c.Members {
		if m != leader {
			victim = m
			break
		}
	}
	c.Wipe(victim)
	if got := victim.Node.RaftStats()["last_snapshot_index"]; got == "0" {
		t.Fatal("the wiped voter did not receive a snapshot")
	}
	c.WaitConverged(10 * time.Second)
	if got, want := len(victim.Node.State().Members), 3; got != want {
		t.Fatalf("wiped voter sees %d members", got)
	}
}
