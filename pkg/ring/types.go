// Package ring implements the ingester ring: members with tokens on a 32-bit hash ring, their
// states and heartbeats, the replication sets distributors write to and queriers read from, and
// (in the Raft-backed implementation) the Raft group that keeps the ring's state.
package ring

import (
	"errors"
	"time"
)

// State is a member's lifecycle state.
type State int

const (
	// Joining members take writes but do not serve reads yet.
	Joining State = iota
	// Active members take writes and serve reads.
	Active
	// Leaving members serve reads while they flush; they take no new writes.
	Leaving
)

func (s State) String() string {
	switch s {
	case Joining:
		return "JOINING"
	case Active:
		return "ACTIVE"
	case Leaving:
		return "LEAVING"
	}
	return "UNKNOWN"
}

// Operation says what a replication set is for; it decides which states are eligible.
type Operation int

const (
	Write Operation = iota
	Read
)

// InstanceDesc describes one ring member.
type InstanceDesc struct {
	ID        string
	Addr      string // gRPC address, host:port
	State     State
	Tokens    []uint32
	Heartbeat time.Time
}

// ReplicationSet is the members one stream (or one query) must reach. A call succeeds when at
// most MaxErrors members fail.
type ReplicationSet struct {
	Instances []InstanceDesc
	MaxErrors int
}

// ErrEmptyRing is returned when no healthy member is eligible.
var ErrEmptyRing = errors.New("empty ring")

// ReadRing is the view of the ring that distributors and queriers use. Implementations are safe
// for concurrent use and answer from local state (no network round trip).
type ReadRing interface {
	// Get returns the replication set for a stream token: the owner of the first token at or
	// after key clockwise, then the next distinct members, skipping unhealthy ones (stale
	// heartbeat or ineligible state) and extending past them, up to the replication factor.
	Get(key uint32, op Operation) (ReplicationSet, error)
	// GetAllHealthy returns every healthy member eligible for op, with MaxErrors set so that a
	// read tolerates ReplicationFactor-1 failures (never more than the set allows).
	GetAllHealthy(op Operation) (ReplicationSet, error)
	ReplicationFactor() int
}

// Quorum returns the write quorum for a replication factor: floor(rf/2)+1.
func Quorum(rf int) int { return rf/2 + 1 }
