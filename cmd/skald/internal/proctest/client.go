package proctest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

// Line is one entry to push.
type Line struct {
	TS   int64
	Text string
	Meta map[string]string
}

// Stream is a label set in selector form and its entries.
type Stream struct {
	Labels  string
	LabelsM map[string]string
	Entries []Line
}

func JSONBody(streams []Stream) []byte {
	type js struct {
		Stream map[string]string `json:"stream"`
		Values [][]any           `json:"values"`
	}
	var body struct {
		Streams []js `json:"streams"`
	}
	for _, s := range streams {
		v := js{Stream: s.LabelsM}
		for _, e := range s.Entries {
			val := []any{strconv.FormatInt(e.TS, 10), e.Text}
			if e.Meta != nil {
				val = append(val, e.Meta)
			}
			v.Values = append(v.Values, val)
		}
		body.Streams = append(body.Streams, v)
	}
	b, _ := json.Marshal(body)
	return b
}

func ProtoBody(streams []Stream) []byte {
	req := &logproto.PushRequest{}
	for _, s := range streams {
		sa := &logproto.StreamAdapter{Labels: s.Labels}
		for _, e := range s.Entries {
			ea := &logproto.EntryAdapter{Timestamp: timestamppb.New(time.Unix(0, e.TS)), Line: e.Text}
			keys := make([]string, 0, len(e.Meta))
			for k := range e.Meta {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ea.StructuredMetadata = append(ea.StructuredMetadata, &logproto.LabelPairAdapter{Name: k, Value: e.Meta[k]})
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

func GzipBody(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Push pushes streams in one of the encodings json, gzip (gzipped JSON) or protobuf (snappy)
// and returns the status and body.
func (p *Proc) Push(t testing.TB, encoding string, streams []Stream) (int, string) {
	t.Helper()
	var (
		body    []byte
		headers = map[string]string{}
	)
	switch encoding {
	case "json":
		body, headers["Content-Type"] = JSONBody(streams), "application/json"
	case "gzip":
		body, headers["Content-Type"], headers["Content-Encoding"] = GzipBody(JSONBody(streams)), "application/json", "gzip"
	case "protobuf":
		body, headers["Content-Type"] = ProtoBody(streams), "application/x-protobuf"
	default:
		t.Fatalf("unknown encoding %s", encoding)
	}
	code, resp, err := Post(p.URL("/loki/api/v1/push"), body, headers)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return code, resp
}

// QueryResponse is Loki's query envelope.
type QueryResponse struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
		Stats      map[string]any  `json:"stats"`
	} `json:"data"`
}

type StreamResult struct {
	Stream map[string]string `json:"stream"`
	Values [][]string        `json:"values"`
}

type VectorResult struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

type MatrixResult struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

func (p *Proc) Query(t testing.TB, path string, params url.Values) QueryResponse {
	t.Helper()
	var qr QueryResponse
	code, body := p.Get(path, params, &qr)
	if code != 200 {
		t.Fatalf("GET %s %v: %d %s", path, params, code, body)
	}
	if qr.Status != "success" {
		t.Fatalf("GET %s: status %q", path, qr.Status)
	}
	return qr
}

func DecodeResult[T any](t testing.TB, qr QueryResponse) []T {
	t.Helper()
	var out []T
	if err := json.Unmarshal(qr.Data.Result, &out); err != nil {
		t.Fatalf("decode %s result: %v", qr.Data.ResultType, err)
	}
	return out
}

// InstantValue runs an instant metric query that yields one sample and returns its value.
func (p *Proc) InstantValue(t testing.TB, q string, at int64) float64 {
	t.Helper()
	qr := p.Query(t, "/loki/api/v1/query", url.Values{"query": {q}, "time": {strconv.FormatInt(at, 10)}})
	vec := DecodeResult[VectorResult](t, qr)
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

// AllLines pages forward through every entry of a selector in [start, end) and returns them.
func (p *Proc) AllLines(t testing.TB, selector string, start, end int64) []Line {
	t.Helper()
	var out []Line
	for {
		qr := p.Query(t, "/loki/api/v1/query_range", url.Values{
			"query": {selector}, "start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)},
			"limit": {"5000"}, "direction": {"forward"},
		})
		var page []Line
		for _, s := range DecodeResult[StreamResult](t, qr) {
			for _, v := range s.Values {
				ts, _ := strconv.ParseInt(v[0], 10, 64)
				page = append(page, Line{TS: ts, Text: v[1]})
			}
		}
		sort.Slice(page, func(i, j int) bool { return page[i].TS < page[j].TS })
		if len(page) == 0 {
			return out
		}
		// Lines at the last timestamp may continue on the next page: keep only those before it
		// unless the page was not full.
		if len(page) < 5000 {
			return append(out, page...)
		}
		last := page[len(page)-1].TS
		cut := len(page)
		for cut > 0 && page[cut-1].TS == last {
			cut--
		}
		if cut == 0 {
			t.Fatalf("more than 5000 lines at one timestamp in %s", selector)
		}
		out = append(out, page[:cut]...)
		start = last
	}
}

// LabelsString renders a label map in selector form.
func LabelsString(m map[string]string) string {
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

// NewStream returns an empty stream with the given labels.
func NewStream(m map[string]string) Stream {
	return Stream{Labels: LabelsString(m), LabelsM: m}
}

// Post sends body with the given headers and returns the status and response body.
func Post(u string, body []byte, headers map[string]string) (int, string, error) {
	req, err := http.NewRequest("POST", u, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}
