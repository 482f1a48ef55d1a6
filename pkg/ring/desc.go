package ring

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// desc is an immutable ring snapshot that answers ReadRing questions with health judged at call
// time. Node and Watcher swap a new desc in on each ring change.
type desc struct {
	instances        []InstanceDesc
	tokens           []tokenOwner
	rf               int
	heartbeatTimeout time.Duration // 0: heartbeats never go stale
}

func newDesc(members []*ringpb.Member, rf int, heartbeatTimeout time.Duration) *desc {
	return newDescFrom(nil, members, rf, heartbeatTimeout)
}

// newDescFrom is newDesc reusing prev's sorted token table when the members and their tokens
// are unchanged, which is the case for heartbeats and state changes: most ring changes.
func newDescFrom(prev *desc, members []*ringpb.Member, rf int, heartbeatTimeout time.Duration) *desc {
	if prev != nil && sameTokens(prev.instances, members) {
		d := &desc{rf: rf, heartbeatTimeout: heartbeatTimeout, tokens: prev.tokens, instances: make([]InstanceDesc, len(members))}
		for i, m := range members {
			d.instances[i] = instanceFromProto(m)
		}
		return d
	}
	d := &desc{rf: rf, heartbeatTimeout: heartbeatTimeout, instances: make([]InstanceDesc, 0, len(members))}
	n := 0
	for _, m := range members {
		n += len(m.Tokens)
	}
	d.tokens = make([]tokenOwner, 0, n)
	for _, m := range members {
		d.instances = append(d.instances, instanceFromProto(m))
		for _, t := range m.Tokens {
			d.tokens = append(d.tokens, tokenOwner{t, len(d.instances) - 1})
		}
	}
	sort.Slice(d.tokens, func(i, j int) bool {
		if d.tokens[i].token != d.tokens[j].token {
			return d.tokens[i].token < d.tokens[j].token
		}
		// Deterministic order on (rare) collisions so every watcher picks the same owner.
		return d.instances[d.tokens[i].idx].ID < d.instances[d.tokens[j].idx].ID
	})
	return d
}

func sameTokens(prev []InstanceDesc, members []*ringpb.Member) bool {
	if len(prev) != len(members) {
		return false
	}
	for i, m := range members {
		if prev[i].ID != m.Id || !slices.Equal(prev[i].Tokens, m.Tokens) {
			return false
		}
	}
	return true
}

func instanceFromProto(m *ringpb.Member) InstanceDesc {
	return InstanceDesc{
		ID:        m.Id,
		Addr:      m.Addr,
		State:     State(m.State),
		Tokens:    m.Tokens,
		Heartbeat: time.Unix(0, m.HeartbeatUnixNano),
	}
}

func (d *desc) fresh(in *InstanceDesc, now time.Time) bool {
	return d.heartbeatTimeout <= 0 || now.Sub(in.Heartbeat) <= d.heartbeatTimeout
}

// eligible says whether a member in state s may serve op (Loki's rules: JOINING and ACTIVE take
// writes, ACTIVE and LEAVING serve reads).
func eligible(s State, op Operation) bool {
	switch op {
	case Write:
		return s == Joining || s == Active
	case Read:
		return s == Active || s == Leaving
	}
	return false
}

// Healthy reports whether in may serve op at now under the heartbeat timeout.
func (d *desc) healthy(in *InstanceDesc, op Operation, now time.Time) bool {
	return eligible(in.State, op) && d.fresh(in, now)
}

func (d *desc) effectiveRF() int { return max(1, min(d.rf, len(d.instances))) }

func (d *desc) get(key uint32, op Operation, now time.Time) (ReplicationSet, error) {
	if len(d.tokens) == 0 {
		return ReplicationSet{}, ErrEmptyRing
	}
	rf := d.effectiveRF()
	start := sort.Search(len(d.tokens), func(i int) bool { return d.tokens[i].token >= key })
	// visited holds the members already looked at (taken or skipped); rings are small, so a
	// linear scan over a stack buffer beats a map on this per-stream hot path.
	var buf [16]int
	visited := buf[:0]
	out := make([]InstanceDesc, 0, rf)
	for i := 0; i < len(d.tokens) && len(out) < rf && len(visited) < len(d.instances); i++ {
		o := d.tokens[(start+i)%len(d.tokens)]
		seen := false
		for _, v := range visited {
			if v == o.idx {
				seen = true
				break
			}
		}
		if seen {
			continue
		}
		visited = append(visited, o.idx)
		in := &d.instances[o.idx]
		if d.healthy(in, op, now) {
			out = append(out, *in)
		}
	}
	if len(out) == 0 {
		return ReplicationSet{}, ErrEmptyRing
	}
	q := Quorum(rf)
	if len(out) < q {
		return ReplicationSet{}, fmt.Errorf("%w: at least %d live replicas required, could only find %d", ErrTooFewHealthy, q, len(out))
	}
	return ReplicationSet{Instances: out, MaxErrors: len(out) - q}, nil
}

func (d *desc) getAllHealthy(op Operation, now time.Time) (ReplicationSet, error) {
	if len(d.instances) == 0 {
		return ReplicationSet{}, ErrEmptyRing
	}
	out := make([]InstanceDesc, 0, len(d.instances))
	unhealthy := 0
	for i := range d.instances {
		in := &d.instances[i]
		if !d.fresh(in, now) {
			unhealthy++
			continue
		}
		if eligible(in.State, op) {
			out = append(out, *in)
		}
	}
	if len(out) == 0 {
		return ReplicationSet{}, ErrEmptyRing
	}
	// Every stream has rf copies, so a read survives rf-1 lost members in total; the members
	// already unhealthy use up that allowance.
	maxErrors := d.effectiveRF() - 1 - unhealthy
	if maxErrors < 0 {
		return ReplicationSet{}, fmt.Errorf("%w: %d unhealthy, replication factor %d", ErrTooFewHealthy, unhealthy, d.rf)
	}
	return ReplicationSet{Instances: out, MaxErrors: min(maxErrors, len(out)-1)}, nil
}
