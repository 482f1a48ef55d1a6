package querier

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// detected_fields, detected_field/{name}/values and detected_labels, the endpoints Grafana's
// query editor and Logs Drilldown use to discover what is in the logs. Fields are found in a
// sample of recent lines (line_limit, newest first): their structured metadata, the labels the
// query's own pipeline extracted, and what the json or logfmt parser (chosen per line by its
// first character) extracts. Types are inferred from the values seen; a field whose values
// disagree is a string.

const (
	defaultDetectedLineLimit  = 100
	defaultDetectedFieldLimit = 1000
)

type detectedRequest struct {
	query      string
	start, end time.Time
	lineLimit  uint32
	fieldLimit int
}

func parseDetected(v url.Values, now time.Time) (detectedRequest, error) {
	r := detectedRequest{query: v.Get("query"), lineLimit: defaultDetectedLineLimit, fieldLimit: defaultDetectedFieldLimit}
	var err error
	if r.start, r.end, err = boundsOf(v, now); err != nil {
		return r, err
	}
	if s := v.Get("line_limit"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return r, badRequest(fmt.Errorf("line_limit must be a positive value"))
		}
		r.lineLimit = uint32(n)
	}
	for _, k := range []string{"limit", "field_limit"} {
		if s := v.Get(k); s != "" {
			if r.fieldLimit, err = strconv.Atoi(s); err != nil || r.fieldLimit <= 0 {
				return r, badRequest(fmt.Errorf("%s must be a positive value", k))
			}
		}
	}
	return r, nil
}

// boundsOf reads start, end and since with a one-hour default.
func boundsOf(v url.Values, now time.Time) (time.Time, time.Time, error) {
	q, err := loghttp.ParseStatsQuery(v, now)
	return q.Start, q.End, err
}

// detectedField accumulates one field.
type detectedField struct {
	name    string
	parsers []string
	values  map[string]struct{}
	typ     string
}

// detector parses sampled lines with json or logfmt, reusing LogQL's own parsers so field
// names match what `| json` and `| logfmt` would produce.
type detector struct {
	json, logfmt log.Pipeline
	fields       map[string]*detectedField
	streams      map[string]log.StreamPipeline
}

