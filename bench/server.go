package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Target is one system under test, reached over HTTP.
type Target struct {
	Name    string
	Dialect Dialect
	URL     string // base URL, no trailing slash
	Tenant  string // X-Scope-OrgID for Loki-dialect targets; "" sends none
	PID     int    // server process when the harness started it (CPU and RSS from /proc); else 0
	DataDir string // data directory, for bytes on disk; "" when unknown
}

// PushURL is where Loki pushes go: VictoriaLogs takes them on its Loki endpoint, using the JSON
// line's msg field as its message (the other JSON fields become fields, parsed at ingest).
func (t Target) PushURL() string {
	if t.Dialect == VictoriaLogs {
		return t.URL + "/insert/loki/api/v1/push?_msg_field=msg"
	}
	return t.URL + "/loki/api/v1/push"
}

// Server is a target process the harness started; Stop ends it.
type Server struct {
	Target
	cmd     *exec.Cmd
	exited  chan error
	logPath string
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("listen: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func freePorts(n int) ([]int, error) {
	ps := make([]int, n)
	for i := range ps {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ps[i] = p
	}
	return ps, nil
}

// StartSkald starts `skald -target=all` on loopback with its data under dir, without auth or
// rate limits, and waits for /ready. extra flags go after the harness's own (the last one wins).
func StartSkald(ctx context.Context, bin, dir string, extra ...string) (*Server, error) {
	ps, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	args := []string{
		"-target=all",
		"-auth.enabled=false",
		"-common.path-prefix=" + data,
		"-server.http-listen-address=127.0.0.1",
		"-server.http-listen-port=" + strconv.Itoa(ps[0]),
		"-server.grpc-listen-address=127.0.0.1",
		"-server.grpc-listen-port=" + strconv.Itoa(ps[1]),
		"-ring.raft-bind-addr=127.0.0.1:" + strconv.Itoa(ps[2]),
		"-distributor.ingestion-rate-limit-mb=0",
		"-ingester.per-stream-rate-limit=0",
	}
	args = append(args, extra...)
	t := Target{Name: "skald", Dialect: Loki, URL: fmt.Sprintf("http://127.0.0.1:%d", ps[0]), DataDir: data}
	return start(ctx, t, bin, dir, args, "/ready")
}

// StartVictoriaLogs starts victoria-logs on loopback with its data under dir and waits for
// /health. extra flags go after the harness's own.
func StartVictoriaLogs(ctx context.Context, bin, dir string, extra ...string) (*Server, error) {
	p, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	args := []string{
		"-storageDataPath=" + data,
		"-httpListenAddr=127.0.0.1:" + strconv.Itoa(p),
		"-retentionPeriod=30d",
		"-loggerLevel=WARN",
	}
	args = append(args, extra...)
	t := Target{Name: "victorialogs", Dialect: VictoriaLogs, URL: fmt.Sprintf("http://127.0.0.1:%d", p), DataDir: data}
	return start(ctx, t, bin, dir, args, "/health")
}

func start(ctx context.Context, t Target, bin, dir string, args []string, readyPath string) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	// The server runs in dir, so a relative binary path (bin/skald) must be resolved first.
	if path, err := exec.LookPath(bin); err == nil {
		bin = path
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", bin, err)
	}
	bin = abs
	s := &Server{Target: t, logPath: filepath.Join(dir, t.Name+".log"), exited: make(chan error, 1)}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s.PID = s.cmd.Process.Pid
	go func() { s.exited <- s.cmd.Wait(); logf.Close() }()

	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			s.exited <- err
			return nil, fmt.Errorf("%s exited during start (%v), see %s", t.Name, err, s.logPath)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := http.Get(t.URL + readyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("%s not ready after 2m, see %s", t.Name, s.logPath)
}

// Stop sends SIGTERM and waits up to a minute, then kills the process.
func (s *Server) Stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", s.Name, err)
	}
	select {
	case err := <-s.exited:
		s.exited <- err
		return nil
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		err := <-s.exited
		s.exited <- err
		return fmt.Errorf("%s did not stop within 1m of SIGTERM; killed", s.Name)
	}
}

// LogPath is the file holding the server's stdout and stderr.
func (s *Server) LogPath() string { return s.logPath }
