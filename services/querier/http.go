package querier

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/tenant"
)

// RegisterRoutes mounts Loki's query API on mux: /loki/api/v1/{query, query_range, labels,
// label/{name}/values, series, format_query, index/stats, index/volume, index/volume_range,
// tail, detected_fields, detected_field/{name}/values, detected_labels, patterns,
// status/buildinfo} and the legacy /api/prom/{query, label, label/{name}/values, series}.
func (q *Querier) RegisterRoutes(mux *http.ServeMux) {
	routes := []struct {
		path  string
		route string
		h     func(w http.ResponseWriter, r *http.Request, v url.Values, tenantID string) error
	}{
		{"/loki/api/v1/query", "loki_api_v1_query", q.handleInstantQuery},
		{"/loki/api/v1/query_range", "loki_api_v1_query_range", q.handleRangeQuery},
		{"/loki/api/v1/labels", "loki_api_v1_labels", q.handleLabels},
		{"/loki/api/v1/label", "loki_api_v1_labels", q.handleLabels},
		{"/loki/api/v1/label/{name}/values", "loki_api_v1_label_name_values", q.handleLabels},
		{"/loki/api/v1/series", "loki_api_v1_series", q.handleSeries},
		{"/loki/api/v1/index/stats", "loki_api_v1_index_stats", q.handleIndexStats},
		{"/loki/api/v1/index/volume", "loki_api_v1_index_volume", q.handleVolume(false)},
		{"/loki/api/v1/index/volume_range", "loki_api_v1_index_volume_range", q.handleVolume(true)},
		{"/loki/api/v1/tail", "loki_api_v1_tail", q.handleTail},
		{"/loki/api/v1/detected_fields", "loki_api_v1_detected_fields", q.handleDetectedFields},
		{"/loki/api/v1/detected_field/{name}/values", "loki_api_v1_detected_field_values", q.handleDetectedFieldValues},
		{"/loki/api/v1/detected_labels", "loki_api_v1_detected_labels", q.handleDetectedLabels},
		{"/loki/api/v1/patterns", "loki_api_v1_patterns", q.handlePatterns},
		{"/api/prom/query", "api_prom_query", q.handleLegacyQuery},
		{"/api/prom/label", "api_prom_label", q.handleLabels},
		{"/api/prom/label/{name}/values", "api_prom_label_name_values", q.handleLabels},
		{"/api/prom/series", "api_prom_series", q.handleSeries},
	}
	for _, rt := range routes {
		mux.Handle(rt.path, q.wrap(rt.route, true, rt.h))
	}
	mux.Handle("/loki/api/v1/format_query", q.wrap("loki_api_v1_format_query", false, q.handleFormatQuery))
	mux.Handle("/loki/api/v1/status/buildinfo", q.wrap("loki_api_v1_status_buildinfo", false,
		func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ string) error {
			return loghttp.WriteBuildInfo(w, q.build)
		}))
}

