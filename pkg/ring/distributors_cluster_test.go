package ring_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/ring/ringtest"
	"github.com/skaldlogs/skald/proto/ringpb"
)

// runWatcher starts a watcher of c until the test ends.
func runWatcher(t *testing.T, c *ringtest.Cluster) *ring.Watcher {
	t.Helper()
	w, err := ring.NewWatcher(ring.WatcherConfig{
		Addrs: c.Addrs(), ReplicationFactor: 3, HeartbeatTimeout: 2 * time.Second, IdleTimeout: time.Second,
	}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// runDistributor announces a distributor through r until the returned stop is called (which
// waits for Run, hence for the graceful leave) or the test ends.
func runDistributor(t *testing.T, id string, r ring.DistributorRing, reg prometheus.Registerer) (*ring.DistributorLifecycler, func()) {
	t.Helper()
	l, err := ring.NewDistributorLifecycler(ring.DistributorConfig{
		ID: id, Addr: id + ":3100", HeartbeatPeriod: 100 * time.Millisecond, HeartbeatTimeout: time.Second,
	}, r, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = l.Run(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return l, stop
}

func distributorIDs(st *ringpb.RingState) []string {
	var out []string
	for _, d := range st.Distributors {
		out = append(out, d.Id)
	}
	return out
}

func TestDistributorsShareTheRing(t *testing.T) {
	t.Parallel()
	c := ringtest.NewCluster(t, 3)
	w1, w2 := runWatcher(t, c), runWatcher(t, c)
	reg := prometheus.NewRegistry()
	da, _ := runDistributor(t, "dist-a", w1, reg)
	db, stopB := runDistributor(t, "dist-b", w2, nil)
	// A third distributor shares its process with an ingester that is not the leader, and
	// announces itself through that member's node.
	leader := c.Leader(10 * time.Second)
	var host *ringtest.Member
	for _, m := range c.Members {
		if m != leader {
			host = m
			break
		}
	}
	dc, _ := runDistributor(t, "dist-c", host.Node, nil)

	c.Eventually(5*time.Second, "three distributors everywhere", func() bool {
		return da.HealthyDistributors() == 3 && db.HealthyDistributors() == 3 && dc.HealthyDistributors() == 3
	})
	want := "# HELP skald_ring_healthy_distributors Distributors with a fresh ring heartbeat (this one included): the divisor of global rate limits.\n" +
		"# TYPE skald_ring_healthy_distributors gauge\nskald_ring_healthy_distributors 3\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "skald_ring_healthy_distributors"); err != nil {
		t.Error(err)
	}

	// Distributors are no ring members: never in a replication set, not in the members table.
	rs, err := w1.GetAllHealthy(ring.Write)
	if err != nil {
		t.Fatal(err)
	}
	if ids := setIDs(rs); len(ids) != 3 || slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, "dist-") }) {
		t.Fatalf("GetAllHealthy = %v", ids)
	}
	for key := uint32(0); key < 1<<31; key += 1 << 27 {
		rs, err := w1.Get(key, ring.Write)
		if err != nil || slices.ContainsFunc(setIDs(rs), func(id string) bool { return strings.HasPrefix(id, "dist-") }) {
			t.Fatalf("Get(%d) = %v, %v", key, setIDs(rs), err)
		}
	}
	rec := httptest.NewRecorder()
	ring.NewHTTPHandler(w1, 2*time.Second, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest("GET", "/ring?format=json", nil))
	var page ring.RingPage
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Members) != 3 || len(page.Distributors) != 3 || page.Distributors[0].ID != "dist-a" || page.Distributors[0].Addr != "dist-a:3100" {
		t.Fatalf("ring page members %d distributors %+v", len(page.Members), page.Distributors)
	}

	// A graceful stop removes the entry at once (pruning of stale entries would take 2 s).
	stopB()
	c.Eventually(5*time.Second, "dist-b left", func() bool {
		return !slices.Contains(distributorIDs(w1.State()), "dist-b") && da.HealthyDistributors() == 2
	})

	// A crash (the process dies with its ingester: no leave) counts until the heartbeat
	// timeout, then no more, and the entry is dropped by a later heartbeat of another
	// distributor.
	c.Kill(host)
	c.Eventually(10*time.Second, "dist-c stale", func() bool { return da.HealthyDistributors() == 1 })
	c.Eventually(10*time.Second, "dist-c pruned", func() bool {
		return !slices.Contains(distributorIDs(w1.State()), "dist-c")
	})
	if got := distributorIDs(w1.State()); !slices.Equal(got, []string{"dist-a"}) {
		t.Fatalf("distributors %v", got)
	}
}

// With no member reachable the distributor retries (counting errors) and counts itself alone,
// so it keeps the whole limit rather than refusing everything.
func TestDistributorWithoutRing(t *testing.T) {
	t.Parallel()
	w, err := ring.NewWatcher(ring.WatcherConfig{Addrs: []string{"127.0.0.1:1"}, ReplicationFactor: 1}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	l, _ := runDistributor(t, "alone", w, reg)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		errs := 0.0
		for _, mf := range mfs {
			if mf.GetName() == "skald_ring_distributor_heartbeats_total" {
				for _, m := range mf.GetMetric() {
					if m.GetLabel()[0].GetValue() == "error" {
						errs = m.GetCounter().GetValue()
					}
				}
			}
		}
		if errs >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartbeat errors %v", errs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := l.HealthyDistributors(); n != 1 {
		t.Fatalf("healthy distributors %d", n)
	}
}
