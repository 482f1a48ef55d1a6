package logcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/skaldlogs/skald/pkg/loghttp"
)

// Run runs `skald query` with args (the arguments after the subcommand), writing results to
// stdout and metadata and errors to stderr. `--help` returns nil after printing usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return run(ctx, args, stdout, stderr, os.Getenv, time.Now)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) error {
	o, err := parseArgs(args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.timeout > 0 && !o.tail {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	c := &client{base: o.addr, o: o, http: http.DefaultClient}
	start, end, err := o.bounds(now())
	if err != nil {
		return err
	}
	switch {
	case o.tail:
		return runTail(ctx, o, start, stdout, stderr)
	case o.labels:
		return runLabels(ctx, c, o, start, end, stdout)
	case o.series:
		return runSeries(ctx, c, o, start, end, stdout)
	}
	params := url.Values{"query": {o.query}}
	if o.limit > 0 {
		params.Set("limit", strconv.Itoa(o.limit))
	}
	dir := "backward"
	if o.forward {
		dir = "forward"
	}
	params.Set("direction", dir)
	path := "/loki/api/v1/query_range"
	if o.instant {
		path = "/loki/api/v1/query"
		params.Set("time", strconv.FormatInt(end.UnixNano(), 10))
	} else {
		params.Set("start", strconv.FormatInt(start.UnixNano(), 10))
		params.Set("end", strconv.FormatInt(end.UnixNano(), 10))
		if o.step > 0 {
			params.Set("step", strconv.FormatInt(o.step.Milliseconds(), 10)+"ms")
		}
		if o.interval > 0 {
			params.Set("interval", strconv.FormatFloat(o.interval.Seconds(), 'f', -1, 64))
		}
	}
	var res *loghttp.QueryResult
	if !o.instant && o.limit > o.batch {
		res, err = queryLogsBatched(ctx, c, o, params, start, end)
	} else {
		res, err = c.query(ctx, path, params)
	}
	if err != nil {
		return err
	}
	if err := printResult(res, o, stdout, stderr); err != nil {
		return err
	}
	if o.stats {
		printStats(res.Stats, stderr)
	}
	return nil
}

func runLabels(ctx context.Context, c *client, o *options, start, end time.Time, stdout io.Writer) error {
	path := "/loki/api/v1/labels"
	if o.labelName != "" {
		path = "/loki/api/v1/label/" + url.PathEscape(o.labelName) + "/values"
	}
	params := url.Values{"start": {strconv.FormatInt(start.UnixNano(), 10)}, "end": {strconv.FormatInt(end.UnixNano(), 10)}}
	body, err := c.get(ctx, path, params)
	if err != nil {
		return err
	}
	defer body.Close()
	vals, err := loghttp.DecodeLabelsResponse(body)
	if err != nil {
		return err
	}
	for _, v := range vals {
		if _, err := fmt.Fprintln(stdout, v); err != nil {
			return err
		}
	}
	return nil
}

func runSeries(ctx context.Context, c *client, o *options, start, end time.Time, stdout io.Writer) error {
	params := url.Values{"match[]": {o.query}, "start": {strconv.FormatInt(start.UnixNano(), 10)}, "end": {strconv.FormatInt(end.UnixNano(), 10)}}
	body, err := c.get(ctx, "/loki/api/v1/series", params)
	if err != nil {
		return err
	}
	defer body.Close()
	series, err := loghttp.DecodeSeriesResponse(body)
	if err != nil {
		return err
	}
	for _, s := range series {
		if _, err := fmt.Fprintln(stdout, s.String()); err != nil {
			return err
		}
	}
	return nil
}
