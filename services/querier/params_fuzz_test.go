package querier

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/skaldlogs/skald/pkg/loghttp"
)

// FuzzVolumeAndShards feeds arbitrary query strings to the querier's own parameter parsers
// (index/volume's and the shards list): no panic, every error a 400, and accepted volume
// requests have a positive limit and a selector.
func FuzzVolumeAndShards(f *testing.F) {
	for _, s := range []string{
		`query={app=~".+"}`, `query={a="b"}&targetLabels=env,pod&aggregateBy=labels&limit=5`,
		`query={a="b"}&aggregateBy=pods`, `query={a="b"}&limit=0`, `query={a="b"}&step=60&start=1`,
		`shards=0_of_2,1_of_2`, `shards=3_of_2`, `shards=x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, rng := range []bool{false, true} {
			r, err := parseVolume(v, now, rng)
			if err != nil {
				if loghttp.StatusOf(err) != http.StatusBadRequest {
					t.Fatalf("%q: %v is not a 400", raw, err)
				}
				continue
			}
			if r.limit <= 0 || len(r.matchers) == 0 {
				t.Fatalf("%q: accepted %+v", raw, r)
			}
		}
		shards, err := parseShards(v["shards"])
		if err != nil && loghttp.StatusOf(err) != http.StatusBadRequest {
			t.Fatalf("%q: %v is not a 400", raw, err)
		}
		for _, s := range shards {
			if s.Of == 0 || s.Index >= s.Of {
				t.Fatalf("%q: accepted shard %+v", raw, s)
			}
		}
	})
}
