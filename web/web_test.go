package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeLoki answers the three API calls the explorer makes with Loki-shaped JSON.
func fakeLoki(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ui/", http.StripPrefix("/ui/", Handler()))
	mux.HandleFunc("/loki/api/v1/labels", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"success","data":["app","level"]}`))
	})
	mux.HandleFunc("/loki/api/v1/label/app/values", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"success","data":["api","web"]}`))
	})
	mux.HandleFunc("/loki/api/v1/status/buildinfo", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"version":"1.2.3","revision":"abc","branch":"main","buildUser":"","buildDate":"","goVersion":"go1.26"}`))
	})
	mux.HandleFunc("/loki/api/v1/query_range", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("query") == `{app="broken"` {
			http.Error(w, "parse error at line 1, col 14: syntax error: unexpected $end", http.StatusBadRequest)
			return
		}
		if q.Get("query") != `{app="api"}` || q.Get("start") == "" || q.Get("limit") != "1000" {
			t.Errorf("unexpected query_range parameters %v", q)
		}
		w.Write([]byte(`{"status":"success","data":{"resultType":"streams","result":[
			{"stream":{"app":"api","level":"info"},"values":[["1700000000000000000","GET /health 200"],["1700000000500000000","GET /users 500"]]}
		],"stats":{}}}`))
	})
	return mux
}

func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium not found: `make tools` installs it (apt-get install chromium)")
	return ""
}

// TestExplorerInChromium loads the explorer in a real headless Chromium, picks a label value
// from the label browser, and checks that the query runs and renders its lines.
func TestExplorerInChromium(t *testing.T) {
	srv := httptest.NewServer(fakeLoki(t))
	defer srv.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`#labels li`)),
	); err != nil {
		t.Fatal(err)
	}
	labels, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#labels`)))
	if err != nil || !strings.Contains(labels, "app") || !strings.Contains(labels, "level") {
		t.Fatalf("label browser shows %q (%v)", labels, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#labels li:first-child`)),
		chromedp.WaitVisible(chromedp.CSS(`#values li`)),
		chromedp.Click(chromedp.CSS(`#values li:first-child`)),
		chromedp.WaitVisible(chromedp.CSS(`#results td.line`)),
	); err != nil {
		t.Fatal(err)
	}
	table, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#results`)))
	if err != nil {
		t.Fatal(err)
	}
	// Newest first by default.
	if i, j := strings.Index(table, "GET /users 500"), strings.Index(table, "GET /health 200"); i < 0 || j < 0 || i > j {
		t.Fatalf("results table %q: want both lines, newest first", table)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#status`)))
	if !strings.HasPrefix(status, "2 lines") {
		t.Fatalf("status %q", status)
	}
	version, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#version`)))
	if version != "version 1.2.3" {
		t.Fatalf("version %q", version)
	}

	// A LogQL error is shown to the user, not swallowed.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#query`), `{app="broken"`),
		chromedp.Click(chromedp.CSS(`#run`)),
		chromedp.WaitVisible(chromedp.CSS(`#error`)),
	); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#error`)))
		if strings.Contains(msg, "400: parse error") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("error panel shows %q", msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil && os.Getenv("SKALD_UI_SCREENSHOT") != "" {
		os.WriteFile(os.Getenv("SKALD_UI_SCREENSHOT"), png, 0o644)
	}
}
