package logcli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
)

// pagingLoki holds two streams whose lines share timestamps (so batch boundaries fall inside
// groups of equal timestamps) and answers query_range honouring start, end, limit and
// direction like Loki, with a per-request cap.
type pagingLoki struct {
	streams  map[string][]iter.Entry // labels -> ascending entries
	cap      int
	requests atomic.Int32
}

func newPagingLoki(n int) *pagingLoki {
	p := &pagingLoki{streams: map[string][]iter.Entry{}, cap: 5000}
	for i := 0; i < n; i++ {
		lbl := fmt.Sprintf(`{s="%d"}`, i%2)
		// Three lines per timestamp.
		p.streams[lbl] = append(p.streams[lbl], iter.Entry{Timestamp: testNow.Add(-time.Hour).UnixNano() + int64(i/3), Line: fmt.Sprintf("line %05d", i)})
	}
	return p
}

func (p *pagingLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	q, err := loghttp.ParseRangeQuery(r.URL.Query(), testNow)
	if err != nil {
		loghttp.WriteError(w, err)
		return
	}
	if int(q.Limit) > p.cap {
		http.Error(w, "max entries limit per query exceeded", http.StatusBadRequest)
		return
	}
	type e struct {
		lbl string
		e   iter.Entry
	}
	var all []e
	for lbl, es := range p.streams {
		for _, en := range es {
			if en.Timestamp >= q.Start.UnixNano() && en.Timestamp < q.End.UnixNano() {
				all = append(all, e{lbl, en})
			}
		}
	}
	slices.SortFunc(all, func(a, b e) int {
		if a.e.Timestamp != b.e.Timestamp {
			if q.Direction == iter.Forward {
				return int(a.e.Timestamp - b.e.Timestamp)
			}
			return int(b.e.Timestamp - a.e.Timestamp)
		}
		return strings.Compare(a.lbl+a.e.Line, b.lbl+b.e.Line)
	})
	all = all[:min(len(all), int(q.Limit))]
	res := &loghttp.QueryResult{Type: loghttp.ResultStreams}
	idx := map[string]int{}
	for _, x := range all {
		i, ok := idx[x.lbl]
		if !ok {
			ls, _ := labels.Parse(x.lbl)
			i = len(res.Streams)
			idx[x.lbl] = i
			res.Streams = append(res.Streams, loghttp.Stream{Labels: ls})
		}
		res.Streams[i].Entries = append(res.Streams[i].Entries, x.e)
	}
	_ = loghttp.WriteQueryResponse(w, res, false)
}

func TestBatchedQuery(t *testing.T) {
	for _, tc := range []struct {
		name    string
		total   int
		args    []string
		lo, hi  int // the lines expected, numbered
		wantReq int32
	}{
		// 99 lines in 33 timestamps: the limit ends on a timestamp, batches of 7 do not.
		{"backward in batches of 7", 99, []string{"--limit=51", "--batch=7"}, 48, 98, 8},
		{"forward in batches of 7", 99, []string{"--limit=51", "--batch=7", "--forward"}, 0, 50, 8},
		{"everything, fewer lines than the limit", 100, []string{"--limit=500", "--batch=30", "--forward"}, 0, 99, 4},
		{"limit above the server's cap", 12000, []string{"--limit=12000"}, 0, 11999, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPagingLoki(tc.total)
			srv := httptest.NewServer(p)
			defer srv.Close()
			args := append([]string{"-o", "raw", "--since=2h"}, tc.args...)
			out, _, err := runCmd(t, srv, map[string]string{"LOKI_ORG_ID": "t"}, append(args, `{s=~".+"}`)...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			seen := map[string]bool{}
			for _, l := range lines {
				if seen[l] {
					t.Fatalf("%q printed twice", l)
				}
				seen[l] = true
			}
			for i := tc.lo; i <= tc.hi; i++ {
				if !seen[fmt.Sprintf("line %05d", i)] {
					t.Fatalf("line %d missing", i)
				}
			}
			if len(lines) != tc.hi-tc.lo+1 {
				t.Fatalf("%d lines, want %d", len(lines), tc.hi-tc.lo+1)
			}
			if got := p.requests.Load(); got != tc.wantReq {
				t.Fatalf("%d requests, want %d", got, tc.wantReq)
			}
		})
	}
}
