package querier

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
)

// Volume answers index/volume (a vector at end) and index/volume_range (a matrix): bytes of
// log lines per group of streams, the groups being the selector's label names (or
// targetLabels), or with aggregateBy=labels one series per label name. Skald computes it with
// the engine as sum by (<group>) (bytes_over_time(<selector>[range])), which reads line sizes
// only; Loki reads its index. Series lacking every group label are left out, the largest
// `limit` (default 100) are kept.

const defaultVolumeLimit = 100

type volumeRequest struct {
	selector    string
	matchers    []*labels.Matcher
	start, end  time.Time
	step        time.Duration
	limit       int
	target      []string
	byLabels    bool
	rangeResult bool
}

func parseVolume(v url.Values, now time.Time, rangeResult bool) (volumeRequest, error) {
	r := volumeRequest{rangeResult: rangeResult, limit: defaultVolumeLimit, selector: v.Get("query")}
	var err error
	if r.matchers, err = labels.ParseMatchers(r.selector); err != nil {
		return r, badRequest(err)
	}
	if len(r.matchers) == 0 {
		return r, badRequest(fmt.Errorf("queries require at least one matcher"))
	}
	if rangeResult {
		rq, err := loghttp.ParseRangeQuery(v, now)
		if err != nil {
			return r, err
		}
		r.start, r.end, r.step = rq.Start, rq.End, rq.Step
	} else {
		sq, err := loghttp.ParseStatsQuery(v, now)
		if err != nil {
			return r, err
		}
		r.start, r.end = sq.Start, sq.End
	}
	if s := v.Get("limit"); s != "" {
		if r.limit, err = strconv.Atoi(s); err != nil || r.limit <= 0 {
			return r, badRequest(fmt.Errorf("limit must be a positive value"))
		}
	}
	for _, t := range strings.Split(v.Get("targetLabels"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			if !labels.IsValidName(t) {
				return r, badRequest(fmt.Errorf("invalid target label %q", t))
			}
			r.target = append(r.target, t)
		}
	}
	switch a := v.Get("aggregateBy"); a {
	case "", "series":
	case "labels":
		r.byLabels = true
	default:
		return r, badRequest(fmt.Errorf("invalid aggregateBy %q: want series or labels", a))
	}
	return r, nil
}

// groupLabels are the labels the volume is summed by.
func (r volumeRequest) groupLabels() []string {
	if len(r.target) > 0 {
		return r.target
	}
	var out []string
	for _, m := range r.matchers {
		if !slices.Contains(out, m.Name) {
			out = append(out, m.Name)
		}
	}
	return out
}

func (q *Querier) handleVolume(rangeResult bool) func(http.ResponseWriter, *http.Request, url.Values, string) error {
	return func(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
		req, err := parseVolume(v, q.now(), rangeResult)
		if err != nil {
			return err
		}
		if err := q.checkLength(id, req.start, req.end); err != nil {
			return err
		}
		rng := req.end.Sub(req.start)
		p := logql.Params{Start: req.end.UnixNano(), End: req.end.UnixNano()}
		if rangeResult {
			rng = req.step
			p = logql.Params{Start: req.start.Add(req.step).UnixNano(), End: req.end.UnixNano(), Step: req.step}
			if p.Start > p.End {
				p.Start = p.End
			}
		}
		if rng <= 0 {
			rng = time.Millisecond
		}
		inner := fmt.Sprintf("bytes_over_time(%s[%dms])", req.selector, rng.Milliseconds())
		if req.byLabels {
			// One series per stream; summed per label name below.
			p.Query = inner
		} else {
			p.Query = fmt.Sprintf("sum by (%s) (%s)", strings.Join(req.groupLabels(), ","), inner)
		}
		st := &queryStats{}
		ctx := withStats(r.Context(), st)
		res, err := q.engineFor(id).Exec(ctx, p)
		if err != nil {
			if logql.IsBadRequest(err) {
				return badRequest(err)
			}
			return err
		}
		out := toWire(res)
		if req.byLabels {
			out = volumeByLabels(out, req.target)
		}
		keepLargest(out, req.limit)
		out.Stats = st.result()
		return loghttp.WriteQueryResponse(w, out, false)
	}
}

// volumeByLabels turns per-stream volumes into one series per label name, {name=""}, summing
// the streams that carry it (only the target labels when given).
func volumeByLabels(in *loghttp.QueryResult, target []string) *loghttp.QueryResult {
	want := func(name string) bool { return len(target) == 0 || slices.Contains(target, name) }
	out := &loghttp.QueryResult{Type: in.Type}
	switch in.Type {
	case loghttp.ResultVector:
		sums := map[string]*loghttp.Sample{}
		for _, s := range in.Vector {
			for _, l := range s.Metric {
				if !want(l.Name) {
					continue
				}
				if sums[l.Name] == nil {
					sums[l.Name] = &loghttp.Sample{Metric: labels.FromStrings(l.Name, ""), Point: loghttp.Point{T: s.T}}
				}
				sums[l.Name].V += s.V
			}
		}
		for _, s := range sums {
			out.Vector = append(out.Vector, *s)
		}
		slices.SortFunc(out.Vector, func(a, b loghttp.Sample) int { return labels.Compare(a.Metric, b.Metric) })
	case loghttp.ResultMatrix:
		sums := map[string]map[int64]float64{}
		for _, s := range in.Matrix {
			for _, l := range s.Metric {
				if !want(l.Name) {
					continue
				}
				if sums[l.Name] == nil {
					sums[l.Name] = map[int64]float64{}
				}
				for _, p := range s.Points {
					sums[l.Name][p.T] += p.V
				}
			}
		}
		for name, pts := range sums {
			se := loghttp.Series{Metric: labels.FromStrings(name, "")}
			for t, v := range pts {
				se.Points = append(se.Points, loghttp.Point{T: t, V: v})
			}
			slices.SortFunc(se.Points, func(a, b loghttp.Point) int { return cmp.Compare(a.T, b.T) })
			out.Matrix = append(out.Matrix, se)
		}
		slices.SortFunc(out.Matrix, func(a, b loghttp.Series) int { return labels.Compare(a.Metric, b.Metric) })
	}
	return out
}

// keepLargest drops series without labels and keeps the limit largest (by total bytes), largest
// first.
func keepLargest(res *loghttp.QueryResult, limit int) {
	switch res.Type {
	case loghttp.ResultVector:
		res.Vector = slices.DeleteFunc(res.Vector, func(s loghttp.Sample) bool { return len(s.Metric) == 0 })
		slices.SortStableFunc(res.Vector, func(a, b loghttp.Sample) int { return cmp.Compare(b.V, a.V) })
		res.Vector = res.Vector[:min(limit, len(res.Vector))]
	case loghttp.ResultMatrix:
		res.Matrix = slices.DeleteFunc(res.Matrix, func(s loghttp.Series) bool { return len(s.Metric) == 0 })
		total := func(s loghttp.Series) (t float64) {
			for _, p := range s.Points {
				t += p.V
			}
			return t
		}
		slices.SortStableFunc(res.Matrix, func(a, b loghttp.Series) int { return cmp.Compare(total(b), total(a)) })
		res.Matrix = res.Matrix[:min(limit, len(res.Matrix))]
	}
}
