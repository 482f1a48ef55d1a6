package ring

import (
	"sort"
)

// Static is a fixed ring, for the one-process default and for tests: every member is healthy.
type Static struct {
	rf        int
	instances []InstanceDesc
	tokens    []tokenOwner
}

type tokenOwner struct {
	token uint32
	idx   int
}

// NewStatic returns a ring of the given members with replication factor rf (capped at the
// member count). Members without tokens get one derived from their ID.
func NewStatic(rf int, instances ...InstanceDesc) *Static {
	s := &Static{rf: min(rf, len(instances)), instances: instances}
	for i, in := range instances {
		toks := in.Tokens
		if len(toks) == 0 {
			toks = []uint32{TokenFor(in.ID)}
		}
		for _, t := range toks {
			s.tokens = append(s.tokens, tokenOwner{t, i})
		}
	}
	sort.Slice(s.tokens, func(i, j int) bool { return s.tokens[i].token < s.tokens[j].token })
	return s
}

// Get implements ReadRing.
func (s *Static) Get(key uint32, op Operation) (ReplicationSet, error) {
	if len(s.tokens) == 0 {
		return ReplicationSet{}, ErrEmptyRing
	}
	start := sort.Search(len(s.tokens), func(i int) bool { return s.tokens[i].token >= key })
	seen := make(map[int]bool, s.rf)
	var out []InstanceDesc
	for i := 0; i < len(s.tokens) && len(out) < s.rf; i++ {
		o := s.tokens[(start+i)%len(s.tokens)]
		if seen[o.idx] {
			continue
		}
		seen[o.idx] = true
		out = append(out, s.instances[o.idx])
	}
	return ReplicationSet{Instances: out, MaxErrors: len(out) - Quorum(len(out))}, nil
}

// GetAllHealthy implements ReadRing.
func (s *Static) GetAllHealthy(op Operation) (ReplicationSet, error) {
	if len(s.instances) == 0 {
		return ReplicationSet{}, ErrEmptyRing
	}
	return ReplicationSet{Instances: s.instances, MaxErrors: max(0, s.rf-1)}, nil
}

// ReplicationFactor implements ReadRing.
func (s *Static) ReplicationFactor() int { return s.rf }

// TokenFor hashes a string onto the ring (FNV-1a 32), e.g. a tenant and stream key.
func TokenFor(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

var _ ReadRing = (*Static)(nil)
