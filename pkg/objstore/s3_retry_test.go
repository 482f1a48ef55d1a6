package objstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/s3test"
)

// faultyProxy sits between the client and the real server: it answers the next `fail` requests
// with 503 SlowDown and delays every request by `delay`.
type faultyProxy struct {
	fail     atomic.Int32
	delay    atomic.Int64
	requests atomic.Int32
}

func startFaultyProxy(t *testing.T, cfg objstore.S3Config) (*faultyProxy, objstore.S3Config) {
	target, err := url.Parse("http://" + cfg.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	// The Host header stays the proxy's, which is what the client signed.
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &faultyProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if d := time.Duration(p.delay.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if p.fail.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg.Endpoint = strings.TrimPrefix(srv.URL, "http://")
	return p, cfg
}

func TestS3RetriesWithBackoff(t *testing.T) {
	p, cfg := startFaultyProxy(t, s3test.Start(t))
	ctx := context.Background()

	cfg.MaxRetries = 4
	bkt, err := objstore.NewS3(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.fail.Store(3)
	if err := bkt.Upload(ctx, "retried", strings.NewReader("survives"), 8); err != nil {
		t.Fatalf("upload through 3 failures with 4 tries: %v", err)
	}
	p.fail.Store(2)
	rc, err := bkt.Get(ctx, "retried")
	if err != nil {
		t.Fatalf("get through 2 failures: %v", err)
	}
	b, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(b) != "survives" {
		t.Errorf("get = %q", b)
	}

	cfg.MaxRetries = 1
	once, err := objstore.NewS3(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.fail.Store(1)
	if _, err := once.Attributes(ctx, "retried"); err == nil {
		t.Error("attributes with retries off and a failing server: no error")
	}
}

func TestS3Timeout(t *testing.T) {
	p, cfg := startFaultyProxy(t, s3test.Start(t))
	cfg.Timeout = 200 * time.Millisecond
	cfg.MaxRetries = 1
	bkt, err := objstore.NewS3(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.delay.Store(int64(2 * time.Second))
	start := time.Now()
	if _, err := bkt.Exists(context.Background(), "slow"); err == nil {
		t.Error("exists against a server slower than the timeout: no error")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timed out after %v, want about 200ms", d)
	}
}
