package ring

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/skaldlogs/skald/proto/ringpb"
)

var t0 = time.Unix(1_700_000_000, 0)

func member(id string, st ringpb.State, hbAge time.Duration, tokens ...uint32) *ringpb.Member {
	return &ringpb.Member{Id: id, Addr: id + ":9095", State: st, Tokens: tokens, HeartbeatUnixNano: t0.Add(-hbAge).UnixNano()}
}

func ids(rs ReplicationSet) []string {
	var out []string
	for _, in := range rs.Instances {
		out = append(out, in.ID)
	}
	return out
}

func TestDescGet(t *testing.T) {
	const timeout = time.Minute
	active := ringpb.State_ACTIVE
	ring4 := func(mod func([]*ringpb.Member)) []*ringpb.Member {
		ms := []*ringpb.Member{
			member("a", active, 0, 100, 500),
			member("b", active, 0, 200, 600),
			member("c", active, 0, 300, 700),
			member("d", active, 0, 400, 800),
		}
		if mod != nil {
			mod(ms)
		}
		return ms
	}
	cases := []struct {
		name      string
		members   []*ringpb.Member
		rf        int
		key       uint32
		op        Operation
		want      []string
		maxErrors int
		err       error
	}{
		{name: "first clockwise", members: ring4(nil), rf: 3, key: 150, op: Write, want: []string{"b", "c", "d"}, maxErrors: 1},
		{name: "wraps around", members: ring4(nil), rf: 3, key: 750, op: Write, want: []string{"d", "a", "b"}, maxErrors: 1},
		{name: "exact token", members: ring4(nil), rf: 2, key: 300, op: Read, want: []string{"c", "d"}, maxErrors: 0},
		{name: "stale heartbeat extends", members: ring4(func(ms []*ringpb.Member) { ms[2] = member("c", active, 2*timeout, 300, 700) }),
			rf: 3, key: 150, op: Write, want: []string{"b", "d", "a"}, maxErrors: 1},
		{name: "leaving skipped for writes", members: ring4(func(ms []*ringpb.Member) { ms[1].State = ringpb.State_LEAVING }),
			rf: 3, key: 150, op: Write, want: []string{"c", "d", "a"}, maxErrors: 1},
		{name: "leaving serves reads", members: ring4(func(ms []*ringpb.Member) { ms[1].State = ringpb.State_LEAVING }),
			rf: 3, key: 150, op: Read, want: []string{"b", "c", "d"}, maxErrors: 1},
		{name: "joining skipped for reads", members: ring4(func(ms []*ringpb.Member) { ms[1].State = ringpb.State_JOINING }),
			rf: 3, key: 150, op: Read, want: []string{"c", "d", "a"}, maxErrors: 1},
		{name: "joining takes writes", members: ring4(func(ms []*ringpb.Member) { ms[1].State = ringpb.State_JOINING }),
			rf: 3, key: 150, op: Write, want: []string{"b", "c", "d"}, maxErrors: 1},
		{name: "rf capped at members", members: ring4(nil)[:2], rf: 3, key: 0, op: Write, want: []string{"a", "b"}, maxErrors: 0},
		{name: "quorum still met", members: ring4(func(ms []*ringpb.Member) { ms[0].HeartbeatUnixNano = 0 })[:3],
			rf: 3, key: 0, op: Write, want: []string{"b", "c"}, maxErrors: 0},
		{name: "quorum lost", members: ring4(func(ms []*ringpb.Member) { ms[0].HeartbeatUnixNano, ms[1].HeartbeatUnixNano = 0, 0 })[:3],
			rf: 3, key: 0, op: Write, err: ErrTooFewHealthy},
		{name: "empty", members: nil, rf: 3, key: 0, op: Write, err: ErrEmptyRing},
		{name: "all unhealthy", members: []*ringpb.Member{member("a", active, 2*timeout, 1)}, rf: 1, op: Read, err: ErrEmptyRing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDesc(tc.members, tc.rf, timeout)
			rs, err := d.get(tc.key, tc.op, t0)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(rs); !slices.Equal(got, tc.want) || rs.MaxErrors != tc.maxErrors {
				t.Fatalf("got %v maxErrors %d, want %v %d", got, rs.MaxErrors, tc.want, tc.maxErrors)
			}
		})
	}
}

