package ring_test

import (
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/ring/ringtest"
)

func TestClusterBootstrap(t *testing.T) {
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
		if len(st.Members) != 3 || len(st.Peers) != 3 {
			t.Errorf("%s sees %d members %d peers", m.ID, len(st.Members), len(st.Peers))
		}
		for _, in := range st.Members {
			if len(in.Tokens) != 16 {
				t.Errorf("%s has %d tokens", in.Id, len(in.Tokens))
			}
		}
	}
}
