package loggen

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config drives Run.
type Config struct {
	URL      string        // push URL; a bare host:port or a URL without a path gets /loki/api/v1/push
	Tenant   string        // X-Scope-OrgID; empty sends none
	Tenants  int           // with more than 1, pushes rotate over tenants <Tenant>-0 .. <Tenant>-(N-1)
	Encoding string        // "protobuf" (snappy) or "json"
	Gzip     bool          // gzip JSON bodies
	Seed     int64         // generator seed
	Streams  int           // number of streams
	Format   string        // json, logfmt, apache_common, apache_combined, mixed
	Batch    int           // target line bytes per push
	Rate     float64       // lines per second; 0 means as fast as possible
	Duration time.Duration // stop after this long; 0 means no time bound
	Lines    int64         // stop after this many lines; 0 means no count bound
	Workers  int           // concurrent pushes
	Timeout  time.Duration // per push
	Retries  int           // retries of a push that got 429, 5xx or no answer

	// OnAck, if set, is called with every acknowledged batch, from the sending goroutines
	// (concurrently when Workers > 1). The bench harness uses it to know exactly what was acked.
	OnAck func(*Batch) `yaml:"-"`
	// Logger receives progress and errors; nil discards them.
	Logger *slog.Logger `yaml:"-"`
}

// RegisterFlags registers loggen's flags and sets the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.URL, "url", "http://localhost:3100/loki/api/v1/push", "Loki-compatible push URL (user:password@ in the URL is sent as basic auth).")
	fs.StringVar(&c.Tenant, "tenant", "", "X-Scope-OrgID to send; empty sends none.")
	fs.IntVar(&c.Tenants, "tenants", 1, "Spread pushes over this many tenants, <tenant>-0 .. <tenant>-(N-1) (tenant defaults to \"tenant\").")
	fs.StringVar(&c.Encoding, "encoding", "protobuf", "Body encoding: protobuf (snappy) or json.")
	fs.BoolVar(&c.Gzip, "gzip", false, "Gzip JSON bodies.")
	fs.Int64Var(&c.Seed, "seed", 1, "Random seed: the same seed gives the same lines.")
	fs.IntVar(&c.Streams, "streams", 20, "Number of streams (label sets).")
	fs.StringVar(&c.Format, "format", FormatMixed, "Line format: json, logfmt, apache_common, apache_combined or mixed.")
	fs.IntVar(&c.Batch, "batch-size", 512<<10, "Target bytes of lines per push.")
	fs.Float64Var(&c.Rate, "rate", 1000, "Lines per second. 0 means as fast as possible.")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "How long to run. 0 means no time bound.")
	fs.Int64Var(&c.Lines, "lines", 0, "Stop after this many lines. 0 means no count bound.")
	fs.IntVar(&c.Workers, "workers", 2, "Concurrent pushes.")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "Timeout of one push.")
	fs.IntVar(&c.Retries, "retries", 0, "Retries of a push answered 429 or 5xx or not answered.")
}

// Result counts what Run sent.
type Result struct {
	// TenantLines counts acknowledged lines per tenant ("" when no tenant header was sent).
	TenantLines              map[string]int64
	LinesAcked, BytesAcked   int64
	LinesFailed, BytesFailed int64
	Requests, FailedRequests int64
	Retries                  int64
	Statuses                 map[int]int64 // final status of each push; 0 means no answer
	FirstError               string
	Elapsed                  time.Duration
}

func (r Result) String() string {
	secs := max(r.Elapsed.Seconds(), 1e-9)
	return fmt.Sprintf("acked %d lines (%d bytes, %.0f lines/s, %.2f MB/s), failed %d lines in %d of %d pushes, %d retries, statuses %v, elapsed %v",
		r.LinesAcked, r.BytesAcked, float64(r.LinesAcked)/secs, float64(r.BytesAcked)/secs/1e6,
		r.LinesFailed, r.FailedRequests, r.Requests, r.Retries, r.Statuses, r.Elapsed.Round(time.Millisecond))
}

// Validate reports a configuration Run would refuse.
func (c *Config) Validate() error {
	if c.Encoding != "protobuf" && c.Encoding != "json" {
		return fmt.Errorf("encoding %q: want protobuf or json", c.Encoding)
	}
	if c.Rate < 0 || c.Lines < 0 || c.Duration < 0 {
		return errors.New("rate, lines and duration must not be negative")
	}
	if c.Rate == 0 && c.Lines == 0 && c.Duration == 0 {
		return errors.New("unbounded run: set -duration or -lines")
	}
	return nil
}

// pushURL completes a URL given without a path or without a scheme.
func pushURL(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("parse push url: %w", err)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/loki/api/v1/push"
	}
	return u.String(), nil
}

type sender struct {
	cfg    Config
	url    string
	client *http.Client

	linesAcked, bytesAcked   atomic.Int64
	linesFailed, bytesFailed atomic.Int64
	requests, failedRequests atomic.Int64
	retries                  atomic.Int64
	mu                       sync.Mutex
	statuses                 map[int]int64
	tenantLines              map[string]int64
	firstErr                 string
}

