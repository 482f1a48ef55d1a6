package server

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestReadyAndShutdown(t *testing.T) {
	var cfg Config
	cfg.RegisterFlags(flag.NewFlagSet("", flag.PanicOnError))
	cfg.HTTPListenAddress, cfg.HTTPListenPort = "127.0.0.1", 0
	cfg.GRPCListenAddress, cfg.GRPCListenPort = "127.0.0.1", 0
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	notReady := errors.New("wal replaying")
	var ready atomic.Bool
	s.AddReadyCheck(func() error {
		if ready.Load() {
			return nil
		}
		return notReady
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + s.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/ready"); code != 503 || body != "Not ready: wal replaying\n" {
		t.Fatalf("/ready = %d %q, want 503", code, body)
	}
	ready.Store(true)
	if code, _ := get("/ready"); code != 200 {
		t.Fatalf("/ready = %d, want 200", code)
	}
	if code, _ := get("/metrics"); code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
