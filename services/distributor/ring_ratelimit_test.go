package distributor

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/ring/ringtest"
	"github.com/skaldlogs/skald/pkg/validation"
)

// announce runs a ring watcher and a distributor lifecycler on it until the returned stop (or
// the end of the test).
func announce(t *testing.T, c *ringtest.Cluster, id string) (*ring.DistributorLifecycler, func()) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	w, err := ring.NewWatcher(ring.WatcherConfig{Addrs: c.Addrs(), ReplicationFactor: 3, HeartbeatTimeout: 2 * time.Second}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ring.NewDistributorLifecycler(ring.DistributorConfig{
		ID: id, HeartbeatPeriod: 100 * time.Millisecond, HeartbeatTimeout: time.Second,
	}, w, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wdone, ldone := make(chan struct{}), make(chan struct{})
	go func() { _ = w.Run(ctx); close(wdone) }()
	go func() { _ = l.Run(ctx); close(ldone) }()
	stop := func() { cancel(); <-ldone; <-wdone }
	t.Cleanup(stop)
	return l, stop
}

// The global rate limit is divided by the distributors that heartbeat in the ring, and grows
// back when one of them leaves.
func TestGlobalRateLimitSharedThroughRing(t *testing.T) {
	c := ringtest.NewCluster(t, 3)
	la, _ := announce(t, c, "dist-a")
	_, stopB := announce(t, c, "dist-b")

	h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) {
		l.IngestionRateMB = 1024.0 / (1 << 20) // 1 KiB/s
		l.IngestionBurstSizeMB = 2048.0 / (1 << 20)
	})
	h.d.deps.HealthyDistributors = la.HealthyDistributors
	limitText := func() string {
		// Above the burst: always refused, and the message names the per-distributor rate.
		_, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, strings.Repeat("x", 3000))), "application/json", "t1")
		return body
	}
	c.Eventually(5*time.Second, "both distributors counted", func() bool {
		return strings.Contains(limitText(), "(limit: 512 bytes/sec)")
	})
	stopB()
	c.Eventually(5*time.Second, "the remaining distributor takes the whole limit", func() bool {
		return strings.Contains(limitText(), "(limit: 1024 bytes/sec)")
	})
}
