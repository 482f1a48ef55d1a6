package ring

import "errors"

var (
	// ErrTooFewHealthy is returned when fewer healthy members are eligible than a quorum of the
	// replication factor (writes) or when more members are unhealthy than a read tolerates.
	ErrTooFewHealthy = errors.New("too many unhealthy instances in the ring")
	// ErrNoLeader is returned by membership calls while the Raft group has no known leader; the
	// calls are retried by the Node.
	ErrNoLeader = errors.New("no raft leader")
	// ErrClosed is returned by a Node after Close.
	ErrClosed = errors.New("ring node closed")
	// ErrNotStarted is returned by a Node before Start has opened its Raft node.
	ErrNotStarted = errors.New("ring node not started")
)
