package push

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

func entry(ns int64, line string, sm ...string) *logproto.EntryAdapter {
	e := &logproto.EntryAdapter{Timestamp: timestamppb.New(timeOf(ns)), Line: line}
	for i := 0; i+1 < len(sm); i += 2 {
		e.StructuredMetadata = append(e.StructuredMetadata, &logproto.LabelPairAdapter{Name: sm[i], Value: sm[i+1]})
	}
	return e
}

func sampleRequest() *logproto.PushRequest {
	return &logproto.PushRequest{Streams: []*logproto.StreamAdapter{
		{Labels: `{app="api", env="prod"}`, Entries: []*logproto.EntryAdapter{
			entry(1700000000123456789, "hello world"),
			entry(1700000000123456790, "with metadata", "trace_id", "abc", "user", "ü"),
		}},
		{Labels: `{app="db"}`, Entries: []*logproto.EntryAdapter{entry(1, "x")}},
	}}
}

func snappyProto(t testing.TB, req *logproto.PushRequest) []byte {
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, b)
}

const sampleJSON = `{"streams":[
 {"stream":{"env":"prod","app":"api"},"values":[["1700000000123456789","hello world"],
   ["1700000000123456790","with metadata",{"trace_id":"abc","user":"\u00fc"}]]},
 {"stream":{"app":"db"},"values":[["1","x"]]}]}`

func requireEqual(t *testing.T, got, want *logproto.PushRequest) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Fatalf("decoded\n%v\nwant\n%v", got, want)
	}
}

func TestDecodeProtoRoundTrip(t *testing.T) {
	want := sampleRequest()
	got, n, err := DecodeSnappyProto(snappyProto(t, want), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("decoded size not reported")
	}
	requireEqual(t, got, want)
}

