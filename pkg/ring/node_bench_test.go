package ring_test

import (
	"context"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/ring/ringtest"
)

// BenchmarkClusterSetState measures one ring command committed by a 3-voter group (fsynced
// boltdb log, loopback TCP) and applied locally, issued on a follower (forwarded over gRPC) and
// on the leader.
func BenchmarkClusterSetState(b *testing.B) {
	c := ringtest.NewCluster(b, 3)
	leader := c.Leader(5 * time.Second)
	var follower *ringtest.Member
	for _, m := range c.Members {
		if m != leader {
			follower = m
			break
		}
	}
	for _, tc := range []struct {
		name string
		m    *ringtest.Member
	}{{"leader", leader}, {"follower", follower}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			states := []ring.State{ring.Leaving, ring.Active}
			i := 0
			for b.Loop() {
				i++
				if err := tc.m.Node.SetState(ctx, states[i%2]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