// wrap checks the method, reads the form and the tenant, applies the tenant's query timeout,
// writes errors as Loki does and records the request's duration.
func (q *Querier) wrap(route string, needTenant bool, h func(http.ResponseWriter, *http.Request, url.Values, string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		err := q.serve(sw, r, needTenant, h)
		if err != nil {
			if errors.Is(err, context.Canceled) && r.Context().Err() == nil {
				// Cancelled by us, not by the client: our own timeout.
				err = fmt.Errorf("%w", context.DeadlineExceeded)
			}
			if !sw.wrote {
				loghttp.WriteError(sw, err)
			}
			if code := loghttp.StatusOf(err); code >= 500 {
				q.logger.Warn("query request failed", "route", route, "status", code, "err", err)
			}
		}
		q.metrics.requestDuration.WithLabelValues(route, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

func (q *Querier) serve(w http.ResponseWriter, r *http.Request, needTenant bool, h func(http.ResponseWriter, *http.Request, url.Values, string) error) error {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		return &loghttp.Error{Status: http.StatusMethodNotAllowed, Err: errors.New("method not allowed")}
	}
	v, err := loghttp.Form(r)
	if err != nil {
		return err
	}
	if !needTenant {
		return h(w, r, v, "")
	}
	id, err := tenant.FromHTTP(r, q.cfg.AuthEnabled, q.cfg.NoAuthTenant)
	if err != nil {
		if errors.Is(err, tenant.ErrNoOrgID) {
			return err
		}
		return badRequest(err)
	}
	ctx := tenant.InjectContext(r.Context(), id)
	// A tail lives for up to TailMaxDuration, not a query's timeout.
	if d := q.limits.QueryTimeout(id); d > 0 && r.URL.Path != "/loki/api/v1/tail" {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	return h(w, r.WithContext(ctx), v, id)
}

// statusWriter remembers the status written, for metrics, and whether anything was written,
// so an error after the response started is not written into its body.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	s.code, s.wrote = code, true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Hijack lets the tail endpoint upgrade to a WebSocket.
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response writer cannot hijack")
	}
	s.wrote = true
	return h.Hijack()
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (q *Querier) handleInstantQuery(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := loghttp.ParseInstantQuery(v, q.now())
	if err != nil {
		return err
	}
	ts := req.Time.UnixNano()
	return q.exec(w, r, id, logql.Params{Query: req.Query, Start: ts, End: ts, Limit: req.Limit, Direction: req.Direction}, req.Shards)
}

func (q *Querier) handleRangeQuery(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := loghttp.ParseRangeQuery(v, q.now())
	if err != nil {
		return err
	}
	if err := q.checkLength(id, req.Start, req.End); err != nil {
		return err
	}
	return q.exec(w, r, id, logql.Params{
		Query: req.Query, Start: req.Start.UnixNano(), End: req.End.UnixNano(), Step: req.Step,
		Interval: req.Interval, Limit: req.Limit, Direction: req.Direction,
	}, req.Shards)
}

// exec runs a query through the engine and writes Loki's response with the stats of the
// engine and of the fan-out.
func (q *Querier) exec(w http.ResponseWriter, r *http.Request, id string, p logql.Params, shards []string) error {
	var err error
	if p.Shards, err = parseShards(shards); err != nil {
		return err
	}
	expr, err := syntax.ParseExpr(p.Query)
	if err != nil {
		return badRequest(err)
	}
	if _, isLog := expr.(syntax.LogSelectorExpr); isLog {
		if limit := q.limits.MaxEntriesLimitPerQuery(id); limit > 0 && int64(p.Limit) > int64(limit) {
			return badRequest(fmt.Errorf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", p.Limit, limit))
		}
	}
	st := &queryStats{}
	ctx := withStats(r.Context(), st)
	start := time.Now()
	res, err := q.engineFor(id).Exec(ctx, p)
	if err != nil {
		if logql.IsBadRequest(err) {
			return badRequest(err)
		}
		return err
	}
	if limit := q.limits.MaxQuerySeries(id); limit > 0 && max(len(res.Matrix), len(res.Vector)) > limit {
		return badRequest(fmt.Errorf("maximum number of series (%d) reached for a single query; consider reducing query cardinality by adding more specific stream selectors, reducing the time range, or aggregating results with functions like sum(), count() or topk()", limit))
	}
	out := toWire(res)
	categorize := loghttp.CategorizeLabels(r)
	if categorize && out.Type == loghttp.ResultStreams {
		out.Streams = categorized(out.Streams, p.Direction)
	}
	out.Stats = st.result()
	out.Stats.Querier.Store.Chunk.TotalDuplicates += res.Stats.Duplicates
	out.Stats.Summary.TotalEntriesReturned = res.Stats.EntriesReturned
	if out.Stats.Summary.TotalEntriesReturned == 0 {
		for _, s := range res.Streams {
			out.Stats.Summary.TotalEntriesReturned += int64(len(s.Entries))
		}
	}
	out.Stats.Summary.Subqueries = 1
	out.Stats.Finish(time.Since(start).Seconds())
	q.logger.Debug("query", "tenant", id, "query", p.Query, "type", res.Type, "start", p.Start, "end", p.End,
		"step", p.Step, "duration", time.Since(start), "lines", out.Stats.Summary.TotalLinesProcessed,
		"returned", out.Stats.Summary.TotalEntriesReturned, "duplicates", out.Stats.Querier.Store.Chunk.TotalDuplicates)
	return loghttp.WriteQueryResponse(w, out, categorize)
}

// checkLength applies the tenant's max query length with Loki's text.
func (q *Querier) checkLength(id string, start, end time.Time) error {
	limit := q.limits.MaxQueryLength(id)
	if l := end.Sub(start); limit > 0 && l > limit {
		return badRequest(fmt.Errorf("the query time range exceeds the limit (query length: %s, limit: %s)", promDuration(l), promDuration(limit)))
	}
	return nil
}

func (q *Querier) handleLabels(w http.ResponseWriter, r *http.Request, v url.Values, _ string) error {
	name := r.PathValue("name")
	req, err := loghttp.ParseLabelQuery(v, name, q.now())
	if err != nil {
		return err
	}
	vals, err := q.Label(r.Context(), req.Name, req.Start.UnixNano(), req.End.UnixNano(), req.Query)
	if err != nil {
		return err
	}
	return loghttp.WriteLabelsResponse(w, vals)
}

func (q *Querier) handleSeries(w http.ResponseWriter, r *http.Request, v url.Values, _ string) error {
	req, err := loghttp.ParseSeriesQuery(v, q.now())
	if err != nil {
		return err
	}
	series, err := q.Series(r.Context(), req.Start.UnixNano(), req.End.UnixNano(), req.Groups)
	if err != nil {
		return err
	}
	return loghttp.WriteSeriesResponse(w, series)
}

func (q *Querier) handleIndexStats(w http.ResponseWriter, r *http.Request, v url.Values, _ string) error {
	req, err := loghttp.ParseStatsQuery(v, q.now())
	if err != nil {
		return err
	}
	st, err := q.IndexStats(r.Context(), req.Start.UnixNano(), req.End.UnixNano(), req.Query)
	if err != nil {
		return err
	}
	return loghttp.WriteJSON(w, loghttp.IndexStatsResponse{Streams: st.Streams, Chunks: st.Chunks, Entries: st.Entries, Bytes: st.Bytes})
}

func (q *Querier) handleFormatQuery(w http.ResponseWriter, _ *http.Request, v url.Values, _ string) error {
	expr, err := syntax.ParseExpr(v.Get("query"))
	if err != nil {
		return badRequest(err)
	}
	return loghttp.WriteFormatQueryResponse(w, expr.String())
}

func badRequest(err error) error { return loghttp.BadRequest(err) }

// parseShards reads "index_of_count" shard names.
func parseShards(in []string) ([]logql.Shard, error) {
	var out []logql.Shard
	for _, s := range in {
		var sh logql.Shard
		if _, err := fmt.Sscanf(s, "%d_of_%d", &sh.Index, &sh.Of); err != nil || sh.Of == 0 || sh.Index >= sh.Of {
			return nil, badRequest(fmt.Errorf("invalid shard %q", s))
		}
		out = append(out, sh)
	}
	return out, nil
}
