package querier

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// handleLegacyQuery serves /api/prom/query, Loki's pre-v1 log query endpoint: the parameters
// of query_range, log queries only, answered in the legacy streams shape.
func (q *Querier) handleLegacyQuery(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := loghttp.ParseRangeQuery(v, q.now())
	if err != nil {
		return err
	}
	expr, err := syntax.ParseExpr(req.Query)
	if err != nil {
		return badRequest(err)
	}
	if _, ok := expr.(syntax.LogSelectorExpr); !ok {
		return badRequest(fmt.Errorf("legacy endpoints only support %s result type", loghttp.ResultStreams))
	}
	if err := q.checkLength(id, req.Start, req.End); err != nil {
		return err
	}
	if limit := q.limits.MaxEntriesLimitPerQuery(id); limit > 0 && int64(req.Limit) > int64(limit) {
		return badRequest(fmt.Errorf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", req.Limit, limit))
	}
	res, err := q.engineFor(id).Exec(withStats(r.Context(), nil), logql.Params{
		Query: req.Query, Start: req.Start.UnixNano(), End: req.End.UnixNano(), Limit: req.Limit, Direction: req.Direction,
	})
	if err != nil {
		if logql.IsBadRequest(err) {
			return badRequest(err)
		}
		return err
	}
	return loghttp.WriteLegacyStreams(w, toWire(res).Streams)
}
