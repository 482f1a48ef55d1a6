package loggen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Formats a stream's lines can take.
const (
	FormatJSON           = "json"
	FormatLogfmt         = "logfmt"
	FormatApacheCommon   = "apache_common"
	FormatApacheCombined = "apache_combined"
	// FormatMixed gives the streams the other formats in turn.
	FormatMixed = "mixed"
)

var mixedFormats = []string{FormatJSON, FormatApacheCombined, FormatLogfmt, FormatApacheCommon}

// Word lists. Kept small and fixed: they are part of the data set's definition.
var (
	apps     = []string{"api", "web", "auth", "payments", "search", "checkout", "worker", "cart", "catalog", "gateway"}
	envs     = []string{"prod", "staging"}
	methods  = []string{"GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH"}
	paths    = []string{"/api/v1/users", "/api/v1/orders", "/api/v1/items", "/api/v1/cart", "/login", "/logout", "/health", "/search", "/static/app.js", "/static/logo.png", "/checkout", "/api/v2/payments"}
	agents   = []string{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "curl/8.5.0", "Go-http-client/2.0", "python-requests/2.32.3", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	referers = []string{"-", "https://www.example.com/", "https://shop.example.com/cart", "https://www.google.com/", "https://news.example.org/article/42"}
	users    = []string{"-", "-", "-", "alice", "bob", "carol", "dave"}
	infoMsgs = []string{"request completed", "user logged in", "cache hit", "order created", "payment authorized", "item added to cart", "session refreshed"}
	warnMsgs = []string{"slow request", "cache miss", "retrying upstream call", "deprecated endpoint used", "rate limit near"}
	errMsgs  = []string{"upstream timeout", "database connection refused", "payment declined", "invalid token", "internal server error"}
	dbgMsgs  = []string{"query plan chosen", "connection pool stats", "feature flag evaluated"}
)

// Generator produces lines deterministically from a seed. It is not safe for concurrent use.
type Generator struct {
	rng     *rand.Rand
	streams []Stream
	buf     []byte
}

// Stream is one generated stream: its labels and line format.
type Stream struct {
	Labels labels.Labels
	// LabelString is Labels in selector form, precomputed.
	LabelString string
	Format      string
	app         string
	pod         string
}

// NewGenerator returns a generator of n streams (at least 1) in format (one of the Format
// constants; "" means mixed) seeded with seed.
func NewGenerator(seed int64, n int, format string) (*Generator, error) {
	if n < 1 {
		n = 1
	}
	switch format {
	case "":
		format = FormatMixed
	case FormatJSON, FormatLogfmt, FormatApacheCommon, FormatApacheCombined, FormatMixed:
	default:
		return nil, fmt.Errorf("unknown format %q (want json, logfmt, apache_common, apache_combined or mixed)", format)
	}
	g := &Generator{rng: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
	for i := 0; i < n; i++ {
		app := apps[i%len(apps)]
		env := envs[(i/len(apps))%len(envs)]
		// The pod name makes every stream distinct; its suffix is derived from the index only,
		// so stream identities do not depend on the seed.
		pod := fmt.Sprintf("%s-%s-%05x", app, env, (uint32(i)*2654435761)>>12)
		f := format
		if f == FormatMixed {
			f = mixedFormats[i%len(mixedFormats)]
		}
		ls := labels.FromStrings("app", app, "env", env, "pod", pod, "job", "loggen", "format", f)
		g.streams = append(g.streams, Stream{Labels: ls, LabelString: ls.String(), Format: f, app: app, pod: pod})
	}
	return g, nil
}

// Streams returns the generator's streams, indexed as in Entry.Stream. Do not modify.
func (g *Generator) Streams() []Stream { return g.streams }

// Entry is one generated line.
type Entry struct {
	Stream    int
	Timestamp int64 // Unix ns
	Line      string
}

// Next returns the next line, on a stream drawn at random, stamped ts (Unix ns). The text
// depends only on the seed, the sequence of calls and ts.
func (g *Generator) Next(ts int64) Entry {
	s := g.rng.IntN(len(g.streams))
	return Entry{Stream: s, Timestamp: ts, Line: g.Line(s, ts)}
}

// Line returns a new line for stream s at ts. Lines are built by appending into one reusable
// buffer (no fmt): generation must stay far cheaper than what it loads.
func (g *Generator) Line(s int, ts int64) string {
	st := &g.streams[s]
	r := g.rng
	level, status := g.levelStatus()
	method := methods[r.IntN(len(methods))]
	path := paths[r.IntN(len(paths))]
	pathID := -1
	if r.IntN(3) == 0 {
		pathID = r.IntN(100000)
	}
	dur := time.Duration(r.ExpFloat64()*30*float64(time.Millisecond)) + 200*time.Microsecond
	size := 200 + r.IntN(20000)
	ip := [3]int{r.IntN(256), r.IntN(256), 1 + r.IntN(254)}
	trace := [2]uint64{r.Uint64(), r.Uint64()}
	t := time.Unix(0, ts).UTC()

	b := g.buf[:0]
	appendPath := func(b []byte) []byte {
		b = append(b, path...)
		if pathID >= 0 {
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(pathID), 10)
		}
		return b
	}
	appendIP := func(b []byte) []byte {
		b = append(b, "10."...)
		b = strconv.AppendInt(b, int64(ip[0]), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(ip[1]), 10)
		b = append(b, '.')
		return strconv.AppendInt(b, int64(ip[2]), 10)
	}
	appendTrace := func(b []byte) []byte {
		return appendHex16(appendHex16(b, trace[0]), trace[1])
	}
	switch st.Format {
	case FormatJSON:
		b = append(b, `{"ts":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"`...)
		b = append(b, level...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, `,"method":"`...)
		b = append(b, method...)
		b = append(b, `","path":"`...)
		b = appendPath(b)
		b = append(b, `","duration":"`...)
		b = append(b, roundDur(dur)...)
		b = append(b, `","bytes":`...)
		b = strconv.AppendInt(b, int64(size), 10)
		b = append(b, `,"client":"`...)
		b = appendIP(b)
		b = append(b, `","trace_id":"`...)
		b = appendTrace(b)
		b = append(b, `","msg":"`...)
		b = append(b, g.msg(level)...)
		b = append(b, `"}`...)
	case FormatLogfmt:
		b = append(b, "ts="...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, " level="...)
		b = append(b, level...)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, " method="...)
		b = append(b, method...)
		b = append(b, " path="...)
		b = appendPath(b)
		b = append(b, " duration="...)
		b = append(b, roundDur(dur)...)
		b = append(b, " bytes="...)
		b = strconv.AppendInt(b, int64(size), 10)
		b = append(b, " client="...)
		b = appendIP(b)
		b = append(b, " trace_id="...)
		b = appendTrace(b)
		b = append(b, ` msg="`...)
		b = append(b, g.msg(level)...)
		b = append(b, '"')
	default: // Apache common or combined
		b = appendIP(b)
		b = append(b, " - "...)
		b = append(b, users[r.IntN(len(users))]...)
		b = append(b, " ["...)
		b = t.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
		b = append(b, `] "`...)
		b = append(b, method...)
		b = append(b, ' ')
		b = appendPath(b)
		b = append(b, "?trace_id="...)
		b = appendTrace(b)
		b = append(b, ` HTTP/1.1" `...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(size), 10)
		if st.Format == FormatApacheCombined {
			b = append(b, ` "`...)
			b = append(b, referers[r.IntN(len(referers))]...)
			b = append(b, `" "`...)
			b = append(b, agents[r.IntN(len(agents))]...)
			b = append(b, '"')
		}
	}
	g.buf = b
	return string(b)
}

func appendHex16(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[(v>>uint(shift))&0xf])
	}
	return b
}

func roundDur(d time.Duration) string {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// levelStatus draws a level (info 80%, warn 10%, error 5%, debug 5%) and a matching status.
func (g *Generator) levelStatus() (string, int) {
	r := g.rng
	switch p := r.IntN(100); {
	case p < 80:
		return "info", []int{200, 200, 200, 201, 204, 301, 304}[r.IntN(7)]
	case p < 90:
		return "warn", []int{400, 401, 403, 404, 429}[r.IntN(5)]
	case p < 95:
		return "error", []int{500, 502, 503, 504}[r.IntN(4)]
	default:
		return "debug", 200
	}
}

func (g *Generator) msg(level string) string {
	var l []string
	switch level {
	case "warn":
		l = warnMsgs
	case "error":
		l = errMsgs
	case "debug":
		l = dbgMsgs
	default:
		l = infoMsgs
	}
	return l[g.rng.IntN(len(l))]
}
