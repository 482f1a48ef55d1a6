package chunk

import (
	"fmt"
	"math/rand/v2"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

var (
	flogMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
	flogPaths   = []string{"/api/v1/users", "/login", "/checkout/cart", "/static/app.js", "/metrics", "/search?q=shoes", "/orders/%d"}
	flogAgents  = []string{"Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Go-http-client/1.1", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)"}
	flogLevels  = []string{"info", "warn", "error", "debug"}
)

// flogEntries returns n flog-like entries (Apache common log and JSON lines) with increasing,
// sometimes equal, timestamps; every 7th entry carries structured metadata when withMeta.
func flogEntries(seed uint64, n int, withMeta bool) []iter.Entry {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	ts := int64(1_700_000_000_000_000_000)
	out := make([]iter.Entry, 0, n)
	for i := 0; i < n; i++ {
		ts += int64(r.IntN(3)) * int64(r.IntN(2_000_000))
		ip := fmt.Sprintf("%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		path := flogPaths[r.IntN(len(flogPaths))]
		if path == "/orders/%d" {
			path = fmt.Sprintf(path, r.IntN(100000))
		}
		status := []int{200, 200, 200, 201, 204, 301, 404, 500, 503}[r.IntN(9)]
		var line string
		if r.IntN(2) == 0 {
			line = fmt.Sprintf(`%s - user%d [25/Nov/2026:14:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "-" "%s"`,
				ip, r.IntN(5000), r.IntN(60), r.IntN(60), flogMethods[r.IntN(len(flogMethods))], path, status, r.IntN(50000), flogAgents[r.IntN(len(flogAgents))])
		} else {
			line = fmt.Sprintf(`{"host":"%s","user-identifier":"user%d","datetime":"25/Nov/2026:14:%02d:%02d +0000","method":"%s","request":"%s","protocol":"HTTP/2.0","status":%d,"bytes":%d,"level":"%s","trace_id":"%016x"}`,
				ip, r.IntN(5000), r.IntN(60), r.IntN(60), flogMethods[r.IntN(len(flogMethods))], path, status, r.IntN(50000), flogLevels[r.IntN(4)], r.Uint64())
		}
		e := iter.Entry{Timestamp: ts, Line: line}
		if withMeta && i%7 == 0 {
			e.StructuredMetadata = labels.FromStrings("trace_id", fmt.Sprintf("%08x", r.Uint32()), "pod", "api-7f9")
		}
		out = append(out, e)
	}
	return out
}

func build(entries []iter.Entry, opts Options) ([]byte, Meta, error) {
	b := NewBuilder(opts)
	for _, e := range entries {
		if err := b.Append(e.Timestamp, e.Line, e.StructuredMetadata); err != nil {
			return nil, Meta{}, err
		}
	}
	return b.Finish()
}

func drain(it iter.EntryIterator) ([]iter.Entry, error) {
	var out []iter.Entry
	for it.Next() {
		out = append(out, it.At())
	}
	return out, it.Err()
}
