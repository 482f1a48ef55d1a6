// Package natstest implements helpers that run an embedded NATS JetStream server in tests.
package natstest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

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
	return RunServerWith(t, wal.EmbeddedConfig{DataDir: dir, ServerName: "natstest", MaxPayload: 8 << 20})
}

// RunServerWith starts a server with cfg (e.g. SyncAlways), shut down when the test ends.
func RunServerWith(t testing.TB, cfg wal.EmbeddedConfig) *server.Server {
	t.Helper()
	s, err := wal.StartEmbedded(cfg, nil)
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

// Cluster is an in-process JetStream cluster on loopback.
type Cluster struct {
	Servers []*server.Server
	cfgs    []wal.EmbeddedConfig
}

// RunCluster starts an n-node JetStream cluster on loopback ports, each node storing under its
// own temporary directory, and shuts it down when the test ends.
func RunCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	clientPorts, routePorts := freePorts(t, n), freePorts(t, n)
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	c := &Cluster{}
	for k := range n {
		c.cfgs = append(c.cfgs, wal.EmbeddedConfig{
			DataDir:              t.TempDir(),
			ServerName:           fmt.Sprintf("n%d", k),
			ListenAddress:        fmt.Sprintf("127.0.0.1:%d", clientPorts[k]),
			MaxPayload:           8 << 20,
			ClusterName:          "natstest",
			ClusterListenAddress: fmt.Sprintf("127.0.0.1:%d", routePorts[k]),
			Routes:               routes,
		})
	}
	c.Servers = make([]*server.Server, n)
	for k := range n {
		c.Restart(t, k)
	}
	t.Cleanup(func() {
		for _, s := range c.Servers {
			if s != nil {
				Shutdown(s)
			}
		}
	})
	return c
}

// Stop shuts node k down.
func (c *Cluster) Stop(k int) {
	Shutdown(c.Servers[k])
	c.Servers[k] = nil
}

// Restart starts node k again on its directory and ports.
func (c *Cluster) Restart(t testing.TB, k int) {
	t.Helper()
	s, err := wal.StartEmbedded(c.cfgs[k], nil)
	if err != nil {
		t.Fatalf("start nats node %d: %v", k, err)
	}
	c.Servers[k] = s
}

// URLs is the client URLs of all nodes, comma-separated, for nats.Connect.
func (c *Cluster) URLs() string {
	var out []string
	for _, cfg := range c.cfgs {
		out = append(out, "nats://"+cfg.ListenAddress)
	}
	return strings.Join(out, ",")
}

// Connect opens a client connection to the cluster, closed when the test ends.
func (c *Cluster) Connect(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(c.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatalf("connect nats cluster: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var (
		out []int
		ls  []net.Listener
	)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return out
}
