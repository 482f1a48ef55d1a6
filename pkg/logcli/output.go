package logcli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
)

// printResult prints log lines (streams) in the chosen output, or a metric result as indented
// JSON, as logcli does.
func printResult(res *loghttp.QueryResult, o *options, stdout, stderr io.Writer) error {
	if res.Type != loghttp.ResultStreams {
		return printMetric(res, stdout)
	}
	type line struct {
		e    iter.Entry
		lbls labels.Labels
	}
	var lines []line
	var all []labels.Labels
	for _, s := range res.Streams {
		all = append(all, s.Labels)
		for _, e := range s.Entries {
			lines = append(lines, line{e, s.Labels})
		}
	}
	// Streams arrive one after the other; logcli prints one timeline in the query's direction.
	slices.SortStableFunc(lines, func(a, b line) int {
		if o.forward {
			return cmp.Compare(a.e.Timestamp, b.e.Timestamp)
		}
		return cmp.Compare(b.e.Timestamp, a.e.Timestamp)
	})
	common := commonLabels(all)
	if len(common) > 0 && !o.quiet && (o.output == "default" || o.output == "text") {
		fmt.Fprintf(stderr, "Common labels: %s\n", common.String())
	}
	width := 0
	shown := make([]string, len(lines))
	if !o.noLabels {
		for i, l := range lines {
			shown[i] = l.lbls.Without(namesOf(common)...).String()
			width = max(width, len(shown[i]))
		}
	}
	loc := o.location()
	buf := make([]byte, 0, 64<<10)
	for i, l := range lines {
		ts := time.Unix(0, l.e.Timestamp).In(loc)
		switch o.output {
		case "raw":
			buf = append(buf, l.e.Line...)
		case "jsonl", "json":
			b, err := json.Marshal(struct {
				Labels    map[string]string `json:"labels"`
				Line      string            `json:"line"`
				Timestamp string            `json:"timestamp"`
			}{l.lbls.Map(), l.e.Line, ts.Format(time.RFC3339Nano)})
			if err != nil {
				return fmt.Errorf("encode line: %w", err)
			}
			buf = append(buf, b...)
		default:
			buf = ts.AppendFormat(buf, time.RFC3339)
			buf = append(buf, ' ')
			if !o.noLabels {
				buf = append(buf, shown[i]...)
				buf = append(buf, strings.Repeat(" ", width-len(shown[i]))...)
				buf = append(buf, ' ')
			}
			buf = append(buf, l.e.Line...)
		}
		buf = append(buf, '\n')
		if len(buf) > 60<<10 {
			if _, err := stdout.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := stdout.Write(buf)
	return err
}

// commonLabels returns the labels every stream shares; logcli prints them once to stderr and
// leaves them out of each line. A single stream keeps its labels on its lines.
func commonLabels(all []labels.Labels) labels.Labels {
	if len(all) < 2 {
		return nil
	}
	var out labels.Labels
	for _, l := range all[0] {
		shared := true
		for _, ls := range all[1:] {
			if !ls.Has(l.Name) || ls.Get(l.Name) != l.Value {
				shared = false
				break
			}
		}
		if shared {
			out = append(out, l)
		}
	}
	return out
}

func namesOf(ls labels.Labels) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

// printMetric prints a matrix, vector or scalar in Loki's JSON form, indented.
func printMetric(res *loghttp.QueryResult, stdout io.Writer) error {
	var sb strings.Builder
	if err := loghttp.EncodeQueryResponse(&sb, res, false); err != nil {
		return err
	}
	var env struct {
		Data struct {
			Result json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(sb.String()), &env); err != nil {
		return fmt.Errorf("re-read result: %w", err)
	}
	var out strings.Builder
	if err := indent(&out, env.Data.Result); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, out.String())
	return err
}

func indent(sb *strings.Builder, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	sb.Write(b)
	return nil
}

// printStats prints the summary of the query's statistics, one "Name value" per line.
func printStats(s loghttp.Stats, w io.Writer) {
	sum := s.Summary
	fmt.Fprintf(w, "Summary.BytesProcessedPerSecond \t %d\n", sum.BytesProcessedPerSecond)
	fmt.Fprintf(w, "Summary.LinesProcessedPerSecond \t %d\n", sum.LinesProcessedPerSecond)
	fmt.Fprintf(w, "Summary.TotalBytesProcessed \t %d\n", sum.TotalBytesProcessed)
	fmt.Fprintf(w, "Summary.TotalLinesProcessed \t %d\n", sum.TotalLinesProcessed)
	fmt.Fprintf(w, "Summary.TotalEntriesReturned \t %d\n", sum.TotalEntriesReturned)
	fmt.Fprintf(w, "Summary.ExecTime \t %gs\n", sum.ExecTime)
	fmt.Fprintf(w, "Ingester.TotalReached \t %d\n", s.Ingester.TotalReached)
	fmt.Fprintf(w, "Querier.TotalDuplicates \t %d\n", s.Querier.Store.Chunk.TotalDuplicates)
}
