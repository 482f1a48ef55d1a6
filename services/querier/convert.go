package querier

import (
	"strconv"
	"strings"
	"time"

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
