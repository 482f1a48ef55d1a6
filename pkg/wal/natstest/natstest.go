// Package natstest implements helpers that run an embedded NATS JetStream server in tests.
package natstest

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/skaldlogs/skald/pkg/wal"
)

// RunServer starts a JetStream server storing under a fresh temporary directory and shuts it
// down when the test ends.
func RunServer(t testing.TB) *server.Server {
	t.Helper()
	return RunServerInDir(t, t.TempDir())
}

// RunServerInDir starts a JetStream server storing under dir/nats, so a test can stop it and
// start another on the same files. It is shut down when the test ends (Shutdown is idempotent).
func RunServerInDir(t testing.TB, dir string) *server.Server {
	t.Helper()
	s, err := wal.StartEmbedded(wal.EmbeddedConfig{DataDir: dir, ServerName: "natstest", MaxPayload: 8 << 20}, nil)
	if err != nil {
		t.Fatalf("start nats: %v", err)
	}
	t.Cleanup(func() { Shutdown(s) })
	return s
}

// Shutdown stops s and waits until it is down.
func Shutdown(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

// Connect opens an in-process connection to s, closed when the test ends.
func Connect(t testing.TB, s *server.Server) *nats.Conn {
	t.Helper()
	nc, err := wal.ConnectInProcess(s)
	if err != nil {
		t.Fatalf("connect nats: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}