func newDetector() (*detector, error) {
	d := &detector{fields: map[string]*detectedField{}, streams: map[string]log.StreamPipeline{}}
	for _, p := range []struct {
		q   string
		dst *log.Pipeline
	}{{`{x="y"} | json`, &d.json}, {`{x="y"} | logfmt`, &d.logfmt}} {
		sel, err := syntax.ParseLogSelector(p.q, false)
		if err != nil {
			return nil, fmt.Errorf("BUG: parse %s: %w", p.q, err)
		}
		if *p.dst, err = sel.Pipeline(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *detector) add(name, value, parser string) {
	if strings.HasPrefix(name, "__") {
		return
	}
	f := d.fields[name]
	if f == nil {
		f = &detectedField{name: name, values: map[string]struct{}{}}
		d.fields[name] = f
	}
	if parser != "" && !slices.Contains(f.parsers, parser) {
		f.parsers = append(f.parsers, parser)
	}
	if _, ok := f.values[value]; !ok {
		f.values[value] = struct{}{}
		t := valueType(value)
		switch {
		case f.typ == "":
			f.typ = t
		case f.typ != t && !(f.typ == "float" && t == "int"):
			if f.typ == "int" && t == "float" {
				f.typ = "float"
			} else {
				f.typ = "string"
			}
		}
	}
}

func (d *detector) entry(streamLabels labels.Labels, e iter.Entry) {
	for _, l := range e.StructuredMetadata {
		d.add(l.Name, l.Value, "")
	}
	for _, l := range e.Parsed {
		d.add(l.Name, l.Value, "")
	}
	parser, pipe := "logfmt", d.logfmt
	if t := strings.TrimSpace(e.Line); strings.HasPrefix(t, "{") {
		parser, pipe = "json", d.json
	}
	key := parser + streamLabels.String()
	sp := d.streams[key]
	if sp == nil {
		sp = pipe.ForStream(streamLabels)
		d.streams[key] = sp
	}
	_, lr, keep := sp.Process(e.Timestamp, []byte(e.Line), nil)
	if !keep || lr.Labels().Has("__error__") {
		return
	}
	for _, l := range lr.Parsed() {
		if !streamLabels.Has(l.Name) {
			d.add(l.Name, l.Value, parser)
		}
	}
}

var bytesRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)? ?([kKMGTPE]i?)?B$`)

// valueType infers a field type from one value, as Loki's detected fields report it.
func valueType(v string) string {
	if v == "true" || v == "false" {
		return "boolean"
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return "int"
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return "float"
	}
	if _, err := time.ParseDuration(v); err == nil {
		return "duration"
	}
	if bytesRe.MatchString(v) {
		return "bytes"
	}
	return "string"
}

// sample runs the query for the newest lineLimit lines and feeds them to a detector.
func (q *Querier) sample(r *http.Request, id string, req detectedRequest) (*detector, error) {
	expr, err := syntax.ParseLogSelector(req.query, true)
	if err != nil {
		return nil, badRequest(err)
	}
	res, err := q.engineFor(id).Exec(withStats(r.Context(), nil), logql.Params{
		Query: expr.String(), Start: req.start.UnixNano(), End: req.end.UnixNano(), Limit: req.lineLimit, Direction: iter.Backward,
	})
	if err != nil {
		if logql.IsBadRequest(err) {
			return nil, badRequest(err)
		}
		return nil, err
	}
	d, err := newDetector()
	if err != nil {
		return nil, err
	}
	for _, s := range res.Streams {
		for _, e := range s.Entries {
			d.entry(s.Labels, e)
		}
	}
	return d, nil
}

func (q *Querier) handleDetectedFields(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := parseDetected(v, q.now())
	if err != nil {
		return err
	}
	d, err := q.sample(r, id, req)
	if err != nil {
		return err
	}
	type field struct {
		Label       string   `json:"label"`
		Type        string   `json:"type"`
		Cardinality int      `json:"cardinality"`
		Parsers     []string `json:"parsers"`
	}
	out := struct {
		Fields []field `json:"fields"`
		Limit  int     `json:"limit"`
	}{Fields: []field{}, Limit: req.fieldLimit}
	for _, f := range d.fields {
		out.Fields = append(out.Fields, field{Label: f.name, Type: f.typ, Cardinality: len(f.values), Parsers: f.parsers})
	}
	slices.SortFunc(out.Fields, func(a, b field) int { return strings.Compare(a.Label, b.Label) })
	out.Fields = out.Fields[:min(len(out.Fields), req.fieldLimit)]
	return loghttp.WriteJSON(w, out)
}

func (q *Querier) handleDetectedFieldValues(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := parseDetected(v, q.now())
	if err != nil {
		return err
	}
	d, err := q.sample(r, id, req)
	if err != nil {
		return err
	}
	values := []string{}
	if f := d.fields[r.PathValue("name")]; f != nil {
		for v := range f.values {
			values = append(values, v)
		}
	}
	slices.Sort(values)
	values = values[:min(len(values), req.fieldLimit)]
	return loghttp.WriteJSON(w, struct {
		Values []string `json:"values"`
		Limit  int      `json:"limit"`
	}{values, req.fieldLimit})
}

// handleDetectedLabels lists the stream labels of the streams matching query (all streams when
// empty) with their number of values; names starting with "__" are internal and left out.
func (q *Querier) handleDetectedLabels(w http.ResponseWriter, r *http.Request, v url.Values, _ string) error {
	start, end, err := boundsOf(v, q.now())
	if err != nil {
		return err
	}
	values := map[string]map[string]struct{}{}
	if sel := v.Get("query"); sel != "" && sel != "{}" {
		series, err := q.Series(r.Context(), start.UnixNano(), end.UnixNano(), []string{sel})
		if err != nil {
			return err
		}
		for _, s := range series {
			for _, l := range s {
				if values[l.Name] == nil {
					values[l.Name] = map[string]struct{}{}
				}
				values[l.Name][l.Value] = struct{}{}
			}
		}
	} else {
		names, err := q.Label(r.Context(), "", start.UnixNano(), end.UnixNano(), "")
		if err != nil {
			return err
		}
		for _, n := range names {
			vals, err := q.Label(r.Context(), n, start.UnixNano(), end.UnixNano(), "")
			if err != nil {
				return err
			}
			values[n] = map[string]struct{}{}
			for _, val := range vals {
				values[n][val] = struct{}{}
			}
		}
	}
	type detected struct {
		Label       string `json:"label"`
		Cardinality int    `json:"cardinality"`
	}
	out := struct {
		DetectedLabels []detected `json:"detectedLabels"`
	}{DetectedLabels: []detected{}}
	for n, vals := range values {
		if !strings.HasPrefix(n, "__") {
			out.DetectedLabels = append(out.DetectedLabels, detected{n, len(vals)})
		}
	}
	slices.SortFunc(out.DetectedLabels, func(a, b detected) int { return strings.Compare(a.Label, b.Label) })
	return loghttp.WriteJSON(w, out)
}