func TestDescGetAllHealthy(t *testing.T) {
	const timeout = time.Minute
	f := func(members []*ringpb.Member, rf int, op Operation, want []string, maxErrors int, wantErr error) {
		t.Helper()
		rs, err := newDesc(members, rf, timeout).getAllHealthy(op, t0)
		if wantErr != nil || err != nil {
			if !errors.Is(err, wantErr) {
				t.Fatalf("err %v, want %v", err, wantErr)
			}
			return
		}
		if got := ids(rs); !slices.Equal(got, want) || rs.MaxErrors != maxErrors {
			t.Fatalf("got %v maxErrors %d, want %v %d", got, rs.MaxErrors, want, maxErrors)
		}
	}
	a, l, j := ringpb.State_ACTIVE, ringpb.State_LEAVING, ringpb.State_JOINING
	f([]*ringpb.Member{member("a", a, 0, 1), member("b", a, 0, 2), member("c", a, 0, 3)}, 3, Read, []string{"a", "b", "c"}, 2, nil)
	f([]*ringpb.Member{member("a", a, 0, 1), member("b", l, 0, 2), member("c", j, 0, 3)}, 3, Read, []string{"a", "b"}, 1, nil)
	f([]*ringpb.Member{member("a", a, 0, 1), member("b", l, 0, 2), member("c", j, 0, 3)}, 3, Write, []string{"a", "c"}, 1, nil)
	// One stale member uses up one of the rf-1 failures a read tolerates.
	f([]*ringpb.Member{member("a", a, 0, 1), member("b", a, 0, 2), member("c", a, 2*timeout, 3)}, 3, Read, []string{"a", "b"}, 1, nil)
	f([]*ringpb.Member{member("a", a, 0, 1), member("b", a, 2*timeout, 2), member("c", a, 2*timeout, 3)}, 3, Read, []string{"a"}, 0, nil)
	f([]*ringpb.Member{member("a", a, 0, 1), member("b", a, 2*timeout, 2), member("c", a, 2*timeout, 3)}, 2, Read, nil, 0, ErrTooFewHealthy)
	f([]*ringpb.Member{member("a", a, 0, 1)}, 1, Read, []string{"a"}, 0, nil)
	f(nil, 3, Read, nil, 0, ErrEmptyRing)
}

// TestDescMatchesStatic checks that a healthy Raft ring routes exactly like the static ring
// the distributor and querier were written against.
func TestDescMatchesStatic(t *testing.T) {
	var members []*ringpb.Member
	var static []InstanceDesc
	for i, id := range []string{"a", "b", "c", "d", "e"} {
		toks := []uint32{uint32(i) * 1000, uint32(i)*1000 + 1<<30, uint32(i)*7 + 3<<30}
		members = append(members, member(id, ringpb.State_ACTIVE, 0, toks...))
		static = append(static, InstanceDesc{ID: id, Tokens: toks})
	}
	d := newDesc(members, 3, 0)
	s := NewStatic(3, static...)
	for key := uint32(0); key < 1<<32-1<<24; key += 1 << 24 {
		got, err := d.get(key, Write, t0)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := s.Get(key, Write)
		if !slices.Equal(ids(got), ids(want)) || got.MaxErrors != want.MaxErrors {
			t.Fatalf("key %d: got %v, static %v", key, ids(got), ids(want))
		}
	}
}

// TestDescReuse: a heartbeat or state change reuses the token table; a token change rebuilds it.
func TestDescReuse(t *testing.T) {
	a := member("a", ringpb.State_ACTIVE, 0, 10, 30)
	b := member("b", ringpb.State_ACTIVE, 0, 20)
	d1 := newDesc([]*ringpb.Member{a, b}, 1, time.Minute)
	b2 := member("b", ringpb.State_LEAVING, 0, 20)
	d2 := newDescFrom(d1, []*ringpb.Member{a, b2}, 1, time.Minute)
	if &d2.tokens[0] != &d1.tokens[0] {
		t.Error("token table rebuilt for a state change")
	}
	if rs, _ := d2.get(15, Write, t0); !slices.Equal(ids(rs), []string{"a"}) {
		t.Errorf("state change not seen: %v", ids(rs))
	}
	b3 := member("b", ringpb.State_ACTIVE, 0, 5)
	d3 := newDescFrom(d2, []*ringpb.Member{a, b3}, 1, time.Minute)
	if rs, _ := d3.get(1, Write, t0); !slices.Equal(ids(rs), []string{"b"}) {
		t.Errorf("token change not seen: %v", ids(rs))
	}
	d4 := newDescFrom(d3, []*ringpb.Member{a}, 1, time.Minute)
	if rs, _ := d4.get(1, Write, t0); !slices.Equal(ids(rs), []string{"a"}) {
		t.Errorf("member removal not seen: %v", ids(rs))
	}
}
