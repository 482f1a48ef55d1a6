package logcli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// options are the command's settings after flags and environment.
type options struct {
	addr, orgID, username, password, token string

	query      string
	limit      int
	batch      int
	since      time.Duration
	from, to   string
	step       time.Duration
	interval   time.Duration
	forward    bool
	instant    bool
	output     string
	timezone   string
	noLabels   bool
	quiet      bool
	stats      bool
	labels     bool
	series     bool
	labelName  string
	tail       bool
	delayFor   int
	timeout    time.Duration
	getenv     func(string) string
	positional []string
}

// parseArgs reads flags, which may come before or after the query (as with logcli).
func parseArgs(args []string, stderr io.Writer, getenv func(string) string) (*options, error) {
	o := &options{getenv: getenv}
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: skald query [flags] '<logql>'\n       skald query --labels [name] [flags]\n       skald query --series [flags] '<selector>'")
		fs.PrintDefaults()
	}
	def := func(env, fallback string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return fallback
	}
	fs.StringVar(&o.addr, "addr", def("LOKI_ADDR", "http://localhost:3100"), "Server address (env LOKI_ADDR).")
	fs.StringVar(&o.orgID, "org-id", getenv("LOKI_ORG_ID"), "Tenant sent as X-Scope-OrgID (env LOKI_ORG_ID).")
	fs.StringVar(&o.username, "username", getenv("LOKI_USERNAME"), "Basic auth user (env LOKI_USERNAME).")
	fs.StringVar(&o.password, "password", getenv("LOKI_PASSWORD"), "Basic auth password (env LOKI_PASSWORD).")
	fs.StringVar(&o.token, "bearer-token", getenv("LOKI_BEARER_TOKEN"), "Bearer token (env LOKI_BEARER_TOKEN).")
	fs.IntVar(&o.limit, "limit", 30, "Most log lines to return; 0 leaves it to the server's default (100).")
	fs.IntVar(&o.batch, "batch", 1000, "Lines per request when --limit is larger (the server caps one query at its max entries limit, 5000 by default).")
	fs.DurationVar(&o.since, "since", time.Hour, "Look back this far from --to (ignored when --from is set).")
	fs.StringVar(&o.from, "from", "", "Start of the range, RFC3339 (inclusive).")
	fs.StringVar(&o.to, "to", "", "End of the range, RFC3339 (exclusive); default now. For --instant, the query time.")
	fs.DurationVar(&o.step, "step", 0, "Step of a metric range query; 0 leaves it to the server.")
	fs.DurationVar(&o.interval, "interval", 0, "Return at most one line per interval (log range queries); 0 returns all.")
	fs.BoolVar(&o.forward, "forward", false, "Oldest lines first (default: newest first).")
	fs.BoolVar(&o.instant, "instant", false, "Run an instant query at --to (metric queries only).")
	fs.StringVar(&o.output, "output", "default", "Output of log lines: default (text: time, labels, line), raw (line only) or jsonl.")
	fs.StringVar(&o.output, "o", "default", "Shorthand for --output.")
	fs.StringVar(&o.timezone, "timezone", "Local", "Time zone of printed timestamps: Local or UTC.")
	fs.BoolVar(&o.noLabels, "no-labels", false, "Do not print labels.")
	fs.BoolVar(&o.quiet, "quiet", false, "Do not print query metadata (common labels) to stderr.")
	fs.BoolVar(&o.quiet, "q", false, "Shorthand for --quiet.")
	fs.BoolVar(&o.stats, "stats", false, "Print the query's statistics to stderr.")
	fs.BoolVar(&o.labels, "labels", false, "List label names, or the values of the label named by the argument.")
	fs.BoolVar(&o.series, "series", false, "List the series matching the selector given as argument.")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "Timeout of the request; 0 means none (a --tail runs until interrupted).")
	fs.BoolVar(&o.tail, "tail", false, "Follow the query live (/loki/api/v1/tail), from --since ago.")
	fs.BoolVar(&o.tail, "t", false, "Shorthand for --tail.")
	fs.IntVar(&o.delayFor, "delay-for", 0, "With --tail, delay lines by this many seconds (at most 5) so late ones arrive in order.")

	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		o.positional = append(o.positional, rest[0])
		rest = rest[1:]
	}
	switch o.output {
	case "default", "text", "raw", "jsonl", "json":
	default:
		return nil, fmt.Errorf("unknown output %q: want default, raw or jsonl", o.output)
	}
	if o.timezone != "Local" && o.timezone != "UTC" {
		return nil, fmt.Errorf("unknown timezone %q: want Local or UTC", o.timezone)
	}
	if o.labels && o.series {
		return nil, errors.New("--labels and --series exclude each other")
	}
	if len(o.positional) > 1 {
		return nil, fmt.Errorf("one argument expected, got %d: %s (quote the query)", len(o.positional), strings.Join(o.positional, " "))
	}
	switch {
	case o.labels:
		if len(o.positional) == 1 {
			o.labelName = o.positional[0]
		}
	case len(o.positional) == 0:
		fs.Usage()
		return nil, errors.New("missing query")
	default:
		o.query = o.positional[0]
	}
	if o.limit < 0 {
		return nil, errors.New("--limit must not be negative")
	}
	if o.tail && (o.labels || o.series || o.instant) {
		return nil, errors.New("--tail works with a log query only")
	}
	if o.batch <= 0 {
		return nil, errors.New("--batch must be positive")
	}
	return o, nil
}

// bounds returns the query range: --from/--to, else [to-since, to).
func (o *options) bounds(now time.Time) (time.Time, time.Time, error) {
	end := now
	if o.to != "" {
		t, err := time.Parse(time.RFC3339Nano, o.to)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("parse --to: %w", err)
		}
		end = t
	}
	start := end.Add(-o.since)
	if o.from != "" {
		t, err := time.Parse(time.RFC3339Nano, o.from)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("parse --from: %w", err)
		}
		start = t
	}
	if end.Before(start) {
		return time.Time{}, time.Time{}, errors.New("--to is before --from")
	}
	return start, end, nil
}

func (o *options) location() *time.Location {
	if o.timezone == "UTC" {
		return time.UTC
	}
	return time.Local
}
