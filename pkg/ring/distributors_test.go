package ring

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/proto/ringpb"
)

func distHeartbeat(id string, now, expire int64) *ringpb.Command {
	return &ringpb.Command{Cmd: &ringpb.Command_DistributorHeartbeat{DistributorHeartbeat: &ringpb.DistributorHeartbeatCommand{
		Id: id, Addr: id + ":3100", NowUnixNano: now, ExpireAfterNano: expire}}}
}

func distLeave(id string) *ringpb.Command {
	return &ringpb.Command{Cmd: &ringpb.Command_DistributorLeave{DistributorLeave: &ringpb.DistributorLeaveCommand{Id: id}}}
}

// distributorCommands exercise the distributor commands; also fuzz seeds.
func distributorCommands() []*ringpb.Command {
	return []*ringpb.Command{
		register("ing", 1, 5),
		distHeartbeat("a", 10, 100),
		distHeartbeat("b", 20, 100),
		distHeartbeat("c", 30, 0),
		distHeartbeat("a", 50, 100), // refresh keeps the registration time
		distHeartbeat("", 60, 100),  // no id: ignored
		distLeave("c"),
		distLeave("zz"),
		distHeartbeat("a", 125, 100), // b (20) is 105 old: dropped
		{Cmd: &ringpb.Command_Forget{Forget: &ringpb.ForgetCommand{Id: "a"}}},
		distHeartbeat("d", 130, 100),
	}
}

func TestFSMDistributors(t *testing.T) {
	f := newFSM(nil)
	var found []bool
	var ids [][]string
	for i, c := range distributorCommands() {
		res := f.Apply(&raft.Log{Index: uint64(i + 1), Data: cmdBytes(t, c)}).(applyResult)
		if res.err != nil {
			t.Fatal(res.err)
		}
		found = append(found, res.found)
		var cur []string
		for _, d := range f.state().Distributors {
			cur = append(cur, d.Id)
		}
		ids = append(ids, cur)
	}
	if want := []bool{true, true, true, true, true, false, true, false, true, true, true}; !slices.Equal(found, want) {
		t.Errorf("found %v, want %v", found, want)
	}
	wantIDs := [][]string{nil, {"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "b", "c"}, {"a", "b", "c"}, {"a", "b"}, {"a", "b"}, {"a"}, nil, {"d"}}
	for i := range wantIDs {
		if !slices.Equal(ids[i], wantIDs[i]) {
			t.Errorf("after command %d: distributors %v, want %v", i, ids[i], wantIDs[i])
		}
	}
	// Distributors never become ring members.
	st := f.state()
	if len(st.Members) != 1 || st.Members[0].Id != "ing" {
		t.Fatalf("members %v", st.Members)
	}
	if d := st.Distributors[0]; d.Addr != "d:3100" || d.HeartbeatUnixNano != 130 || d.RegisteredUnixNano != 130 {
		t.Errorf("d = %v", d)
	}

	// A refresh keeps the registration time.
	g := newFSM(nil)
	for i, c := range distributorCommands()[:5] {
		g.Apply(&raft.Log{Index: uint64(i + 1), Data: cmdBytes(t, c)})
	}
	if a := g.state().Distributors[0]; a.RegisteredUnixNano != 10 || a.HeartbeatUnixNano != 50 {
		t.Errorf("a = %v", a)
	}

	// Snapshots carry the distributors; snapshots from before them restore with none.
	snap, _ := g.Snapshot()
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	h := newFSM(nil)
	if err := h.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(h.state(), g.state()) || len(h.state().Distributors) != 3 {
		t.Errorf("restored %v, want %v", h.state(), g.state())
	}
	old, _ := proto.Marshal(&ringpb.RingState{Index: 7, Members: []*ringpb.Member{{Id: "x", Tokens: []uint32{1}}}})
	if err := h.Restore(io.NopCloser(bytes.NewReader(old))); err != nil {
		t.Fatal(err)
	}
	if st := h.state(); len(st.Distributors) != 0 || len(st.Members) != 1 || st.Index != 7 {
		t.Errorf("old snapshot restored as %v", st)
	}
}

func TestCountHealthyDistributors(t *testing.T) {
	now := time.Unix(1000, 0)
	st := &ringpb.RingState{Distributors: []*ringpb.Distributor{
		{Id: "a", HeartbeatUnixNano: now.Add(-time.Second).UnixNano()},
		{Id: "b", HeartbeatUnixNano: now.Add(-10 * time.Second).UnixNano()},
		{Id: "c", HeartbeatUnixNano: now.Add(-31 * time.Second).UnixNano()},
	}}
	f := func(st *ringpb.RingState, self string, timeout time.Duration, want int) {
		t.Helper()
		if got := CountHealthyDistributors(st, self, timeout, now); got != want {
			t.Errorf("self %q timeout %v: %d, want %d", self, timeout, got, want)
		}
	}
	f(st, "a", 30*time.Second, 2)
	f(st, "c", 30*time.Second, 3)   // self is alive even when its entry went stale
	f(st, "new", 30*time.Second, 3) // not registered yet
	f(st, "", 30*time.Second, 2)
	f(st, "a", 5*time.Second, 1)
	f(st, "", time.Millisecond, 1) // never below 1
	f(&ringpb.RingState{}, "", time.Second, 1)
	f(nil, "x", time.Second, 1)
}

func TestDistributorConfig(t *testing.T) {
	var c DistributorConfig
	c.RegisterFlags("distributor.ring.", flag.NewFlagSet("x", flag.ContinueOnError))
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.HeartbeatPeriod != 5*time.Second || c.HeartbeatTimeout != 30*time.Second {
		t.Errorf("defaults %+v", c)
	}
	c.HeartbeatTimeout = time.Second
	if err := c.Validate(); err == nil {
		t.Error("timeout below the period accepted")
	}
	c.HeartbeatPeriod = 0
	if err := c.Validate(); err == nil {
		t.Error("zero period accepted")
	}
}

func TestRingHTTPDistributors(t *testing.T) {
	now := time.Now()
	src := &fakeSource{st: &ringpb.RingState{
		Members: []*ringpb.Member{{Id: "ing", Addr: "ing:9095", State: ringpb.State_ACTIVE, Tokens: []uint32{1}, HeartbeatUnixNano: now.UnixNano()}},
		Distributors: []*ringpb.Distributor{
			{Id: "dist-1", Addr: "d1:3100", HeartbeatUnixNano: now.Add(-3 * time.Second).UnixNano(), RegisteredUnixNano: now.Add(-time.Hour).UnixNano()},
		},
	}}
	h := NewHTTPHandler(src, time.Minute, slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ring?format=json", nil))
	if !strings.Contains(rec.Body.String(), `"distributors":[{"id":"dist-1","addr":"d1:3100"`) {
		t.Errorf("json: %s", rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ring", nil))
	body := rec.Body.String()
	members, dists, ok := strings.Cut(body, `<table id="distributors">`)
	if !ok || strings.Contains(members, "dist-1") || !strings.Contains(dists, "<td>dist-1</td><td>d1:3100</td><td>3.0s</td>") {
		t.Errorf("html: %s", body)
	}
}
