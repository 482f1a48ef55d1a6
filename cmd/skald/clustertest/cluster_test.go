//go:build cluster

// Package clustertest runs Skald as a cluster of separate processes on loopback (a 3-node NATS
// JetStream cluster, a real S3 server, 3 ingesters, 2 distributors and a querier), injects
// faults with SIGKILL, wiped disks and rolling restarts under load, and proves after each that
// every acknowledged line is returned exactly once. Run it with `make test-cluster`.
package clustertest

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/cmd/skald/internal/proctest"
	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/s3test"
)

type cluster struct {
	t            *testing.T
	dir          string
	nats         []*proctest.Proc
	natsURLs     []string
	s3           objstore.S3Config
	ingesters    []*proctest.Proc
	ingGRPC      []string
	distributors []*proctest.Proc
	querier      *proctest.Proc
}

func natsServerBin(t *testing.T) string {
	if p := os.Getenv("NATS_SERVER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	for _, p := range []string{"../../../.tools/nats-server", filepath.Join(home, "go/bin/nats-server")} {
		if _, err := os.Stat(p); err == nil {
			abs, _ := filepath.Abs(p)
			return abs
		}
	}
	t.Fatal("nats-server not found: `make tools` installs it into .tools")
	return ""
}

func startCluster(t *testing.T) *cluster {
	dir, err := os.MkdirTemp("", "skald-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs kept in %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	c := &cluster{t: t, dir: dir}
	c.s3 = s3test.Start(t)

	// NATS JetStream cluster of three.
	bin := natsServerBin(t)
	clientPorts := []int{proctest.FreePort(t), proctest.FreePort(t), proctest.FreePort(t)}
	routePorts := []int{proctest.FreePort(t), proctest.FreePort(t), proctest.FreePort(t)}
	monitorPorts := []int{proctest.FreePort(t), proctest.FreePort(t), proctest.FreePort(t)}
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	for i := range 3 {
		name := fmt.Sprintf("nats-%d", i+1)
		p := &proctest.Proc{T: t, Name: name, Dir: filepath.Join(c.dir, name), Bin: bin,
			// healthz answers 200 once JetStream is up, in a cluster once the meta leader is known.
			ReadyURL: fmt.Sprintf("http://127.0.0.1:%d/healthz", monitorPorts[i]),
			Args: []string{"-a", "127.0.0.1", "-p", strconv.Itoa(clientPorts[i]), "-m", strconv.Itoa(monitorPorts[i]), "-n", name, "-js", "-sd", filepath.Join(c.dir, name, "js"),
				"--cluster_name", "skald", "--cluster", fmt.Sprintf("nats://127.0.0.1:%d", routePorts[i]), "--routes", strings.Join(routes, ",")}}
		c.nats = append(c.nats, p)
		c.natsURLs = append(c.natsURLs, fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]))
	}
	startAll(c.nats)

	// Three ingesters: the initial Raft voters.
	type ports struct{ http, grpc, raft int }
	var ps []ports
	var peers []string
	for i := range 3 {
		p := ports{proctest.FreePort(t), proctest.FreePort(t), proctest.FreePort(t)}
		ps = append(ps, p)
		peers = append(peers, fmt.Sprintf("ing-%d@127.0.0.1:%d@127.0.0.1:%d", i+1, p.grpc, p.raft))
		c.ingGRPC = append(c.ingGRPC, fmt.Sprintf("127.0.0.1:%d", p.grpc))
	}
	for i, p := range ps {
		id := fmt.Sprintf("ing-%d", i+1)
		args := append(c.common(id, p.http, p.grpc),
			"-target=ingester", "-ingester.id="+id,
			"-ring.raft-bind-addr="+fmt.Sprintf("127.0.0.1:%d", p.raft), "-ring.peers="+strings.Join(peers, ","),
			"-ring.replication-factor=3", "-ring.heartbeat-period=1s", "-ring.heartbeat-timeout=6s",
			"-nats.url="+strings.Join(c.natsURLs, ","), "-ingester.wal.replicas=3",
			"-ingester.flush-check-period=2s", "-ingester.chunk-idle-period=10s", "-ingester.chunk-retain-period=30s",
		)
		c.ingesters = append(c.ingesters, &proctest.Proc{T: t, Name: id, Dir: filepath.Join(c.dir, id), Bin: proctest.SkaldBin(t), HTTPPort: p.http, Args: args})
	}
	// Voters bootstrap together: a blank voter waits for all of them.
	startAll(c.ingesters)
	c.waitRingActive(3)

	watch := []string{"-ring.watch.addrs=" + strings.Join(c.ingGRPC, ","), "-ring.watch.heartbeat-timeout=6s"}
	for i := range 2 {
		name := fmt.Sprintf("dist-%d", i+1)
		h, g := proctest.FreePort(t), proctest.FreePort(t)
		args := append(append(c.common(name, h, g), "-target=distributor"), watch...)
		p := &proctest.Proc{T: t, Name: name, Dir: filepath.Join(c.dir, name), Bin: proctest.SkaldBin(t), HTTPPort: h, Args: args}
		p.Start()
		c.distributors = append(c.distributors, p)
	}
	h, g := proctest.FreePort(t), proctest.FreePort(t)
	args := append(append(c.common("querier", h, g), "-target=querier"), watch...)
	c.querier = &proctest.Proc{T: t, Name: "querier", Dir: filepath.Join(c.dir, "querier"), Bin: proctest.SkaldBin(t), HTTPPort: h, Args: args}
	c.querier.Start()
	return c
}

