package ingester

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/skaldlogs/skald/pkg/wal/natstest"
)

// lagGauges scrapes the WAL lag gauges through the registry, as Prometheus would.
func lagGauges(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "skald_ingester_wal_lag_sequences", "skald_ingester_wal_lag_bytes", "skald_ingester_unflushed_bytes", "skald_ingester_oldest_unflushed_seconds":
			out[strings.TrimPrefix(mf.GetName(), "skald_ingester_")] = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if len(out) != 4 {
		t.Fatalf("gauges %v", out)
	}
	return out
}

func TestWALLagMetrics(t *testing.T) {
	store := newMemStore()
	cfg := testConfig()
	cfg.ChunkRetainPeriod = 0
	reg := prometheus.NewRegistry()
	ing, err := New(cfg, Deps{NATS: natstest.Connect(t, natstest.RunServer(t)), Store: store}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ing.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(30 * time.Second); ing.Ready() != nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("ingester not ready")
		}
	}
	var shift time.Duration
	ing.metrics.walLag.now = func() time.Time { return time.Now().Add(shift) }

	if g := lagGauges(t, reg); g["wal_lag_sequences"] != 0 || g["unflushed_bytes"] != 0 || g["oldest_unflushed_seconds"] != 0 {
		t.Fatalf("idle: %v", g)
	}
	for k := range 3 {
		if err := push(t, ing, "t", `{app="a"}`, entry(int64(k), "0123456789")); err != nil {
			t.Fatal(err)
		}
	}
	shift = 10 * time.Second
	g := lagGauges(t, reg)
	if g["wal_lag_sequences"] != 3 || g["unflushed_bytes"] != 30 || g["wal_lag_bytes"] < 30 {
		t.Fatalf("after 3 pushes: %v", g)
	}
	if a := g["oldest_unflushed_seconds"]; a < 10 || a > 20 {
		t.Fatalf("head age %v, want about 10 s", a)
	}

	// Flushed and checkpointed: no lag left.
	if err := ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := lagGauges(t, reg); g["wal_lag_sequences"] != 0 || g["wal_lag_bytes"] != 0 || g["unflushed_bytes"] != 0 || g["oldest_unflushed_seconds"] != 0 {
		t.Fatalf("after flush: %v", g)
	}
	if v := testutil.ToFloat64(ing.metrics.checkpoints); v < 1 {
		t.Fatalf("checkpoints %v", v)
	}

	// The store is down: the cut chunk stays unflushed and ages, the checkpoint stays behind.
	store.setFail(true)
	if err := push(t, ing, "t", `{app="b"}`, entry(100, "abcde")); err != nil {
		t.Fatal(err)
	}
	if err := ing.Flush(context.Background()); err == nil {
		t.Fatal("flush with the store down succeeded")
	}
	g = lagGauges(t, reg) // the scrape that first sees the chunk's batch
	if g["wal_lag_sequences"] < 1 || g["unflushed_bytes"] != 5 || g["wal_lag_bytes"] < 5 {
		t.Fatalf("store down: %v", g)
	}
	shift += 30 * time.Second
	g = lagGauges(t, reg)
	if a := g["oldest_unflushed_seconds"]; a < 30 || a > 40 {
		t.Fatalf("chunk age %v, want about 30 s", a)
	}
	store.setFail(false)
	if err := ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := lagGauges(t, reg); g["wal_lag_sequences"] != 0 || g["unflushed_bytes"] != 0 || g["oldest_unflushed_seconds"] != 0 {
		t.Fatalf("after recovery: %v", g)
	}
}
