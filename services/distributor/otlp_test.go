package distributor

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"
)

func otlpField(field int, b []byte) []byte {
	out := protowire.AppendTag(nil, protowire.Number(field), protowire.BytesType)
	return protowire.AppendBytes(out, b)
}

// otlpExport builds an export of one resource with service.name=svc and one record per line.
func otlpExport(ns uint64, lines ...string) []byte {
	kv := otlpField(1, append(otlpField(1, []byte("service.name")), otlpField(2, otlpField(1, []byte("svc")))...))
	var recs []byte
	for _, l := range lines {
		rec := binary.LittleEndian.AppendUint64([]byte{1<<3 | 1}, ns)
		rec = append(rec, otlpField(5, otlpField(1, []byte(l)))...)
		recs = append(recs, otlpField(2, rec)...)
	}
	return otlpField(1, append(otlpField(1, kv), otlpField(2, recs)...))
}

func (h *harness) postOTLP(t *testing.T, body []byte, ctype, orgID string) (int, []byte) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/otlp/v1/logs", bytes.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	if orgID != "" {
		r.Header.Set("X-Scope-OrgID", orgID)
	}
	w := httptest.NewRecorder()
	h.d.OTLPHandler().ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// rpcStatus decodes a google.rpc.Status body.
func rpcStatus(t *testing.T, b []byte) (codes.Code, string) {
	t.Helper()
	var code codes.Code
	var msg string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			code, b = codes.Code(v), b[m:]
		case num == 2 && typ == protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			msg, b = string(v), b[m:]
		default:
			t.Fatalf("unexpected field %d", num)
		}
	}
	return code, msg
}

func TestOTLPHandler(t *testing.T) {
	h := newHarness(t, 1, 1, nil)
	code, body := h.postOTLP(t, otlpExport(uint64(testNow.UnixNano()), "hello otel", "error: boom"), "application/x-protobuf", "t1")
	if code != 204 {
		t.Fatalf("%d %q", code, body)
	}
	got := h.ingesters[0].got[0]
	if got.Labels != `{service_name="svc"}` || len(got.Entries) != 2 || got.Entries[1].Line != "error: boom" {
		t.Fatalf("%v", got)
	}
	if sm := got.Entries[1].StructuredMetadata; len(sm) != 1 || sm[0].Value != "error" {
		t.Fatalf("detected level: %v", sm)
	}
	// Empty export: 204, nothing sent.
	if code, _ := h.postOTLP(t, nil, "application/x-protobuf", "t1"); code != 204 {
		t.Fatalf("empty export: %d", code)
	}
	// Errors carry a google.rpc.Status.
	code, body = h.postOTLP(t, otlpExport(1, "too old"), "application/x-protobuf", "t1")
	if c, msg := rpcStatus(t, body); code != 400 || c != codes.InvalidArgument || !strings.Contains(msg, "timestamp too old") {
		t.Fatalf("%d %v %q", code, c, msg)
	}
	code, body = h.postOTLP(t, otlpExport(1, "x"), "application/x-protobuf", "")
	if c, msg := rpcStatus(t, body); code != 401 || c != codes.Unauthenticated || msg != "no org id" {
		t.Fatalf("%d %v %q", code, c, msg)
	}
	// OTLP/JSON goes the same way.
	js := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"js"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"` +
		fmt.Sprint(testNow.UnixNano()) + `","body":{"stringValue":"from json"}}]}]}]}`
	if code, body := h.postOTLP(t, []byte(js), "application/json", "t1"); code != 204 {
		t.Fatalf("otlp json: %d %q", code, body)
	}
	if last := h.allLines(); last[len(last)-1] != `{service_name="js"} from json` {
		t.Fatalf("otlp json stored %q", last)
	}
	code, _ = h.postOTLP(t, []byte("{}"), "text/plain", "t1")
	if code != http.StatusUnsupportedMediaType {
		t.Fatalf("content type: %d", code)
	}
	// An ingester failure is a 503 for collectors, never a 500.
	h.ingesters[0].fail = failWith(errPlain("boom"))
	code, body = h.postOTLP(t, otlpExport(uint64(testNow.UnixNano()), "x"), "application/x-protobuf", "t1")
	if c, _ := rpcStatus(t, body); code != 503 || c != codes.Unavailable {
		t.Fatalf("ingester failure: %d %v", code, c)
	}
}

type errPlain string

func (e errPlain) Error() string { return string(e) }
