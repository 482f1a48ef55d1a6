package loghttp

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
)

// Defaults and bounds of the query parameters (Loki's).
const (
	DefaultLimit = 100
	// DefaultSince is how far back a query_range reaches when neither start nor since is given.
	DefaultSince = time.Hour
	// DefaultMetadataSince is the same for labels, label values and series.
	DefaultMetadataSince = 6 * time.Hour
	// MaxPoints is the most points a range query may ask for per series.
	MaxPoints = 11000
)

// InstantQuery is a parsed /loki/api/v1/query request.
type InstantQuery struct {
	Query     string
	Time      time.Time
	Limit     uint32
	Direction iter.Direction
	Shards    []string
}

// RangeQuery is a parsed /loki/api/v1/query_range request. Start is inclusive, End exclusive.
type RangeQuery struct {
	Query      string
	Start, End time.Time
	// Step between metric points; always > 0 (the default when the request has none).
	Step time.Duration
	// Interval, for log queries, keeps at most one line per interval; 0 keeps all.
	Interval  time.Duration
	Limit     uint32
	Direction iter.Direction
	Shards    []string
}

// LabelQuery is a parsed labels or label values request.
type LabelQuery struct {
	// Name is the label whose values are asked for; empty for the label names endpoint.
	Name       string
	Start, End time.Time
	// Query is an optional stream selector restricting the streams considered.
	Query string
}

// SeriesQuery is a parsed series request.
type SeriesQuery struct {
	Start, End time.Time
	// Groups are the match[] selectors; a series matching any of them is returned.
	Groups []string
	Shards []string
}

// StatsQuery is a parsed index/stats (or volume) request.
type StatsQuery struct {
	Query      string
	Start, End time.Time
}

// Form returns the parameters of r, from the URL and, for POST, PUT and PATCH, from an
// application/x-www-form-urlencoded body, as Loki reads them.
func Form(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, badRequestf("%s", err.Error())
	}
	return r.Form, nil
}

// ParseInstantQuery reads an instant query's parameters; now is the default time.
func ParseInstantQuery(v url.Values, now time.Time) (InstantQuery, error) {
	var q InstantQuery
	var err error
	q.Query = v.Get("query")
	if q.Time, err = ParseTimestamp(v.Get("time"), now); err != nil {
		return q, err
	}
	if q.Limit, err = parseLimit(v); err != nil {
		return q, err
	}
	if q.Direction, err = parseDirection(v); err != nil {
		return q, err
	}
	q.Shards = shards(v)
	return q, nil
}

// ParseRangeQuery reads a range query's parameters; now is the default end.
func ParseRangeQuery(v url.Values, now time.Time) (RangeQuery, error) {
	var q RangeQuery
	var err error
	q.Query = v.Get("query")
	if q.Start, q.End, err = bounds(v, now, DefaultSince); err != nil {
		return q, err
	}
	if q.Limit, err = parseLimit(v); err != nil {
		return q, err
	}
	if q.Direction, err = parseDirection(v); err != nil {
		return q, err
	}
	q.Step = DefaultStep(q.Start, q.End)
	if s := v.Get("step"); s != "" {
		if q.Step, err = ParseDuration(s); err != nil {
			return q, err
		}
	}
	if q.Step <= 0 {
		return q, badRequestf("zero or negative query resolution step widths are not accepted. Try a positive integer")
	}
	if q.End.Sub(q.Start)/q.Step > MaxPoints {
		return q, badRequestf("exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter")
	}
	if s := v.Get("interval"); s != "" {
		if q.Interval, err = ParseDuration(s); err != nil {
			return q, err
		}
		if q.Interval < 0 {
			return q, badRequestf("interval must be >= 0")
		}
	}
	q.Shards = shards(v)
	return q, nil
}

// ParseLabelQuery reads a labels or label values request; name is the label from the path
// ("" for label names).
func ParseLabelQuery(v url.Values, name string, now time.Time) (LabelQuery, error) {
	q := LabelQuery{Name: name, Query: v.Get("query")}
	var err error
	q.Start, q.End, err = bounds(v, now, DefaultMetadataSince)
	return q, err
}

// ParseSeriesQuery reads a series request: match[] (also accepted as match) at least once.
func ParseSeriesQuery(v url.Values, now time.Time) (SeriesQuery, error) {
	var q SeriesQuery
	var err error
	if q.Start, q.End, err = bounds(v, now, DefaultMetadataSince); err != nil {
		return q, err
	}
	q.Groups = append(append(q.Groups, v["match[]"]...), v["match"]...)
	if len(q.Groups) == 0 {
		return q, badRequestf("0 matcher groups supplied")
	}
	q.Shards = shards(v)
	return q, nil
}

// ParseStatsQuery reads an index/stats request (query, start, end).
func ParseStatsQuery(v url.Values, now time.Time) (StatsQuery, error) {
	q := StatsQuery{Query: v.Get("query")}
	var err error
	q.Start, q.End, err = bounds(v, now, DefaultSince)
	return q, err
}

// DefaultStep is Loki's step for a range query that names none: one point per 250th of the
// range, in whole seconds, at least one second.
func DefaultStep(start, end time.Time) time.Duration {
	secs := math.Max(math.Floor(end.Sub(start).Seconds()/250), 1)
	return time.Duration(secs) * time.Second
}

// bounds reads start, end and since: end defaults to now, start to end-since (since itself
// defaulting to def), and end may not come before start.
func bounds(v url.Values, now time.Time, def time.Duration) (start, end time.Time, err error) {
	if end, err = ParseTimestamp(v.Get("end"), now); err != nil {
		return start, end, err
	}
	since := def
	if s := v.Get("since"); s != "" {
		if since, err = ParseDuration(s); err != nil {
			return start, end, err
		}
	}
	if start, err = ParseTimestamp(v.Get("start"), end.Add(-since)); err != nil {
		return start, end, err
	}
	if end.Before(start) {
		return start, end, badRequestf("end timestamp must not be before or equal to start time")
	}
	return start, end, nil
}

func parseLimit(v url.Values) (uint32, error) {
	s := v.Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequestf("cannot parse %q to a valid limit", s)
	}
	if n <= 0 {
		return 0, badRequestf("limit must be a positive value")
	}
	if n > math.MaxUint32 {
		n = math.MaxUint32
	}
	return uint32(n), nil
}

func parseDirection(v url.Values) (iter.Direction, error) {
	switch s := v.Get("direction"); strings.ToLower(s) {
	case "", "backward":
		return iter.Backward, nil
	case "forward":
		return iter.Forward, nil
	default:
		return iter.Backward, badRequestf("invalid direction '%s'", s)
	}
}

// shards reads Loki's shards parameter: comma-separated "index_of_count" values.
func shards(v url.Values) []string {
	var out []string
	for _, s := range v["shards"] {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
