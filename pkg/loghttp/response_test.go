package loghttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/tenant"
)

// zeroStats is the stats object every response carries when nothing was measured.
var zeroStats = func() string {
	b, _ := json.Marshal(Stats{})
	return string(b)
}()

func TestEncodeQueryResponse(t *testing.T) {
	sm := labels.FromStrings("trace_id", "t1")
	parsed := labels.FromStrings("level", "error")
	for _, tc := range []struct {
		name       string
		res        QueryResult
		categorize bool
		want       string
	}{
		{
			name: "streams",
			res: QueryResult{Type: ResultStreams, Streams: []Stream{{
				Labels:  labels.FromStrings("app", "a", "env", "prod"),
				Entries: []iter.Entry{{Timestamp: 1700000000000000001, Line: "hello \"world\"\n<b>\x01é\u2028\xff"}, {Timestamp: 2, Line: ""}},
			}}},
			want: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"a","env":"prod"},"values":[["1700000000000000001","hello \"world\"\n<b>\u0001é\u2028\ufffd"],["2",""]]}],"stats":` + zeroStats + `}}`,
		},
		{
			name: "streams without categorize fold labels",
			res: QueryResult{Type: ResultStreams, Streams: []Stream{{
				Labels:  labels.FromStrings("app", "a", "level", "error", "trace_id", "t1"),
				Entries: []iter.Entry{{Timestamp: 5, Line: "x", StructuredMetadata: sm, Parsed: parsed}},
			}}},
			want: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"a","level":"error","trace_id":"t1"},"values":[["5","x"]]}],"stats":` + zeroStats + `}}`,
		},
		{
			name:       "streams categorized",
			categorize: true,
			res: QueryResult{Type: ResultStreams, Streams: []Stream{{
				Labels: labels.FromStrings("app", "a", "level", "error", "trace_id", "t1"),
				Entries: []iter.Entry{
					{Timestamp: 5, Line: "x", StructuredMetadata: sm, Parsed: parsed},
					{Timestamp: 6, Line: "y", StructuredMetadata: sm},
					{Timestamp: 7, Line: "z"},
				},
			}}},
			want: `{"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":[{"stream":{"app":"a"},"values":[["5","x",{"structuredMetadata":{"trace_id":"t1"},"parsed":{"level":"error"}}],["6","y",{"structuredMetadata":{"trace_id":"t1"}}],["7","z"]]}],"stats":` + zeroStats + `}}`,
		},
		{
			name: "empty streams",
			res:  QueryResult{Type: ResultStreams},
			want: `{"status":"success","data":{"resultType":"streams","result":[],"stats":` + zeroStats + `}}`,
		},
		{
			name: "matrix",
			res: QueryResult{Type: ResultMatrix, Matrix: []Series{{
				Metric: labels.FromStrings("app", "a"),
				Points: []Point{{T: 1700000000_000_000_000, V: 1}, {T: 1700000000_500_000_000, V: 0.25}, {T: 1700000001_000_000_000, V: math.NaN()}},
			}, {Metric: labels.Labels{}, Points: []Point{{T: 1e9, V: math.Inf(-1)}}}}},
			want: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"app":"a"},"values":[[1700000000,"1"],[1700000000.5,"0.25"],[1700000001,"NaN"]]},{"metric":{},"values":[[1,"-Inf"]]}],"stats":` + zeroStats + `}}`,
		},
		{
			name: "vector: Grafana's health check",
			res:  QueryResult{Type: ResultVector, Vector: []Sample{{Metric: labels.Labels{}, Point: Point{T: 4e9, V: 2}}}},
			want: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[4,"2"]}],"stats":` + zeroStats + `}}`,
		},
		{
			name: "scalar",
			res:  QueryResult{Type: ResultScalar, Scalar: Point{T: 4e9, V: 2}},
			want: `{"status":"success","data":{"resultType":"scalar","result":[4,"2"],"stats":` + zeroStats + `}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := WriteQueryResponse(rec, &tc.res, tc.categorize); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(rec.Body.String(), "\n"); got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatal("invalid JSON")
			}
			// What we write, we read back.
			back, err := DecodeQueryResponse(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := EncodeQueryResponse(&again, back, tc.categorize); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSuffix(again.String(), "\n") != tc.want && tc.name != "streams" && tc.name != "streams without categorize fold labels" {
				t.Fatalf("round trip\n%s\nwant\n%s", again.String(), tc.want)
			}
		})
	}
}

func TestStatsFields(t *testing.T) {
	s := Stats{}
	s.Ingester.Store.Chunk.HeadChunkBytes = 100
	s.Ingester.Store.Chunk.HeadChunkLines = 10
	s.Querier.Store.Chunk.DecompressedBytes = 300
	s.Querier.Store.Chunk.DecompressedLines = 30
	s.Querier.Store.Chunk.PostFilterLines = 4
	s.Finish(2)
	if s.Summary.TotalBytesProcessed != 400 || s.Summary.TotalLinesProcessed != 40 || s.Summary.BytesProcessedPerSecond != 200 ||
		s.Summary.LinesProcessedPerSecond != 20 || s.Summary.TotalPostFilterLines != 4 || s.Summary.ExecTime != 2 {
		t.Fatalf("%+v", s.Summary)
	}
	var m map[string]map[string]any
	b, _ := json.Marshal(s)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"summary.bytesProcessedPerSecond", "summary.linesProcessedPerSecond", "summary.execTime",
		"summary.queueTime", "summary.totalEntriesReturned", "summary.totalPostFilterLines", "querier.store", "ingester.totalReached",
		"ingester.store", "cache.chunk", "cache.result", "cache.statsResult", "cache.volumeResult", "index.totalChunks", "index.postFilterChunks"} {
		sec, key, _ := strings.Cut(path, ".")
		if _, ok := m[sec][key]; !ok {
			t.Errorf("stats lack %s", path)
		}
	}
}

func TestMetadataResponses(t *testing.T) {
	rec := httptest.NewRecorder()
	_ = WriteLabelsResponse(rec, nil)
	if got := rec.Body.String(); got != `{"status":"success","data":[]}`+"\n" {
		t.Fatalf("labels: %s", got)
	}
	rec = httptest.NewRecorder()
	_ = WriteLabelsResponse(rec, []string{"app", "env"})
	if vals, err := DecodeLabelsResponse(rec.Body); err != nil || strings.Join(vals, ",") != "app,env" {
		t.Fatalf("labels: %v %v", vals, err)
	}
	rec = httptest.NewRecorder()
	_ = WriteSeriesResponse(rec, []labels.Labels{labels.FromStrings("app", "a", "env", "b"), labels.FromStrings("app", "c")})
	if got := rec.Body.String(); got != `{"status":"success","data":[{"app":"a","env":"b"},{"app":"c"}]}`+"\n" {
		t.Fatalf("series: %s", got)
	}
	series, err := DecodeSeriesResponse(strings.NewReader(rec.Body.String()))
	if err != nil || len(series) != 2 || series[1].String() != `{app="c"}` {
		t.Fatalf("series: %v %v", series, err)
	}
	rec = httptest.NewRecorder()
	_ = WriteFormatQueryResponse(rec, `{app="a"} |= "x"`)
	if got := rec.Body.String(); got != `{"status":"success","data":"{app=\"a\"} |= \"x\""}`+"\n" {
		t.Fatalf("format_query: %s", got)
	}
	rec = httptest.NewRecorder()
	_ = WriteJSON(rec, IndexStatsResponse{Streams: 1, Chunks: 2, Entries: 3, Bytes: 4})
	if got := rec.Body.String(); got != `{"streams":1,"chunks":2,"entries":3,"bytes":4}`+"\n" {
		t.Fatalf("index stats: %s", got)
	}
}

func TestCategorizeLabelsHeader(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if CategorizeLabels(r) {
		t.Fatal("no header")
	}
	r.Header.Set(EncodingFlagsHeader, "other, categorize-labels")
	if !CategorizeLabels(r) {
		t.Fatal("header ignored")
	}
}

func TestWriteError(t *testing.T) {
	f := func(err error, wantCode int, wantBody string) {
		t.Helper()
		rec := httptest.NewRecorder()
		WriteError(rec, err)
		if rec.Code != wantCode || rec.Body.String() != wantBody {
			t.Fatalf("WriteError(%v) = %d %q, want %d %q", err, rec.Code, rec.Body.String(), wantCode, wantBody)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
	}
	f(BadRequest(errors.New("parse error at line 1, col 2: syntax error")), 400, "parse error at line 1, col 2: syntax error")
	f(fmt.Errorf("wrapped: %w", BadRequest(errors.New("limit"))), 400, "wrapped: limit")
	f(tenant.ErrNoOrgID, 401, "no org id")
	f(fmt.Errorf("select: %w", context.Canceled), 499, ErrClientCanceledText)
	f(context.DeadlineExceeded, 504, ErrTimeoutText)
	f(status.Error(codes.DeadlineExceeded, "x"), 504, ErrTimeoutText)
	f(status.Error(codes.InvalidArgument, "bad selector"), 400, "bad selector")
	f(status.Error(codes.ResourceExhausted, "too much"), 429, "too much")
	f(&Error{Status: http.StatusTooManyRequests, Err: errors.New("too many outstanding requests")}, 429, "too many outstanding requests")
	f(errors.New("disk on fire"), 500, "disk on fire")
}

// FuzzDecodeQueryResponse feeds arbitrary bodies to the decoder (it must not panic) and checks
// that whatever it accepts encodes to valid JSON that decodes again.
func FuzzDecodeQueryResponse(f *testing.F) {
	for _, s := range []string{
		`{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1","x"],["2","y",{"structuredMetadata":{"k":"v"},"parsed":{"p":"q"}}]]}],"stats":{}}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1700000000.5,"1"],[1,"NaN"]]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[4,"2"]}]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":[4,"+Inf"]}}`,
		`{"status":"error"}`, `[]`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		res, err := DecodeQueryResponse(strings.NewReader(body))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := EncodeQueryResponse(&buf, res, true); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("invalid JSON from %q: %s", body, buf.String())
		}
		if _, err := DecodeQueryResponse(&buf); err != nil {
			t.Fatalf("re-decode of %q: %v", body, err)
		}
	})
}

// FuzzAppendString checks the JSON string writer against encoding/json's reading of it.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\\n\r\t\x00\x1f", "é\u2028\u2029", "\xff\xfe", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, out, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if back != want && !strings.Contains(s, "\ufffd") {
			// Each invalid byte becomes one U+FFFD, where ToValidUTF8 collapses runs.
			if strings.ReplaceAll(back, "\ufffd", "") != strings.ReplaceAll(want, "\ufffd", "") {
				t.Fatalf("%q -> %q", s, back)
			}
		}
	})
}

// TestEncodeLargeResponse crosses the writer's flush size many times and checks that nothing
// is lost or reordered between flushes.
func TestEncodeLargeResponse(t *testing.T) {
	res := &QueryResult{Type: ResultStreams}
	for s := 0; s < 3; s++ {
		st := Stream{Labels: labels.FromStrings("s", fmt.Sprint(s))}
		for i := 0; i < 3000; i++ {
			st.Entries = append(st.Entries, iter.Entry{Timestamp: int64(i), Line: fmt.Sprintf("line %d of stream %d with \"quotes\" and é", i, s)})
		}
		res.Streams = append(res.Streams, st)
	}
	var buf bytes.Buffer
	if err := EncodeQueryResponse(&buf, res, false); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 4*flushSize {
		t.Fatalf("only %d bytes: the test does not cross flushes", buf.Len())
	}
	back, err := DecodeQueryResponse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for s, st := range back.Streams {
		if len(st.Entries) != 3000 {
			t.Fatalf("stream %d: %d entries", s, len(st.Entries))
		}
		for i, e := range st.Entries {
			if e.Timestamp != int64(i) || e.Line != res.Streams[s].Entries[i].Line {
				t.Fatalf("stream %d entry %d: %+v", s, i, e)
			}
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("broken pipe")
}

func TestEncodeWriteError(t *testing.T) {
	res := &QueryResult{Type: ResultVector, Vector: make([]Sample, 5000)}
	fw := &failWriter{}
	if err := EncodeQueryResponse(fw, res, false); err == nil || fw.n != 1 {
		t.Fatalf("err %v after %d writes; want the first error, and no more writes", err, fw.n)
	}
}