// Run generates lines and pushes them until a bound is reached or ctx is done. It returns an
// error only for a bad configuration; push failures are counted in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Batch < 1 {
		cfg.Batch = 512 << 10
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	u, err := pushURL(cfg.URL)
	if err != nil {
		return Result{}, err
	}
	gen, err := NewGenerator(cfg.Seed, cfg.Streams, cfg.Format)
	if err != nil {
		return Result{}, err
	}
	s := &sender{cfg: cfg, url: u, client: &http.Client{Timeout: cfg.Timeout}, statuses: map[int]int64{}, tenantLines: map[string]int64{}}

	start := time.Now()
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	batches := make(chan *Batch, cfg.Workers)
	var wg sync.WaitGroup
	for i := 0; i < cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				s.push(context.WithoutCancel(ctx), b)
			}
		}()
	}
	produce(ctx, gen, cfg, start, batches)
	close(batches)
	wg.Wait()

	res := Result{
		LinesAcked: s.linesAcked.Load(), BytesAcked: s.bytesAcked.Load(),
		LinesFailed: s.linesFailed.Load(), BytesFailed: s.bytesFailed.Load(),
		Requests: s.requests.Load(), FailedRequests: s.failedRequests.Load(),
		Retries: s.retries.Load(), Statuses: s.statuses, TenantLines: s.tenantLines, FirstError: s.firstErr,
		Elapsed: time.Since(start),
	}
	cfg.Logger.Info("loggen done", "result", res.String())
	return res, nil
}

// produce builds batches from the generator, paced to cfg.Rate, until a bound is reached.
// Timestamps follow the wall clock but strictly increase, so no two lines share one and no
// stream ever goes backwards.
func produce(ctx context.Context, gen *Generator, cfg Config, start time.Time, out chan<- *Batch) {
	var sent, last, batchNo int64
	maxLines := 0
	if cfg.Rate > 0 {
		maxLines = max(1, int(cfg.Rate/20)) // about 20 pushes a second keeps pacing smooth
	}
	for {
		if cfg.Lines > 0 {
			left := cfg.Lines - sent
			if left <= 0 {
				return
			}
			if maxLines == 0 || int64(maxLines) > left {
				maxLines = int(left)
			}
		}
		if cfg.Rate > 0 {
			due := start.Add(time.Duration(float64(sent) / cfg.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		ts := max(time.Now().UnixNano(), last+1)
		b := gen.NewBatch()
		b.Tenant = tenantOf(cfg, batchNo)
		batchNo++
		b.Fill(cfg.Batch, maxLines, &ts, 1)
		last = ts
		sent += int64(b.Lines)
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
	}
}

func (s *sender) push(ctx context.Context, b *Batch) {
	var (
		body  []byte
		err   error
		ctype = "application/x-protobuf"
	)
	if s.cfg.Encoding == "json" {
		body, err = b.EncodeJSON(s.cfg.Gzip)
		ctype = "application/json"
	} else {
		body, err = b.EncodeProto()
	}
	status, text := 0, ""
	if err != nil {
		text = fmt.Sprintf("encode batch: %v", err)
	} else {
		backoff := 100 * time.Millisecond
		for attempt := 0; ; attempt++ {
			status, text = s.post(ctx, body, ctype, b.Tenant)
			retryable := status == 0 || status == http.StatusTooManyRequests || status >= 500
			if status/100 == 2 || !retryable || attempt >= s.cfg.Retries {
				break
			}
			s.retries.Add(1)
			time.Sleep(backoff)
			backoff = min(2*backoff, 2*time.Second)
		}
	}
	s.requests.Add(1)
	s.mu.Lock()
	s.statuses[status]++
	if status/100 != 2 && s.firstErr == "" {
		s.firstErr = fmt.Sprintf("status %d: %s", status, text)
	}
	s.mu.Unlock()
	if status/100 == 2 {
		s.mu.Lock()
		s.tenantLines[b.Tenant] += int64(b.Lines)
		s.mu.Unlock()
		s.linesAcked.Add(int64(b.Lines))
		s.bytesAcked.Add(int64(b.Bytes))
		if s.cfg.OnAck != nil {
			s.cfg.OnAck(b)
		}
		return
	}
	s.failedRequests.Add(1)
	s.linesFailed.Add(int64(b.Lines))
	s.bytesFailed.Add(int64(b.Bytes))
	s.cfg.Logger.Warn("push failed", "status", status, "err", text)
}

// post sends one body; status 0 means no answer.
func (s *sender) post(ctx context.Context, body []byte, ctype, tenant string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", ctype)
	if s.cfg.Encoding == "json" && s.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if tenant != "" {
		req.Header.Set("X-Scope-OrgID", tenant)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode, strings.TrimSpace(string(msg))
}

// tenantOf is the tenant of the n-th batch: pushes rotate over the tenants, so the split is
// the same on every run.
func tenantOf(cfg Config, n int64) string {
	if cfg.Tenants <= 1 {
		return cfg.Tenant
	}
	base := cfg.Tenant
	if base == "" {
		base = "tenant"
	}
	return base + "-" + strconv.FormatInt(n%int64(cfg.Tenants), 10)
}
