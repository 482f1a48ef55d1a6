package querier

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"

	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
)

// toWire converts an engine result to the HTTP layer's.
func toWire(res logql.Result) *loghttp.QueryResult {
	out := &loghttp.QueryResult{Type: loghttp.ResultType(res.Type)}
	switch res.Type {
	case logql.ValueStreams:
		out.Streams = make([]loghttp.Stream, len(res.Streams))
		for i, s := range res.Streams {
			out.Streams[i] = loghttp.Stream{Labels: s.Labels, Entries: s.Entries}
		}
	case logql.ValueMatrix:
		out.Matrix = make([]loghttp.Series, len(res.Matrix))
		for i, s := range res.Matrix {
			pts := make([]loghttp.Point, len(s.Points))
			for k, p := range s.Points {
				pts[k] = loghttp.Point{T: p.T, V: p.V}
			}
			out.Matrix[i] = loghttp.Series{Metric: s.Metric, Points: pts}
		}
	case logql.ValueVector:
		out.Vector = make([]loghttp.Sample, len(res.Vector))
		for i, s := range res.Vector {
			out.Vector[i] = loghttp.Sample{Metric: s.Metric, Point: loghttp.Point{T: s.T, V: s.V}}
		}
	case logql.ValueScalar:
		out.Scalar = loghttp.Point{T: res.Scalar.T, V: res.Scalar.V}
	}
	return out
}

// promDuration renders d as Prometheus (and so Loki's limit errors) does: "30d1h", "5m",
// "1s500ms", "0s".
func promDuration(d time.Duration) string {
	ms := int64(d / time.Millisecond)
	if ms == 0 {
		return "0s"
	}
	var b strings.Builder
	if ms < 0 {
		b.WriteByte('-')
		ms = -ms
	}
	// Years and weeks are used only when they divide the duration exactly, as Prometheus does.
	units := []struct {
		name  string
		ms    int64
		exact bool
	}{
		{"y", 365 * 24 * 3600 * 1000, true}, {"w", 7 * 24 * 3600 * 1000, true}, {"d", 24 * 3600 * 1000, false},
		{"h", 3600 * 1000, false}, {"m", 60 * 1000, false}, {"s", 1000, false}, {"ms", 1, false},
	}
	for _, u := range units {
		if u.exact && ms%u.ms != 0 {
			continue
		}
		if n := ms / u.ms; n > 0 {
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteString(u.name)
			ms -= n * u.ms
		}
	}
	return b.String()
}

// categorized regroups a log result for categorised labels: Loki keys streams by their stream
// labels alone there (structured metadata and parsed labels travel with each entry), so result
// streams that differ only in those merge into one, entries ordered by dir.
func categorized(streams []loghttp.Stream, dir iter.Direction) []loghttp.Stream {
	var out []loghttp.Stream
	index := map[string]int{}
	for _, s := range streams {
		for _, e := range s.Entries {
			base := s.Labels
			if len(e.StructuredMetadata) > 0 || len(e.Parsed) > 0 {
				base = make(labels.Labels, 0, len(s.Labels))
				for _, l := range s.Labels {
					if !e.StructuredMetadata.Has(l.Name) && !e.Parsed.Has(l.Name) {
						base = append(base, l)
					}
				}
			}
			key := base.String()
			i, ok := index[key]
			if !ok {
				i = len(out)
				index[key] = i
				out = append(out, loghttp.Stream{Labels: base})
			}
			out[i].Entries = append(out[i].Entries, e)
		}
	}
	if len(out) == len(streams) {
		return out
	}
	for _, s := range out {
		slices.SortStableFunc(s.Entries, func(a, b iter.Entry) int {
			if dir == iter.Backward {
				return cmp.Compare(b.Timestamp, a.Timestamp)
			}
			return cmp.Compare(a.Timestamp, b.Timestamp)
		})
	}
	slices.SortFunc(out, func(a, b loghttp.Stream) int { return labels.Compare(a.Labels, b.Labels) })
	return out
}
