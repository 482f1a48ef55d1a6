package querier

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// /loki/api/v1/patterns (Logs Drilldown's Patterns tab). Loki keeps patterns in a pattern
// ingester; Skald clusters, on demand, the newest lines of the range (up to the tenant's max
// entries per query) with a simplified Drain: lines are split on spaces, tokens holding a digit
// are variables from the start, and a line joins the first cluster of its length and first
// token that agrees on at least half of the remaining positions; positions that disagree
// become <_>. Each pattern has its count per step, [seconds, count] pairs.

const (
	patternVar        = "<_>"
	patternSimilarity = 0.5
	maxPatterns       = 1000
	maxPatternTokens  = 128
)

type patternCluster struct {
	tokens []string
	counts map[int64]int64 // bucket start (Unix seconds) -> lines
	total  int64
}

type patternSet struct {
	groups map[string][]*patternCluster // length and first token -> clusters
	all    []*patternCluster
}

func tokenize(line string) []string {
	toks := strings.Fields(line)
	if len(toks) > maxPatternTokens {
		toks = append(toks[:maxPatternTokens-1], patternVar)
	}
	for i, t := range toks {
		if strings.IndexFunc(t, unicode.IsDigit) >= 0 {
			toks[i] = patternVar
		}
	}
	return toks
}

func (p *patternSet) add(line string, bucket int64) {
	toks := tokenize(line)
	if len(toks) == 0 {
		return
	}
	key := string(rune(len(toks))) + "\x00" + toks[0]
	var best *patternCluster
	for _, c := range p.groups[key] {
		same, vars := 0, 0
		for i, t := range toks {
			switch {
			case c.tokens[i] == patternVar:
				vars++
			case c.tokens[i] == t:
				same++
			}
		}
		if rest := len(toks) - vars; rest == 0 || float64(same)/float64(rest) >= patternSimilarity {
			best = c
			break
		}
	}
	if best == nil {
		if len(p.all) >= maxPatterns {
			return
		}
		best = &patternCluster{tokens: toks, counts: map[int64]int64{}}
		p.groups[key] = append(p.groups[key], best)
		p.all = append(p.all, best)
	} else {
		for i, t := range toks {
			if best.tokens[i] != t {
				best.tokens[i] = patternVar
			}
		}
	}
	best.counts[bucket]++
	best.total++
}

func (q *Querier) handlePatterns(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := loghttp.ParseRangeQuery(v, q.now())
	if err != nil {
		return err
	}
	expr, err := syntax.ParseLogSelector(req.Query, true)
	if err != nil {
		return badRequest(err)
	}
	limit := uint32(q.limits.MaxEntriesLimitPerQuery(id))
	if limit == 0 {
		limit = 5000
	}
	res, err := q.engineFor(id).Exec(withStats(r.Context(), nil), logql.Params{
		Query: expr.String(), Start: req.Start.UnixNano(), End: req.End.UnixNano(), Limit: limit, Direction: iter.Backward,
	})
	if err != nil {
		if logql.IsBadRequest(err) {
			return badRequest(err)
		}
		return err
	}
	set := &patternSet{groups: map[string][]*patternCluster{}}
	step := req.Step.Nanoseconds()
	start := req.Start.UnixNano()
	for _, s := range res.Streams {
		for _, e := range s.Entries {
			bucket := start + (e.Timestamp-start)/step*step
			set.add(e.Line, bucket/1e9)
		}
	}
	slices.SortStableFunc(set.all, func(a, b *patternCluster) int { return cmp.Compare(b.total, a.total) })
	type pattern struct {
		Pattern string     `json:"pattern"`
		Samples [][2]int64 `json:"samples"`
	}
	out := struct {
		Status string    `json:"status"`
		Data   []pattern `json:"data"`
	}{Status: "success", Data: make([]pattern, 0, len(set.all))}
	for _, c := range set.all {
		p := pattern{Pattern: strings.Join(c.tokens, " ")}
		for b, n := range c.counts {
			p.Samples = append(p.Samples, [2]int64{b, n})
		}
		slices.SortFunc(p.Samples, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
		out.Data = append(out.Data, p)
	}
	return loghttp.WriteJSON(w, out)
}
