// Command bench loads the same seeded data set into Skald, VictoriaLogs or any Loki-compatible
// URL and prints ingest cost, memory, disk and query latencies as a markdown table, with every
// query answer checked against what the target acknowledged. See docs/bench.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/skaldlogs/skald/bench"
)

// targetFlags collects repeated name=url flags.
type targetFlags []string

func (f *targetFlags) String() string     { return strings.Join(*f, ",") }
func (f *targetFlags) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		lokiTargets, vlTargets, dirs targetFlags
		skaldFlags, vlFlags          targetFlags
		size, batch                  string
		ds                           bench.DatasetConfig
		rc                           bench.RunConfig
		skaldBin, vlBin              string
		workDir, out, tenant         string
		keep                         bool
	)
	flag.Var(&lokiTargets, "target", "Loki-compatible target as name=url (repeatable), e.g. skald=http://localhost:3100.")
	flag.Var(&vlTargets, "target-victorialogs", "Running VictoriaLogs as name=url (repeatable), e.g. vl=http://localhost:9428.")
	flag.Var(&dirs, "target-dir", "Data directory of a -target as name=dir, for bytes on disk (repeatable).")
	flag.StringVar(&tenant, "tenant", "", "X-Scope-OrgID sent to Loki-compatible -target URLs; empty sends none.")
	flag.StringVar(&skaldBin, "start-skald", "", "Start this skald binary (temp dir, free ports) and bench it.")
	flag.StringVar(&vlBin, "start-victorialogs", "", "Start this victoria-logs binary (temp dir, free port) and bench it.")
	flag.Var(&skaldFlags, "skald-flag", "Extra flag for the started skald, e.g. -skald-flag=-ingester.max-chunk-age=10m (repeatable).")
	flag.Var(&vlFlags, "victorialogs-flag", "Extra flag for the started victoria-logs (repeatable).")
	flag.StringVar(&size, "bytes", "512MiB", "Raw line bytes of the data set (e.g. 512MiB, 2GiB).")
	flag.StringVar(&batch, "batch-bytes", "1MiB", "Raw line bytes per push.")
	flag.Int64Var(&ds.Seed, "seed", 1, "Data set seed.")
	flag.IntVar(&ds.Streams, "streams", 100, "Number of streams.")
	flag.IntVar(&ds.Needles, "needles", 5, "Needle lines injected into the data set.")
	flag.DurationVar(&ds.Step, "step", time.Millisecond, "Time between consecutive lines (whole milliseconds).")
	flag.IntVar(&rc.Workers, "workers", 4, "Concurrent pushes.")
	flag.IntVar(&rc.Retries, "retries", 5, "Retries of a push answered 429/5xx or not answered.")
	flag.IntVar(&rc.Runs, "runs", 3, "Measured runs per query after one warm-up; the median is reported.")
	flag.DurationVar(&rc.SettleMax, "settle", 60*time.Second, "Longest wait for a server to go idle after the flush.")
	flag.StringVar(&rc.ProfileDir, "pprof-dir", "", "Save pprof profiles of every target here: CPU during ingest and during each query, heap after ingest.")
	flag.IntVar(&rc.ProfileSeconds, "pprof-ingest-seconds", 20, "Length of the ingest CPU profile (from the first push).")
	flag.DurationVar(&rc.QueryDelay, "query-delay", 0, "Wait this long after ingest settles before querying (e.g. 70s: past Skald's 1m chunk retain period, so queries read the store).")
	flag.StringVar(&workDir, "work-dir", "", "Directory for the spool and started servers; default a new temp dir.")
	flag.BoolVar(&keep, "keep", false, "Keep the work directory (server data and logs).")
	flag.StringVar(&out, "out", "", "Also write the report to this file.")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rc.Logger = log
	var err error
	if ds.Bytes, err = bench.ParseSize(size); err != nil {
		return err
	}
	bb, err := bench.ParseSize(batch)
	if err != nil {
		return err
	}
	ds.BatchBytes = int(bb)
	if len(lokiTargets)+len(vlTargets) == 0 && skaldBin == "" && vlBin == "" {
		return fmt.Errorf("no targets: give -start-skald, -start-victorialogs, -target or -target-victorialogs")
	}
	targetDirs := map[string]string{}
	for _, d := range dirs {
		name, dir, ok := strings.Cut(d, "=")
		if !ok {
			return fmt.Errorf("-target-dir %q: want name=dir", d)
		}
		targetDirs[name] = dir
	}
	var external []bench.Target
	for _, list := range []struct {
		flags   targetFlags
		dialect bench.Dialect
	}{{lokiTargets, bench.Loki}, {vlTargets, bench.VictoriaLogs}} {
		for _, f := range list.flags {
			name, u, ok := strings.Cut(f, "=")
			if !ok {
				return fmt.Errorf("target %q: want name=url", f)
			}
			external = append(external, bench.Target{Name: name, Dialect: list.dialect, URL: strings.TrimRight(u, "/"), Tenant: tenant, DataDir: targetDirs[name]})
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if workDir == "" {
		if workDir, err = os.MkdirTemp("", "skald-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(workDir, 0o755); err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(workDir)
	}
	spool, err := bench.NewSpool(filepath.Join(workDir, "bodies.spool"))
	if err != nil {
		return err
	}
	defer spool.Close()

	load0 := loadAvg()
	ds.Start = bench.StartFor(ds, time.Now(), 2*time.Minute)
	began := time.Now()
	data, err := bench.Generate(ds, spool.Append)
	if err != nil {
		return err
	}
	var lines int64
	for _, b := range data.Batches {
		lines += int64(b.Lines)
	}
	log.Info("data set generated", "lines", lines, "batches", len(data.Batches), "push_bytes", spool.Size(), "took", time.Since(began).Round(time.Millisecond))

	runner := bench.NewRunner(rc, data, spool)
	var results []bench.Result
	for _, s := range []struct {
		bin   string
		start func(context.Context, string, string, ...string) (*bench.Server, error)
		name  string
		extra []string
	}{{skaldBin, bench.StartSkald, "skald", skaldFlags}, {vlBin, bench.StartVictoriaLogs, "victorialogs", vlFlags}} {
		if s.bin == "" {
			continue
		}
		srv, err := s.start(ctx, s.bin, filepath.Join(workDir, s.name), s.extra...)
		if err != nil {
			return err
		}
		log.Info("started", "target", s.name, "url", srv.URL, "pid", srv.PID)
		res := runner.Run(ctx, srv.Target)
		if err := srv.Stop(); err != nil {
			log.Warn("stop", "target", s.name, "err", err)
		}
		// A clean stop writes out whatever a server still buffers (VictoriaLogs keeps recent
		// parts in memory even after /internal/force_flush), so disk is measured after it.
		if du, err := bench.DiskUsage(srv.DataDir); err == nil {
			res.DiskBytes = du
		}
		res.DiskNote, _ = bench.DiskBreakdown(srv.DataDir)
		results = append(results, res)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for _, t := range external {
		results = append(results, runner.Run(ctx, t))
	}

	var w io.Writer = os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	fmt.Fprintf(w, "Data set: seed %d, %d lines, %.1f MiB of raw lines, %d streams, %d pushes of ~%s (%.1f MiB protobuf+snappy), %s of timestamps, needle %q ×%d.\n",
		ds.Seed, lines, float64(ds.Bytes)/(1<<20), ds.Streams, len(data.Batches), batch, float64(spool.Size())/(1<<20),
		time.Duration(data.Last-data.First).Round(time.Second), data.Token, ds.Needles)
	fmt.Fprintf(w, "Load average before: %s; after: %s. Workers %d, %d measured runs per query (median) after one warm-up.\n\n", load0, loadAvg(), rc.Workers, rc.Runs)
	bench.RenderMarkdown(w, results)
	for _, r := range results {
		for _, q := range r.Queries {
			if q.Problem != "" {
				return fmt.Errorf("%s answered query (%s) wrongly", r.Name, q.ID)
			}
		}
	}
	return nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
