//go:build e2e

package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

// line is one entry to push.
type line struct {
	ts   int64
	text string
	meta map[string]string
}

// stream is a label set in selector form and its entries.
type stream struct {
	labels  string
	labelsM map[string]string
	entries []line
}

func jsonBody(streams []stream) []byte {
	type js struct {
		Stream map[string]string `json:"stream"`
		Values [][]any           `json:"values"`
	}
	var body struct {
		Streams []js `json:"streams"`
	}
	for _, s := range streams {
		v := js{Stream: s.labelsM}
		for _, e := range s.entries {
			val := []any{strconv.FormatInt(e.ts, 10), e.text}
			if e.meta != nil {
				val = append(val, e.meta)
			}
			v.Values = append(v.Values, val)
		}
		body.Streams = append(body.Streams, v)
	}
	b, _ := json.Marshal(body)
	return b
}

func protoBody(streams []stream) []byte {
	req := &logproto.PushRequest{}
	for _, s := range streams {
		sa := &logproto.StreamAdapter{Labels: s.labels}
		for _, e := range s.entries {
			ea := &logproto.EntryAdapter{Timestamp: timestamppb.New(timeFromNs(e.ts)), Line: e.text}
			keys := make([]string, 0, len(e.meta))
			for k := range e.meta {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ea.StructuredMetadata = append(ea.StructuredMetadata, &logproto.LabelPairAdapter{Name: k, Value: e.meta[k]})
			}
			sa.Entries = append(sa.Entries, ea)
		}
		req.Streams = append(req.Streams, sa)
	}
	b, err := proto.Marshal(req)
	if err != nil {
		panic(err)
	}
	return snappy.Encode(nil, b)
}

func gzipBody(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// pushJSON, pushProto and pushGzipJSON push in the three encodings and return the status.
func (p *proc) push(t *testing.T, encoding string, streams []stream) (int, string) {
	t.Helper()
	var (
		body    []byte
		headers = map[string]string{}
	)
	switch encoding {
	case "json":
		body, headers["Content-Type"] = jsonBody(streams), "application/json"
	case "gzip":
		body, headers["Content-Type"], headers["Content-Encoding"] = gzipBody(jsonBody(streams)), "application/json", "gzip"
	case "protobuf":
		body, headers["Content-Type"] = protoBody(streams), "application/x-protobuf"
	default:
		t.Fatalf("unknown encoding %s", encoding)
	}
	code, resp, err := post(p.url("/loki/api/v1/push"), body, headers)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return code, resp
}

// queryResponse is Loki's query envelope.
type queryResponse struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
		Stats      map[string]any  `json:"stats"`
	} `json:"data"`
}

type streamResult struct {
	Stream map[string]string `json:"stream"`
	Values [][]string        `json:"values"`
}

type vectorResult struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

type matrixResult struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

func (p *proc) query(t *testing.T, path string, params url.Values) queryResponse {
	t.Helper()
	var qr queryResponse
	code, body := p.get(path, params, &qr)
	if code != 200 {
		t.Fatalf("GET %s %v: %d %s", path, params, code, body)
	}
	if qr.Status != "success" {
		t.Fatalf("GET %s: status %q", path, qr.Status)
	}
	return qr
}

func decodeResult[T any](t *testing.T, qr queryResponse) []T {
	t.Helper()
	var out []T
	if err := json.Unmarshal(qr.Data.Result, &out); err != nil {
		t.Fatalf("decode %s result: %v", qr.Data.ResultType, err)
	}
	return out
}

// instantValue runs an instant metric query that yields one sample and returns its value.
func (p *proc) instantValue(t *testing.T, q string, at int64) float64 {
	t.Helper()
	qr := p.query(t, "/loki/api/v1/query", url.Values{"query": {q}, "time": {strconv.FormatInt(at, 10)}})
	vec := decodeResult[vectorResult](t, qr)
	if len(vec) == 0 {
		return 0
	}
	if len(vec) != 1 {
		t.Fatalf("%s: %d series, want 1", q, len(vec))
	}
	v, err := strconv.ParseFloat(fmt.Sprint(vec[0].Value[1]), 64)
	if err != nil {
		t.Fatalf("%s: value %v: %v", q, vec[0].Value[1], err)
	}
	return v
}

// allLines pages forward through every entry of a selector in [start, end) and returns them.
func (p *proc) allLines(t *testing.T, selector string, start, end int64) []line {
	t.Helper()
	var out []line
	for {
		qr := p.query(t, "/loki/api/v1/query_range", url.Values{
			"query": {selector}, "start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)},
			"limit": {"5000"}, "direction": {"forward"},
		})
		var page []line
		for _, s := range decodeResult[streamResult](t, qr) {
			for _, v := range s.Values {
				ts, _ := strconv.ParseInt(v[0], 10, 64)
				page = append(page, line{ts: ts, text: v[1]})
			}
		}
		sort.Slice(page, func(i, j int) bool { return page[i].ts < page[j].ts })
		if len(page) == 0 {
			return out
		}
		// Lines at the last timestamp may continue on the next page: keep only those before it
		// unless the page was not full.
		if len(page) < 5000 {
			return append(out, page...)
		}
		last := page[len(page)-1].ts
		cut := len(page)
		for cut > 0 && page[cut-1].ts == last {
			cut--
		}
		if cut == 0 {
			t.Fatalf("more than 5000 lines at one timestamp in %s", selector)
		}
		out = append(out, page[:cut]...)
		start = last
	}
}

func labelsString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.Quote(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func newStream(m map[string]string) stream {
	return stream{labels: labelsString(m), labelsM: m}
}
