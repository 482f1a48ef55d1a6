//go:build e2e

// Package e2e runs the built skald binary (SKALD_BIN, see `make test-e2e`) as a real process on
// loopback and checks it from the outside, through Loki's HTTP API only.
package e2e

import (
	"bytes"
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

// proc is one skald process; restart keeps its directory and ports.
type proc struct {
	t        *testing.T
	dir      string
	httpPort int
	grpcPort int
	raftPort int
	args     []string
	cmd      *exec.Cmd
	exited   chan error
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func skaldBin(t *testing.T) string {
	bin := os.Getenv("SKALD_BIN")
	if bin == "" {
		t.Fatal("SKALD_BIN is not set: run these tests with `make test-e2e`")
	}
	return bin
}

// startSkald starts `skald -target=all` in dir and waits until /ready answers 200.
func startSkald(t *testing.T, dir string, args ...string) *proc {
	p := &proc{t: t, dir: dir, httpPort: freePort(t), grpcPort: freePort(t), raftPort: freePort(t), args: args}
	p.start()
	t.Cleanup(func() {
		if p.cmd != nil && p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *proc) start() time.Duration {
	p.t.Helper()
	logf, err := os.OpenFile(filepath.Join(p.dir, "skald.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	args := append([]string{
		"-target=all",
		"-auth.enabled=false",
		"-server.http-listen-address=127.0.0.1",
		"-server.http-listen-port=" + strconv.Itoa(p.httpPort),
		"-server.grpc-listen-address=127.0.0.1",
		"-server.grpc-listen-port=" + strconv.Itoa(p.grpcPort),
		"-common.path-prefix=" + filepath.Join(p.dir, "data"),
		"-ring.raft-bind-addr=127.0.0.1:" + strconv.Itoa(p.raftPort),
	}, p.args...)
	p.cmd = exec.Command(skaldBin(p.t), args...)
	p.cmd.Dir = p.dir
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	began := time.Now()
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			p.t.Fatalf("skald exited during start: %v\n%s", err, p.tail())
		default:
		}
		resp, err := http.Get(p.url("/ready"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(began)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("skald not ready after 2m\n%s", p.tail())
	return 0
}

// tail returns the end of the process log, for failure messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "skald.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (p *proc) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", p.httpPort, path)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and requires a clean exit within a minute.
func (p *proc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Fatalf("skald exited with %v after SIGTERM\n%s", err, p.tail())
		}
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		p.t.Fatalf("skald did not stop within 1m of SIGTERM\n%s", p.tail())
	}
}

// get fetches path with query parameters and decodes a JSON body into out (if non-nil).
// It returns the status code and the raw body.
func (p *proc) get(path string, params url.Values, out any) (int, []byte) {
	p.t.Helper()
	u := p.url(path)
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, out); err != nil {
			p.t.Fatalf("GET %s: decode %q: %v", u, body, err)
		}
	}
	return resp.StatusCode, body
}

// post sends body with the given headers and returns the status and response body.
func post(u string, body []byte, headers map[string]string) (int, string, error) {
	req, err := http.NewRequest("POST", u, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func timeFromNs(ns int64) time.Time { return time.Unix(0, ns) }
