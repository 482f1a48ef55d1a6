package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// profiler fetches Go pprof profiles from a target's /debug/pprof (Skald, Loki and VictoriaLogs
// all serve it) into a directory, so a slow figure comes with the profile that explains it.
// Failures are reported, never fatal: a peer without pprof is still benchmarked.
type profiler struct {
	dir    string
	client *http.Client
}

// fetch saves GET t.URL+path into dir/name.
func (p *profiler) fetch(ctx context.Context, t Target, path, name string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+path, nil)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: status %d", name, resp.StatusCode)
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", name, err)
	}
	return f.Close()
}

// cpu starts a CPU profile of the given length in the background; the returned func waits for it.
func (p *profiler) cpu(ctx context.Context, t Target, d time.Duration, name string) func() error {
	secs := max(1, int(math.Ceil(d.Seconds())))
	done := make(chan error, 1)
	go func() {
		done <- p.fetch(ctx, t, "/debug/pprof/profile?seconds="+strconv.Itoa(secs), name)
	}()
	return func() error { return <-done }
}
