package ring

import "context"

// Lifecycler is what an ingester needs from its ring membership, so it can depend on this
// interface and test with a fake. Node implements it; all methods are safe for concurrent use.
type Lifecycler interface {
	// SetState moves this member to s through the Raft leader and returns once this member's
	// local copy of the ring shows it (retrying while there is no leader, until ctx ends).
	SetState(ctx context.Context, s State) error
	// Leave stops heartbeats and removes this member and its tokens from the ring. Call it after
	// SetState(Leaving) and the final flush.
	Leave(ctx context.Context) error
	// Ready returns nil while this member is registered and ACTIVE, for /ready.
	Ready() error
}

var _ Lifecycler = (*Node)(nil)
