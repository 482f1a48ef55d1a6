package bench

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary play a server: started with BENCH_FAKE_SERVER=1 it listens where
// the harness's flags say and answers 200 on every path, until SIGTERM ends it.
func TestMain(m *testing.M) {
	if os.Getenv("BENCH_FAKE_SERVER") == "1" {
		fakeServerMain()
		return
	}
	os.Exit(m.Run())
}

func fakeServerMain() {
	addr := ""
	for _, a := range os.Args[1:] {
		if v, ok := strings.CutPrefix(a, "-httpListenAddr="); ok {
			addr = v
		}
		if v, ok := strings.CutPrefix(a, "-server.http-listen-port="); ok {
			addr = "127.0.0.1:" + v
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		os.Exit(3)
	}
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
}

func TestStartServersFromRelativePath(t *testing.T) {
	t.Setenv("BENCH_FAKE_SERVER", "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, exe)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rel, string(filepath.Separator)) {
		rel = "." + string(filepath.Separator) + rel
	}
	for _, start := range []func(context.Context, string, string, ...string) (*Server, error){StartSkald, StartVictoriaLogs} {
		// Deeper than the package directory, so rel cannot resolve from there by chance.
		srv, err := start(context.Background(), rel, filepath.Join(t.TempDir(), "a", "b", "c", "d", "e"), "-extra=1")
		if err != nil {
			t.Fatalf("start %s: %v", rel, err)
		}
		if srv.PID <= 0 || !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || srv.DataDir == "" {
			t.Errorf("server %+v", srv.Target)
		}
		if _, err := ProcCPUSeconds(srv.PID); err != nil {
			t.Errorf("cpu of the started server: %v", err)
		}
		if err := srv.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}
}
