package bench

import (
	"bytes"
	"context"
	"errors"
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

// RunConfig tunes how a target is loaded and queried.
type RunConfig struct {
	Workers   int           // concurrent pushes
	Retries   int           // retries of a push answered 429 or 5xx or not answered
	Runs      int           // measured runs per query, after one warm-up
	SettleMax time.Duration // longest wait for the server to go idle after the flush
	Timeout   time.Duration // per push and per query
	// ProfileDir, if set, receives pprof profiles of each target: CPU during the first
	// ProfileSeconds of ingest, the heap after it, and CPU during repeated runs of each query.
	ProfileDir     string
	ProfileSeconds int
	// QueryDelay waits this long after the settle before querying, e.g. past Skald's or Loki's
	// chunk retain period so queries read the store rather than ingester memory.
	QueryDelay time.Duration
	Logger     *slog.Logger
}

// Runner loads one data set into targets and measures them.
type Runner struct {
	cfg    RunConfig
	ds     *Dataset
	spool  *Spool
	qs     []Query
	client *http.Client
	log    *slog.Logger
	prof   *profiler // nil unless RunConfig.ProfileDir is set
}

// NewRunner prepares runs of the data set ds whose bodies are in spool.
func NewRunner(cfg RunConfig, ds *Dataset, spool *Spool) *Runner {
	cfg.Workers = max(cfg.Workers, 1)
	cfg.Runs = max(cfg.Runs, 1)
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{cfg: cfg, ds: ds, spool: spool, qs: Queries(ds), client: &http.Client{Timeout: cfg.Timeout}, log: cfg.Logger}
	if cfg.ProfileDir != "" {
		r.prof = &profiler{dir: cfg.ProfileDir, client: r.client}
		r.cfg.ProfileSeconds = max(1, cfg.ProfileSeconds)
	}
	return r
}

// Run pushes the whole data set to t, flushes, waits for it to settle, measures CPU, memory and
// disk, then runs and checks the query set.
func (r *Runner) Run(ctx context.Context, t Target) Result {
	res := Result{Name: t.Name, Dialect: t.Dialect, CPUSeconds: -1, PeakRSS: -1, DiskBytes: -1}
	log := r.log.With("target", t.Name)

	cpu0, cpuErr := r.cpu(t)
	if cpuErr != nil {
		res.IngestIssues = append(res.IngestIssues, "no CPU figure: "+cpuErr.Error())
	}
	peak := r.sampleRSS(ctx, t)
	waitProfile := func() error { return nil }
	if r.prof != nil {
		waitProfile = r.prof.cpu(ctx, t, time.Duration(r.cfg.ProfileSeconds)*time.Second, t.Name+"-ingest.cpu.pprof")
	}
	acked, failure := r.push(ctx, t, &res)
	if failure != "" {
		res.IngestIssues = append(res.IngestIssues, failure)
	}
	if r.prof != nil {
		if err := r.prof.fetch(ctx, t, "/debug/pprof/heap", t.Name+"-ingest.heap.pprof"); err != nil {
			log.Warn("profile", "err", err)
		}
	}
	log.Info("pushed", "lines", res.LinesAcked, "failed_lines", res.LinesFailed, "wall", res.IngestWall.Round(time.Millisecond))
	if err := r.flush(ctx, t); err != nil {
		res.IngestIssues = append(res.IngestIssues, err.Error())
	}
	r.settle(ctx, t)
	if cpuErr == nil {
		if cpu1, err := r.cpu(t); err == nil {
			res.CPUSeconds = cpu1 - cpu0
		}
	}
	res.PeakRSS = peak()
	if t.DataDir != "" {
		if du, err := DiskUsage(t.DataDir); err == nil {
			res.DiskBytes = du
		} else {
			res.IngestIssues = append(res.IngestIssues, err.Error())
		}
	}
	log.Info("settled", "cpu_seconds", res.CPUSeconds, "peak_rss", res.PeakRSS, "disk", res.DiskBytes)

	if err := waitProfile(); err != nil { // before the queries, so it never covers them
		log.Warn("profile", "err", err)
	}

	if r.cfg.QueryDelay > 0 {
		log.Info("waiting before the queries", "delay", r.cfg.QueryDelay)
		select {
		case <-time.After(r.cfg.QueryDelay):
		case <-ctx.Done():
		}
	}
	exp := r.ds.Expect(acked, r.qs)
	for _, q := range r.qs {
		qr := r.query(ctx, t, q, exp)
		log.Info("query", "id", q.ID, "median", qr.Median, "problem", qr.Problem)
		res.Queries = append(res.Queries, qr)
		if r.prof != nil {
			r.profileQuery(ctx, t, q, qr.Median)
		}
	}
	return res
}

// profileQuery repeats q while a CPU profile of about twice its median (1–30 s) is taken.
func (r *Runner) profileQuery(ctx context.Context, t Target, q Query, median time.Duration) {
	d := min(max(2*median, time.Second), 30*time.Second)
	wait := r.prof.cpu(ctx, t, d, fmt.Sprintf("%s-query-%s.cpu.pprof", t.Name, q.ID))
	u := QueryURL(t, q)
	for end := time.Now().Add(d); time.Now().Before(end) && ctx.Err() == nil; {
		if _, _, err := r.get(ctx, t, u); err != nil {
			break
		}
	}
	if err := wait(); err != nil {
		r.log.Warn("profile", "target", t.Name, "query", q.ID, "err", err)
	}
}

// push sends every spooled body with Workers concurrent pushes and reports which were acked.
func (r *Runner) push(ctx context.Context, t Target, res *Result) ([]bool, string) {
	n := r.spool.Len()
	acked := make([]bool, n)
	next := make(chan int)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < r.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := r.pushOne(ctx, t, i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				acked[i] = true
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	res.IngestWall = time.Since(start)
	for i, ok := range acked {
		if ok {
			res.LinesAcked += int64(r.ds.Batches[i].Lines)
			res.BytesAcked += int64(r.ds.Batches[i].Bytes)
		} else {
			res.LinesFailed += int64(r.ds.Batches[i].Lines)
		}
	}
	if f := failed.Load(); f > 0 {
		return acked, fmt.Sprintf("%d of %d pushes failed, first: %v", f, n, firstErr.Load())
	}
	return acked, ""
}

func (r *Runner) pushOne(ctx context.Context, t Target, i int) error {
	body, err := r.spool.Body(i)
	if err != nil {
		return err
	}
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		status, text := r.post(ctx, t, body)
		if status/100 == 2 {
			return nil
		}
		retryable := status == 0 || status == http.StatusTooManyRequests || status >= 500
		if !retryable || attempt >= r.cfg.Retries || ctx.Err() != nil {
			return fmt.Errorf("push %d: status %d: %s", i, status, oneLine(text))
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (r *Runner) post(ctx context.Context, t Target, body []byte) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.PushURL(), bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if t.Tenant != "" {
		req.Header.Set("X-Scope-OrgID", t.Tenant)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode, string(msg)
}

// flush asks the target to write out what it holds in memory: Loki's POST /flush, VictoriaLogs'
// /internal/force_flush. A target without the endpoint (404/405) is not an error.
func (r *Runner) flush(ctx context.Context, t Target) error {
	method, path := http.MethodPost, "/flush"
	if t.Dialect == VictoriaLogs {
		method, path = http.MethodGet, "/internal/force_flush"
	}
	req, err := http.NewRequestWithContext(ctx, method, t.URL+path, nil)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		return fmt.Errorf("flush: status %d", resp.StatusCode)
	}
	return nil
}

// settle waits until the server used under 5% of a core for two seconds in a row (background
// compaction and merges belong to the ingest cost), or SettleMax passed.
func (r *Runner) settle(ctx context.Context, t Target) {
	deadline := time.Now().Add(r.cfg.SettleMax)
	prev, err := r.cpu(t)
	if err != nil {
		time.Sleep(min(2*time.Second, r.cfg.SettleMax))
		return
	}
	quiet := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Second)
		cur, err := r.cpu(t)
		if err != nil {
			return
		}
		if cur-prev < 0.05 {
			quiet++
		} else {
			quiet = 0
		}
		prev = cur
		if quiet >= 2 {
			return
		}
	}
}

// cpu returns the server's CPU seconds: /proc when the harness started it, else its /metrics.
func (r *Runner) cpu(t Target) (float64, error) {
	if t.PID > 0 {
		return ProcCPUSeconds(t.PID)
	}
	return r.metric(t, "process_cpu_seconds_total")
}

func (r *Runner) metric(t Target, name string) (float64, error) {
	resp, err := r.client.Get(t.URL + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	v, ok := ParseMetric(b, name)
	if !ok {
		return 0, fmt.Errorf("scrape metrics: no %s", name)
	}
	return v, nil
}

// sampleRSS samples the server's resident memory until the returned func is called, which
// returns the peak (VmHWM when the harness started the process), or -1 if unknown.
func (r *Runner) sampleRSS(ctx context.Context, t Target) func() int64 {
	var peak atomic.Int64
	peak.Store(-1)
	stop := make(chan struct{})
	done := make(chan struct{})
	sample := func() {
		var v int64 = -1
		if t.PID > 0 {
			if rss, hwm, err := ProcMemory(t.PID); err == nil {
				v = max(rss, hwm)
			}
		} else if f, err := r.metric(t, "process_resident_memory_bytes"); err == nil {
			v = int64(f)
		}
		if v > peak.Load() {
			peak.Store(v)
		}
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-stop:
				sample()
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// query runs q once to warm up and Runs times measured, checking every answer.
func (r *Runner) query(ctx context.Context, t Target, q Query, exp Expected) QueryResult {
	qr := QueryResult{ID: q.ID, Name: q.Name, Text: q.Text(t.Dialect), CPUPerRun: -1}
	u := QueryURL(t, q)
	var cpu0 float64
	cpuErr := errors.New("not read")
	for i := 0; i <= r.cfg.Runs; i++ {
		if i == 1 {
			cpu0, cpuErr = r.cpu(t)
		}
		began := time.Now()
		status, body, err := r.get(ctx, t, u)
		took := time.Since(began)
		problem := ""
		switch {
		case err != nil:
			problem = err.Error()
		case status != http.StatusOK:
			problem = fmt.Sprintf("status %d: %s", status, oneLine(string(body)))
		default:
			a, err := ParseAnswer(t.Dialect, q.Kind, body)
			if err != nil {
				problem = err.Error()
			} else {
				problem = Check(q.Kind, a, exp)
			}
		}
		if problem != "" && qr.Problem == "" {
			qr.Problem = problem
		}
		if i > 0 { // run 0 is the warm-up
			qr.Runs = append(qr.Runs, took)
		}
	}
	if cpuErr == nil {
		if cpu1, err := r.cpu(t); err == nil {
			// Server CPU is steadier than wall time on a shared machine, and shows parallelism.
			qr.CPUPerRun = (cpu1 - cpu0) / float64(r.cfg.Runs)
		}
	}
	qr.Median = Median(qr.Runs)
	return qr
}

func (r *Runner) get(ctx context.Context, t Target, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	if t.Tenant != "" {
		req.Header.Set("X-Scope-OrgID", t.Tenant)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// QueryURL builds the HTTP request URL of q for t: Loki's query_range (log queries backward with
// a limit, metric queries with a step), or VictoriaLogs' query / stats_query_range.
func QueryURL(t Target, q Query) string {
	v := url.Values{}
	v.Set("query", q.Text(t.Dialect))
	if t.Dialect == VictoriaLogs {
		v.Set("start", q.Start.UTC().Format(time.RFC3339Nano))
		v.Set("end", q.End.UTC().Format(time.RFC3339Nano))
		path := "/select/logsql/query"
		if q.Step > 0 {
			path = "/select/logsql/stats_query_range"
			v.Set("step", strconv.FormatInt(int64(q.Step/time.Second), 10)+"s")
		} else {
			v.Set("limit", strconv.Itoa(q.Limit))
		}
		return t.URL + path + "?" + encodeQuery(v)
	}
	v.Set("start", strconv.FormatInt(q.Start.UnixNano(), 10))
	v.Set("end", strconv.FormatInt(q.End.UnixNano(), 10))
	if q.Step > 0 {
		v.Set("step", strconv.FormatFloat(q.Step.Seconds(), 'f', -1, 64))
	} else {
		v.Set("limit", strconv.Itoa(q.Limit))
		v.Set("direction", "backward")
	}
	return t.URL + "/loki/api/v1/query_range?" + encodeQuery(v)
}

// encodeQuery encodes spaces as %20 rather than +: both decode the same, and the URL stays
// readable in logs and copy-pasteable into curl.
func encodeQuery(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "+", "%20")
}
