package push

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"
)

// Minimal OTLP protobuf builders (field numbers from opentelemetry-proto logs/v1).
func otlpMsg(field int, parts ...[]byte) []byte {
	return appendBytes(nil, field, string(bytes.Join(parts, nil)))
}
func otlpStr(field int, s string) []byte { return appendBytes(nil, field, s) }
func otlpVarint(field int, v uint64) []byte {
	b := []byte{byte(field << 3)}
	return binary.AppendUvarint(b, v)
}
func otlpFixed64(field int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{byte(field<<3 | 1)}, v)
}
func otlpFixed32(field int, v uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{byte(field<<3 | 5)}, v)
}
func kvStr(field int, k, v string) []byte {
	return otlpMsg(field, otlpStr(1, k), otlpMsg(2, otlpStr(1, v)))
}
func kvInt(field int, k string, v uint64) []byte {
	return otlpMsg(field, otlpStr(1, k), otlpMsg(2, otlpVarint(3, v)))
}

func sampleOTLP() []byte {
	resource := otlpMsg(1,
		kvStr(1, "service.name", "api"), kvStr(1, "k8s.pod.name", "pod-1"), kvStr(1, "host.name", "h1"),
		otlpMsg(1, otlpStr(1, "process"), otlpMsg(2, otlpMsg(6, kvInt(1, "pid", 42)))),
	)
	scope := otlpMsg(1, otlpStr(1, "lib"), otlpStr(2, "1.0"))
	rec1 := otlpMsg(2,
		otlpFixed64(1, 1700000000123456789), otlpVarint(2, 9), otlpStr(3, "INFO"),
		otlpMsg(5, otlpStr(1, "hello")), kvStr(6, "http.method", "GET"), kvInt(6, "count", 5),
		otlpFixed32(8, 1), otlpStr(9, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"), otlpStr(10, "\xaa\xbb\xcc\xdd\xee\xff\x00\x11"),
	)
	rec2 := otlpMsg(2, otlpFixed64(11, 1700000000000000005), otlpMsg(5, otlpMsg(6, kvInt(1, "b", 1), kvStr(1, "a", "x"))))
	rec3 := otlpMsg(2, otlpMsg(5, otlpMsg(5, otlpMsg(1, otlpVarint(2, 1)), otlpMsg(1, otlpStr(1, "s")))))
	rl1 := otlpMsg(1, resource, otlpMsg(2, scope, rec1, rec2, rec3))
	rl2 := otlpMsg(1, otlpMsg(1, kvStr(1, "deployment.environment", "prod")), otlpMsg(2, otlpMsg(2, otlpMsg(5, otlpStr(1, "no service")))))
	return append(rl1, rl2...)
}

func TestDecodeOTLP(t *testing.T) {
	req, err := DecodeOTLP(sampleOTLP(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Streams) != 2 {
		t.Fatalf("%d streams", len(req.Streams))
	}
	s := req.Streams[0]
	if s.Labels != `{k8s_pod_name="pod-1", service_name="api"}` {
		t.Fatalf("labels %s", s.Labels)
	}
	if len(s.Entries) != 3 {
		t.Fatalf("%d entries", len(s.Entries))
	}
	sm := func(i int) string {
		var parts []string
		for _, p := range s.Entries[i].StructuredMetadata {
			parts = append(parts, p.Name+"="+p.Value)
		}
		return strings.Join(parts, " ")
	}
	e := s.Entries[0]
	if e.Line != "hello" || e.Timestamp.Seconds != 1700000000 || e.Timestamp.Nanos != 123456789 {
		t.Fatalf("entry 0: %v", e)
	}
	want := "host_name=h1 process_pid=42 scope_name=lib scope_version=1.0 http_method=GET count=5 severity_number=9 severity_text=INFO flags=1 trace_id=0102030405060708090a0b0c0d0e0f10 span_id=aabbccddeeff0011"
	if got := sm(0); got != want {
		t.Fatalf("metadata\n%s\nwant\n%s", got, want)
	}
	if e := s.Entries[1]; e.Line != `{"a":"x","b":1}` || e.Timestamp.Nanos != 5 {
		t.Fatalf("entry 1 (observed time, map body): %v", e)
	}
	if e := s.Entries[2]; e.Line != `[true,"s"]` || e.Timestamp.Seconds != 0 || e.Timestamp.Nanos != 42 {
		t.Fatalf("entry 2 (no time, array body): %v", e)
	}
	if s2 := req.Streams[1]; s2.Labels != `{deployment_environment="prod", service_name="unknown_service"}` || s2.Entries[0].Line != "no service" {
		t.Fatalf("stream 2: %v", s2)
	}
	if _, err := proto.Marshal(req); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeOTLPErrors(t *testing.T) {
	deep := otlpMsg(5, otlpStr(1, "x"))
	for i := 0; i < 40; i++ {
		deep = otlpMsg(5, otlpMsg(1, deep))
	}
	for name, body := range map[string][]byte{
		"truncated": sampleOTLP()[:50],
		"bad tag":   {0x00},
		"deep body": otlpMsg(1, otlpMsg(2, otlpMsg(2, otlpMsg(5, deep)))),
	} {
		if _, err := DecodeOTLP(body, 0); err == nil || StatusOf(err) != 400 {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestSanitizeLabelName(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := SanitizeLabelName(in); got != want {
			t.Fatalf("%q -> %q, want %q", in, got, want)
		}
	}
	f("service.name", "service_name")
	f("ok_name1", "ok_name1")
	f("1abc", "_1abc")
	f("", "_")
	f("a-b/c", "a_b_c")
}

func TestParseOTLPRequest(t *testing.T) {
	d := NewDecoder(Limits{MaxDecompressedBytes: 1 << 20})
	var zb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(sampleOTLP())
	zw.Close()
	for _, c := range []struct {
		enc  string
		body []byte
	}{{"", sampleOTLP()}, {"gzip", compress(t, "gzip", sampleOTLP())}, {"zstd", zb.Bytes()}} {
		r := httptest.NewRequest(http.MethodPost, "/otlp/v1/logs", bytes.NewReader(c.body))
		r.Header.Set("Content-Type", "application/x-protobuf")
		r.Header.Set("Content-Encoding", c.enc)
		req, _, err := d.ParseOTLPRequest(r, 1)
		if err != nil || len(req.Streams) != 2 {
			t.Fatalf("%s: %v", c.enc, err)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/otlp/v1/logs", strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/xml")
	if _, _, err := d.ParseOTLPRequest(r, 1); StatusOf(err) != http.StatusUnsupportedMediaType || err.Error() != "content type: application/xml is not supported" {
		t.Fatalf("%v", err)
	}
}

// FuzzDecodeOTLP checks that no body makes the OTLP decoder panic and that what it accepts
// re-marshals.
func FuzzDecodeOTLP(f *testing.F) {
	f.Add(sampleOTLP())
	f.Add([]byte{})
	f.Add(sampleOTLP()[:50])
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeOTLP(append([]byte(nil), body...), 1)
		if err != nil {
			if StatusOf(err) != 400 {
				t.Fatalf("status %d", StatusOf(err))
			}
			return
		}
		if _, err := proto.Marshal(req); err != nil {
			t.Fatalf("accepted body does not re-marshal: %v", err)
		}
	})
}

// sampleOTLPJSON is sampleOTLP in OTLP/JSON.
const sampleOTLPJSON = `{"resourceLogs":[
 {"resource":{"attributes":[
   {"key":"service.name","value":{"stringValue":"api"}},
   {"key":"k8s.pod.name","value":{"stringValue":"pod-1"}},
   {"key":"host.name","value":{"stringValue":"h1"}},
   {"key":"process","value":{"kvlistValue":{"values":[{"key":"pid","value":{"intValue":"42"}}]}}}]},
  "scopeLogs":[{"scope":{"name":"lib","version":"1.0"},"logRecords":[
   {"timeUnixNano":"1700000000123456789","severityNumber":9,"severityText":"INFO","body":{"stringValue":"hello"},
    "attributes":[{"key":"http.method","value":{"stringValue":"GET"}},{"key":"count","value":{"intValue":5}}],
    "flags":1,"traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"aabbccddeeff0011"},
   {"observedTimeUnixNano":1700000000000000005,"body":{"kvlistValue":{"values":[{"key":"b","value":{"intValue":"1"}},{"key":"a","value":{"stringValue":"x"}}]}}},
   {"body":{"arrayValue":{"values":[{"boolValue":true},{"stringValue":"s"}]}}}]}]},
 {"resource":{"attributes":[{"key":"deployment.environment","value":{"stringValue":"prod"}}]},
  "scopeLogs":[{"logRecords":[{"body":{"stringValue":"no service"}}]}]}]}`

func TestDecodeOTLPJSONMatchesProtobuf(t *testing.T) {
	want, err := DecodeOTLP(sampleOTLP(), 42)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeOTLPJSON([]byte(sampleOTLPJSON), 42)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("json\n%v\nprotobuf\n%v", got, want)
	}
	for name, body := range map[string]string{
		"not json":     `{`,
		"bad time":     `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"yesterday"}]}]}]}`,
		"bad int":      `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":"x"}}]}]}]}`,
		"bad double":   `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"doubleValue":"x"}}]}]}]}`,
		"bad bytes":    `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"!!"}}]}]}]}`,
		"wrong shape":  `{"resourceLogs":{"a":1}}`,
		"deep nesting": `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":` + strings.Repeat(`{"arrayValue":{"values":[`, 40) + strings.Repeat(`]}}`, 40) + `}]}]}]}`,
	} {
		if _, err := DecodeOTLPJSON([]byte(body), 1); err == nil || StatusOf(err) != 400 {
			t.Fatalf("%s: %v", name, err)
		}
	}
	got, err = DecodeOTLPJSON([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"doubleValue":1.5}},{"body":{"bytesValue":"AQI="}}]}]}]}`), 1)
	if err != nil || got.Streams[0].Entries[0].Line != "1.5" || got.Streams[0].Entries[1].Line != "0102" {
		t.Fatalf("%v %v", got, err)
	}
}

func FuzzDecodeOTLPJSON(f *testing.F) {
	f.Add([]byte(sampleOTLPJSON))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeOTLPJSON(body, 1)
		if err != nil {
			if StatusOf(err) != 400 {
				t.Fatalf("status %d", StatusOf(err))
			}
			return
		}
		if _, err := proto.Marshal(req); err != nil {
			t.Fatalf("accepted body does not re-marshal: %v", err)
		}
	})
}