// common are the flags every Skald process of the cluster shares.
func (c *cluster) common(name string, httpPort, grpcPort int) []string {
	return []string{
		"-auth.enabled=false",
		"-server.http-listen-address=127.0.0.1", "-server.http-listen-port=" + strconv.Itoa(httpPort),
		"-server.grpc-listen-address=127.0.0.1", "-server.grpc-listen-port=" + strconv.Itoa(grpcPort),
		"-common.path-prefix=" + filepath.Join(c.dir, name, "data"),
		"-objstore.backend=s3", "-s3.endpoint=" + c.s3.Endpoint, "-s3.bucketnames=" + c.s3.Bucket,
		"-s3.access-key-id=" + c.s3.AccessKeyID, "-s3.secret-access-key=" + string(c.s3.SecretAccessKey),
		fmt.Sprintf("-s3.insecure=%v", c.s3.Insecure), fmt.Sprintf("-s3.force-path-style=%v", c.s3.PathStyle),
		"-s3.region=" + c.s3.Region,
		"-distributor.ingestion-rate-limit-mb=0", "-ingester.per-stream-rate-limit=0",
	}
}

// ringPage reads /ring?format=json from the first ingester that answers.
func (c *cluster) ringPage() (leader string, active int, ok bool) {
	for _, p := range c.ingesters {
		if !p.Running() {
			continue
		}
		var page struct {
			Leader  string `json:"leader"`
			Members []struct {
				ID      string `json:"id"`
				State   string `json:"state"`
				Healthy bool   `json:"healthy"`
			} `json:"members"`
		}
		code, _ := p.Get("/ring", url.Values{"format": {"json"}}, &page)
		if code != 200 {
			continue
		}
		for _, m := range page.Members {
			if m.State == "ACTIVE" && m.Healthy {
				active++
			}
		}
		return page.Leader, active, true
	}
	return "", 0, false
}

// waitRingActive waits until n members are ACTIVE and healthy and returns how long it took.
func (c *cluster) waitRingActive(n int) time.Duration {
	began := time.Now()
	for time.Since(began) < 2*time.Minute {
		if _, active, ok := c.ringPage(); ok && active >= n {
			return time.Since(began)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("ring never had %d ACTIVE members", n)
	return 0
}

func (c *cluster) ingester(id string) *proctest.Proc {
	for _, p := range c.ingesters {
		if p.Name == id {
			return p
		}
	}
	c.t.Fatalf("no ingester %q", id)
	return nil
}

// startAll starts processes concurrently (cluster members that wait for each other) and waits
// until each is ready.
func startAll(ps []*proctest.Proc) {
	done := make(chan struct{}, len(ps))
	for _, p := range ps {
		go func() { defer func() { done <- struct{}{} }(); p.Start() }()
	}
	for range ps {
		<-done
	}
}
