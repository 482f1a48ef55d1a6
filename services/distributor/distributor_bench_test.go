package distributor

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

// benchBody is a typical agent push: 10 streams of 1000 lines of ~200 bytes.
func benchBody(b *testing.B, jsonBody bool) ([]byte, int) {
	req := &logproto.PushRequest{}
	lineBytes := 0
	for s := 0; s < 10; s++ {
		st := &logproto.StreamAdapter{Labels: fmt.Sprintf(`{app="app-%d", env="prod", pod="pod-%d-abcde"}`, s, s)}
		for i := 0; i < 1000; i++ {
			line := fmt.Sprintf(`{"level":"info","status":200,"method":"GET","path":"/api/v1/items/%d","duration":"12ms","msg":"request served %s"}`, i, strings.Repeat("x", 80))
			lineBytes += len(line)
			st.Entries = append(st.Entries, &logproto.EntryAdapter{Timestamp: timestamppb.New(testNow.Add(time.Duration(i))), Line: line})
		}
		req.Streams = append(req.Streams, st)
	}
	if !jsonBody {
		raw, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		return snappy.Encode(nil, raw), lineBytes
	}
	var sb strings.Builder
	sb.WriteString(`{"streams":[`)
	for i, st := range req.Streams {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"stream":{"app":"app-%d","env":"prod"},"values":[`, i)
		for j, e := range st.Entries {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `["%d",%q]`, e.Timestamp.AsTime().UnixNano(), e.Line)
		}
		sb.WriteString(`]}`)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String()), lineBytes
}

// BenchmarkPushHandler measures the distributor's HTTP push path end to end (decode, validate,
// rate limit, hash, replicate to 3 no-op ingesters with RF 3); SetBytes is the line bytes, so
// MB/s reads as log volume per core.
func BenchmarkPushHandler(b *testing.B) {
	for _, enc := range []string{"protobuf", "json"} {
		b.Run(enc, func(b *testing.B) {
			h := newHarness(&testing.T{}, 3, 3, func(_ *Config, l *validation.Limits) { l.IngestionRateMB = 0 })
			for _, f := range h.ingesters {
				f.discard = true
			}
			body, lineBytes := benchBody(b, enc == "json")
			ctype := "application/x-protobuf"
			if enc == "json" {
				ctype = "application/json"
			}
			handler := h.d.PushHandler()
			b.SetBytes(int64(lineBytes))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/push", bytes.NewReader(body))
				r.Header.Set("Content-Type", ctype)
				r.Header.Set("X-Scope-OrgID", "bench")
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, r)
				if w.Code != http.StatusNoContent {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkPushManyStreams is the Promtail-like shape: 1000 streams of 5 lines per push, where
// the per-stream costs (label parsing, hashing, ring lookups) dominate.
func BenchmarkPushManyStreams(b *testing.B) {
	h := newHarness(&testing.T{}, 3, 3, func(_ *Config, l *validation.Limits) { l.IngestionRateMB = 0 })
	for _, f := range h.ingesters {
		f.discard = true
	}
	req := &logproto.PushRequest{}
	lineBytes := 0
	for s := 0; s < 1000; s++ {
		st := &logproto.StreamAdapter{Labels: fmt.Sprintf(`{namespace="ns-%d", app="app-%d", container="c", pod="pod-%d-abcde", job="ns/app"}`, s%10, s%50, s)}
		for i := 0; i < 5; i++ {
			line := fmt.Sprintf(`level=info ts=2026-11-25T12:00:00Z msg="request served" path=/api/v1/items/%d duration=12ms`, i)
			lineBytes += len(line)
			st.Entries = append(st.Entries, &logproto.EntryAdapter{Timestamp: timestamppb.New(testNow.Add(time.Duration(i))), Line: line})
		}
		req.Streams = append(req.Streams, st)
	}
	raw, _ := proto.Marshal(req)
	body := snappy.Encode(nil, raw)
	handler := h.d.PushHandler()
	b.SetBytes(int64(lineBytes))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/push", bytes.NewReader(body))
		r.Header.Set("X-Scope-OrgID", "bench")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
