package querier

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

func TestPatterns(t *testing.T) {
	var es []iter.Entry
	for i := 0; i < 6; i++ {
		es = append(es, iter.Entry{Timestamp: ts(10 - i), Line: fmt.Sprintf("GET /api/users/%d took %dms status ok", i, 10*i)})
	}
	es = append(es,
		iter.Entry{Timestamp: ts(3), Line: "connection reset by peer"},
		iter.Entry{Timestamp: ts(2), Line: "connection refused by peer"},
		iter.Entry{Timestamp: ts(1), Line: "cache warmed"})
	src := (&memSource{}).add(labels.FromStrings("app", "api"), es...)
	e := newEnv(t, envOpts{ingesters: replicated(src, 1)})
	start := now.Add(-15 * time.Minute)
	code, body, _ := e.get(t, "/loki/api/v1/patterns", url.Values{
		"query": {`{app="api"}`}, "start": {fmt.Sprint(start.UnixNano())}, "end": {fmt.Sprint(now.UnixNano())}, "step": {"5m"},
	})
	s := func(m int) int64 { return start.Add(time.Duration(m) * time.Minute).Unix() }
	want := fmt.Sprintf(`{"status":"success","data":[`+
		`{"pattern":"GET <_> took <_> status ok","samples":[[%d,5],[%d,1]]},`+
		`{"pattern":"connection <_> by peer","samples":[[%d,2]]},`+
		`{"pattern":"cache warmed","samples":[[%d,1]]}]}`, s(5), s(10), s(10), s(10))
	if code != 200 || strings.TrimSpace(body) != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
	if code, body, _ := e.get(t, "/loki/api/v1/patterns", url.Values{"query": {`{app=`}}); code != 400 {
		t.Fatalf("bad query: %d %s", code, body)
	}
}

func FuzzPatternSet(f *testing.F) {
	for _, s := range []string{"GET /a 200", "a b c", "", "   ", "x\x00y 1"} {
		f.Add(s, s+" 2")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		p := &patternSet{groups: map[string][]*patternCluster{}}
		p.add(a, 0)
		p.add(b, 1)
		p.add(a, 1)
		var n int64
		for _, c := range p.all {
			n += c.total
			if len(c.tokens) == 0 {
				t.Fatal("empty pattern")
			}
		}
		want := int64(0)
		for _, l := range []string{a, b, a} {
			if len(strings.Fields(l)) > 0 {
				want++
			}
		}
		if n != want {
			t.Fatalf("%d lines counted, want %d", n, want)
		}
	})
}