func TestDecodeProtoSkipsUnknownAndHash(t *testing.T) {
	want := sampleRequest()
	want.Streams[0].Hash = 42
	want.Format = "loki"
	want.Streams[0].Entries[0].Parsed = []*logproto.LabelPairAdapter{{Name: "p", Value: "q"}}
	b, _ := proto.Marshal(want)
	got, err := DecodeProto(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Streams[0].Hash != 0 || got.Streams[0].Entries[0].Parsed != nil {
		t.Fatal("hash and parsed must be ignored on write")
	}
	if got.Format != "loki" || len(got.Streams) != 2 {
		t.Fatalf("got %v", got)
	}
}

func TestDecodeProtoInvalidUTF8(t *testing.T) {
	// Marshal by hand: proto.Marshal refuses invalid UTF-8.
	line := "bad\xffline"
	ent := appendBytes(nil, 2, line)
	st := appendBytes(appendBytes(nil, 1, `{a="b"}`), 2, string(ent))
	msg := appendBytes(nil, 1, string(st))
	got, err := DecodeProto(msg)
	if err != nil {
		t.Fatal(err)
	}
	if l := got.Streams[0].Entries[0].Line; l != "bad\uFFFDline" {
		t.Fatalf("line %q", l)
	}
	if _, err := proto.Marshal(got); err != nil {
		t.Fatalf("decoded request must re-marshal: %v", err)
	}
}

func appendBytes(b []byte, field int, v string) []byte {
	b = append(b, byte(field<<3|2))
	n := len(v)
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	b = append(b, byte(n))
	return append(b, v...)
}

func TestDecodeProtoErrors(t *testing.T) {
	f := func(name string, body []byte, wantStatus int, wantText string) {
		t.Helper()
		_, _, err := DecodeSnappyProto(body, 100)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if StatusOf(err) != wantStatus || !strings.Contains(err.Error(), wantText) {
			t.Fatalf("%s: got %d %q, want %d %q", name, StatusOf(err), err, wantStatus, wantText)
		}
	}
	f("not snappy", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 400, "decode snappy")
	f("truncated", snappy.Encode(nil, []byte{0x0a, 0x10, 0x0a}), 400, "truncated")
	f("bad tag", snappy.Encode(nil, []byte{0x00}), 400, "truncated")
	f("too large", snappy.Encode(nil, make([]byte, 200)), 413, "request body too large: 200 bytes, limit: 100 bytes")
	f("bad nanos", snappy.Encode(nil, appendBytes(nil, 1, string(appendBytes(nil, 2, string(appendBytes(nil, 1, "\x10\x80\x94\xeb\xdc\x03")))))), 400, "nanos")
}

func TestDecodeJSON(t *testing.T) {
	got, err := DecodeJSON([]byte(sampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	requireEqual(t, got, sampleRequest())
}

func TestDecodeJSONCases(t *testing.T) {
	f := func(body string, wantLabels string, wantLines ...string) {
		t.Helper()
		got, err := DecodeJSON([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if len(got.Streams) != 1 {
			t.Fatalf("%s: %d streams", body, len(got.Streams))
		}
		if got.Streams[0].Labels != wantLabels {
			t.Fatalf("%s: labels %q, want %q", body, got.Streams[0].Labels, wantLabels)
		}
		var lines []string
		for _, e := range got.Streams[0].Entries {
			lines = append(lines, e.Line)
		}
		if strings.Join(lines, "|") != strings.Join(wantLines, "|") {
			t.Fatalf("%s: lines %q, want %q", body, lines, wantLines)
		}
	}
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1","x"]]}]}`, `{a="1"}`, "x")
	f(` { "streams" : [ { "values" : [ [ "1" , "x" ] ] , "stream" : { "b" : "2" , "a" : "1" } } ] } `, `{a="1", b="2"}`, "x")
	f(`{"streams":[{"stream":{"a":"1","a":"2"},"values":[]}]}`, `{a="2"}`)
	f(`{"streams":[{"stream":{"a":"1"},"values":null}]}`, `{a="1"}`)
	f(`{"other":{"x":[1,2.5e3,true,false,null,"s"]},"streams":[{"stream":{"a":"1"},"x":1,"values":[["1","x"]]}]}`, `{a="1"}`, "x")
	f(`{"streams":[{"stream":{"a":"q\"uote"},"values":[["1","esc \" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \ud800"]]}]}`, `{a="q\"uote"}`, "esc \" \\ / \b\f\n\r\t é 😀 \uFFFD")
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1","bad `+"\xff"+` utf8"]]}]}`, `{a="1"}`, "bad \uFFFD utf8")
	f(`{"streams":[{"stream":{"a":"1"},"values":[["-1","neg"]]}]}`, `{a="1"}`, "neg")
	f(`{"streams":[{"stream":{},"values":[["1","nolabels"]]}]}`, `{}`, "nolabels")

	got, err := DecodeJSON([]byte(`{"streams":[{"stream":{"a":"1"},"values":[["-1","neg"]]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if ts := got.Streams[0].Entries[0].Timestamp; ts.Seconds != -1 || ts.Nanos != 999999999 {
		t.Fatalf("negative timestamp %v", ts)
	}
	got, err = DecodeJSON([]byte(`{}`))
	if err != nil || len(got.Streams) != 0 {
		t.Fatalf("empty object: %v %v", got, err)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	f := func(body, wantText string) {
		t.Helper()
		_, err := DecodeJSON([]byte(body))
		if err == nil {
			t.Fatalf("%s: no error", body)
		}
		if StatusOf(err) != 400 || !strings.Contains(err.Error(), wantText) {
			t.Fatalf("%s: got %d %q, want 400 %q", body, StatusOf(err), err, wantText)
		}
	}
	f(``, `expected '{'`)
	f(`[]`, `expected '{'`)
	f(`{"streams":[{"stream":{"a":"1"},"values":[[1700000000000000000,"x"]]}]}`, "timestamp must be a string")
	f(`{"streams":[{"stream":{"a":"1"},"values":[["abc","x"]]}]}`, `invalid timestamp "abc"`)
	f(`{"streams":[{"stream":{"a":"1"},"values":[["","x"]]}]}`, `invalid timestamp ""`)
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1"]]}]}`, "needs a timestamp and a line")
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1","x",{},"y"]]}]}`, "at most 3 elements")
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1","x",{"k":{"nested":"v"}}]]}]}`, `structured metadata "k": value must be a string`)
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1","x",{"k":1}]]}]}`, `structured metadata "k": value must be a string`)
	f(`{"streams":[{"stream":{"a":1},"values":[]}]}`, `label "a": value must be a string`)
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1",2]]}]}`, "expected string")
	f(`{"streams":[{"stream":{"a":"1"}}]`, "expected , or }")
	f(`{"streams":[{"stream":{"a":"1"}}]}x`, "trailing data")
	f(`{"streams":[{"stream":{"a":"1`, "unterminated string")
	f(`{"streams":[{"stream":{"a":"1\q"}}]}`, `invalid escape \q`)
	f(`{"streams":[{"stream":{"a":"1\u12"}}]}`, `invalid \u escape`)
	f("{\"streams\":[{\"stream\":{\"a\":\"1\n\"}}]}", "control character")
	f(`{"x":`+strings.Repeat("[", 1000)+`}`, "nesting deeper")
	f(`{"x":tru}`, "unexpected character")
	f(`{"streams":[{"stream":{"a":"1"},"values":[["1","x"]}]}`, "expected , or ]")
}

func TestDecodeLegacyJSON(t *testing.T) {
	got, err := DecodeLegacyJSON([]byte(`{"streams":[{"labels":"{app=\"api\"}","entries":[{"ts":"2018-12-18T08:28:06.801064-04:00","line":"hi"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: `{app="api"}`,
		Entries: []*logproto.EntryAdapter{entry(1545136086801064000, "hi")}}}}
	requireEqual(t, got, want)
	if _, err := DecodeLegacyJSON([]byte(`{"streams":[{"labels":"{}","entries":[{"ts":"yesterday","line":"hi"}]}]}`)); err == nil || !strings.Contains(err.Error(), "invalid timestamp") {
		t.Fatalf("bad legacy ts: %v", err)
	}
	if _, err := DecodeLegacyJSON([]byte(`{"streams":[]} x`)); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func compress(t *testing.T, enc string, b []byte) []byte {
	var buf bytes.Buffer
	switch enc {
	case "gzip":
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "deflate":
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "rawdeflate":
		w, _ := flate.NewWriter(&buf, 5)
		w.Write(b)
		w.Close()
	default:
		return b
	}
	return buf.Bytes()
}

func TestParseRequest(t *testing.T) {
	pb := snappyProto(t, sampleRequest())
	d := NewDecoder(Limits{MaxCompressedBytes: 1 << 20, MaxDecompressedBytes: 1 << 20})
	cases := []struct {
		name, path, ctype, enc, wireEnc string
		body                            []byte
	}{
		{"json", "/loki/api/v1/push", "application/json", "", "", []byte(sampleJSON)},
		{"json charset", "/loki/api/v1/push", "application/json; charset=utf-8", "", "", []byte(sampleJSON)},
		{"json gzip", "/loki/api/v1/push", "application/json", "gzip", "gzip", []byte(sampleJSON)},
		{"json zlib deflate", "/loki/api/v1/push", "application/json", "deflate", "deflate", []byte(sampleJSON)},
		{"json raw deflate", "/loki/api/v1/push", "application/json", "deflate", "rawdeflate", []byte(sampleJSON)},
		{"proto", "/loki/api/v1/push", "application/x-protobuf", "", "", pb},
		{"proto no content type", "/loki/api/v1/push", "", "", "", pb},
		{"proto snappy encoding ignored", "/loki/api/v1/push", "application/x-protobuf", "snappy", "", pb},
		{"proto gzip", "/loki/api/v1/push", "application/x-protobuf", "gzip", "gzip", pb},
		{"proto legacy path", "/api/prom/push", "application/x-protobuf", "", "", pb},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, c.path, bytes.NewReader(compress(t, c.wireEnc, c.body)))
			r.Header.Set("Content-Type", c.ctype)
			r.Header.Set("Content-Encoding", c.enc)
			got, st, err := d.ParseRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			requireEqual(t, got, sampleRequest())
			if st.BodyBytes == 0 || st.DecodedBytes == 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	big := []byte(`{"streams":[{"stream":{"a":"1"},"values":[["1","` + strings.Repeat("x", 2000) + `"]]}]}`)
	cases := []struct {
		name, ctype, enc string
		body             []byte
		limits           Limits
		status           int
		text             string
	}{
		{"unknown encoding", "application/json", "br", []byte(sampleJSON), Limits{}, 400, `Content-Encoding "br" not supported`},
		{"bad gzip", "application/json", "gzip", []byte("not gzip"), Limits{}, 400, "decode gzip"},
		{"bad deflate", "application/json", "deflate", []byte("not deflate at all"), Limits{}, 400, "decode deflate"},
		{"compressed too large", "application/json", "", big, Limits{MaxCompressedBytes: 1000}, 413, "request body too large: " + itoa(len(big)) + " bytes, limit: 1000 bytes"},
		{"gzip bomb", "application/json", "gzip", compress(t, "gzip", big), Limits{MaxDecompressedBytes: 1000}, 413, "limit: 1000 bytes"},
		{"json decompressed too large", "application/json", "", big, Limits{MaxDecompressedBytes: 1000}, 413, "limit: 1000 bytes"},
		{"snappy too large", "", "", snappy.Encode(nil, bytes.Repeat([]byte{0}, 5000)), Limits{MaxDecompressedBytes: 1000}, 413, "request body too large: 5000 bytes"},
		{"malformed json", "application/json", "", []byte("{"), Limits{}, 400, "decode json"},
		{"json to protobuf endpoint", "", "", []byte(sampleJSON), Limits{}, 400, "decode snappy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/push", bytes.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			r.Header.Set("Content-Encoding", c.enc)
			_, _, err := NewDecoder(c.limits).ParseRequest(r)
			if err == nil {
				t.Fatal("no error")
			}
			if StatusOf(err) != c.status || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("got %d %q, want %d %q", StatusOf(err), err, c.status, c.text)
			}
		})
	}
}

func TestParseRequestUnknownContentLength(t *testing.T) {
	// A chunked body has no Content-Length: the limit must still hold while reading.
	body := bytes.Repeat([]byte("x"), 5000)
	r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/push", struct{ *bytes.Reader }{bytes.NewReader(body)})
	r.ContentLength = -1
	_, _, err := NewDecoder(Limits{MaxCompressedBytes: 100}).ParseRequest(r)
	if StatusOf(err) != 413 {
		t.Fatalf("got %v", err)
	}
}
