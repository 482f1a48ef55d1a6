// Package proctest runs real processes (the built skald binary, a NATS server) on loopback for
// the process-level tests (e2e, cluster): start, wait for readiness, SIGKILL, SIGTERM, restart,
// and talk to them through Loki's HTTP API only.
package proctest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Proc is one process; Restart keeps its directory, arguments and ports.
type Proc struct {
	T        testing.TB
	Name     string
	Dir      string
	Bin      string
	Args     []string
	HTTPPort int    // skald's HTTP port (readiness via /ready), or 0
	ReadyTCP string // for non-HTTP servers: ready once this address accepts connections
	ReadyURL string // or once a GET of this URL answers 200 (default: /ready on HTTPPort)

	cmd    *exec.Cmd
	exited chan error
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// SkaldBin is the binary under test, from SKALD_BIN (set by the make targets).
func SkaldBin(t testing.TB) string {
	bin := os.Getenv("SKALD_BIN")
	if bin == "" {
		t.Fatal("SKALD_BIN is not set: run these tests with `make test-e2e` or `make test-cluster`")
	}
	return bin
}

// Unlimited lifts the per-tenant rate limits (Loki's defaults are 4 MB/s) so that tests measure
// durability at full speed.
var Unlimited = []string{"-distributor.ingestion-rate-limit-mb=0", "-ingester.per-stream-rate-limit=0"}

// StartSkald starts `skald -target=all` in dir on free loopback ports and waits for /ready.
func StartSkald(t testing.TB, dir string, args ...string) *Proc {
	http, grpc, raft := FreePort(t), FreePort(t), FreePort(t)
	p := &Proc{T: t, Name: "skald", Dir: dir, Bin: SkaldBin(t), HTTPPort: http}
	p.Args = append([]string{
		"-target=all",
		"-auth.enabled=false",
		"-server.http-listen-address=127.0.0.1",
		"-server.http-listen-port=" + strconv.Itoa(http),
		"-server.grpc-listen-address=127.0.0.1",
		"-server.grpc-listen-port=" + strconv.Itoa(grpc),
		"-ring.raft-bind-addr=127.0.0.1:" + strconv.Itoa(raft),
		"-common.path-prefix=" + filepath.Join(dir, "data"),
	}, args...)
	p.Start()
	return p
}

// Start starts the process and waits until it is ready; it returns how long that took.
func (p *Proc) Start() time.Duration {
	p.T.Helper()
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		p.T.Fatal(err)
	}
	logf, err := os.OpenFile(p.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.T.Fatal(err)
	}
	fmt.Fprintf(logf, "==== start %s %v\n", p.Name, p.Args)
	p.cmd = exec.Command(p.Bin, p.Args...)
	p.cmd.Dir = p.Dir
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	began := time.Now()
	if err := p.cmd.Start(); err != nil {
		p.T.Fatal(err)
	}
	exited := make(chan error, 1)
	p.exited = exited
	go func() { exited <- p.cmd.Wait(); logf.Close() }()
	p.T.Cleanup(func() {
		if p.Running() {
			p.cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			p.T.Fatalf("%s exited during start: %v\n%s", p.Name, err, p.Tail())
		default:
		}
		if p.ready() {
			return time.Since(began)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.T.Fatalf("%s not ready after 2m (%s)\n%s", p.Name, p.readyBody(), p.Tail())
	return 0
}

// readyBody is what the readiness URL answers now, for failure messages.
func (p *Proc) readyBody() string {
	if p.ReadyTCP != "" {
		return "tcp " + p.ReadyTCP
	}
	u := p.ReadyURL
	if u == "" {
		u = p.URL("/ready")
	}
	resp, err := http.Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func (p *Proc) ready() bool {
	if p.ReadyTCP != "" {
		c, err := net.DialTimeout("tcp", p.ReadyTCP, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	u := p.ReadyURL
	if u == "" {
		u = p.URL("/ready")
	}
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// Running reports whether the process has been started and not yet exited.
func (p *Proc) Running() bool {
	if p.cmd == nil || p.exited == nil {
		return false
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		return false
	default:
		return true
	}
}

func (p *Proc) logPath() string { return filepath.Join(p.Dir, p.Name+".log") }

// Tail returns the end of the process log, for failure messages.
func (p *Proc) Tail() string {
	b, _ := os.ReadFile(p.logPath())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// URL is an address on the process's HTTP port.
func (p *Proc) URL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", p.HTTPPort, path)
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.exited
	p.exited <- err
}

// Stop sends SIGTERM and requires a clean exit within two minutes.
func (p *Proc) Stop() {
	p.T.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			p.T.Fatalf("%s exited with %v after SIGTERM\n%s", p.Name, err, p.Tail())
		}
	case <-time.After(2 * time.Minute):
		p.cmd.Process.Kill()
		p.T.Fatalf("%s did not stop within 2m of SIGTERM\n%s", p.Name, p.Tail())
	}
}

// Get fetches path with query parameters and decodes a JSON body into out (if non-nil and the
// status is 200). It returns the status code and the raw body.
func (p *Proc) Get(path string, params url.Values, out any) (int, []byte) {
	p.T.Helper()
	u := p.URL(path)
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		p.T.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, out); err != nil {
			p.T.Fatalf("GET %s: decode %q: %v", u, body, err)
		}
	}
	return resp.StatusCode, body
}
