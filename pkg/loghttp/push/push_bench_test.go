package push

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

// benchRequest is 10 streams of 1000 lines of about 200 bytes: a typical agent batch (~2 MB).
func benchRequest() *logproto.PushRequest {
	req := &logproto.PushRequest{}
	for s := 0; s < 10; s++ {
		st := &logproto.StreamAdapter{Labels: fmt.Sprintf(`{app="app-%d", env="prod", pod="pod-%d-abcde"}`, s, s)}
		for i := 0; i < 1000; i++ {
			line := fmt.Sprintf(`{"level":"info","status":200,"method":"GET","path":"/api/v1/items/%d","duration":"12ms","msg":"request served %s"}`, i, strings.Repeat("x", 80))
			st.Entries = append(st.Entries, &logproto.EntryAdapter{Timestamp: timestamppb.New(timeOf(1700000000000000000 + int64(i))), Line: line})
		}
		req.Streams = append(req.Streams, st)
	}
	return req
}

func benchJSON(req *logproto.PushRequest) []byte {
	var b strings.Builder
	b.WriteString(`{"streams":[`)
	for i, st := range req.Streams {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"stream":{"app":"a","env":"prod","pod":"p"},"values":[`)
		for j, e := range st.Entries {
			if j > 0 {
				b.WriteByte(',')
			}
			ts := e.Timestamp.AsTime().UnixNano()
			q, _ := json.Marshal(e.Line)
			b.WriteString(`["` + strconv.FormatInt(ts, 10) + `",` + string(q) + `]`)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkDecodeSnappyProto(b *testing.B) {
	raw, _ := proto.Marshal(benchRequest())
	body := snappy.Encode(nil, raw)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeSnappyProto(body, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSnappyProtoReference is proto.Unmarshal on the same body, for comparison.
func BenchmarkDecodeSnappyProtoReference(b *testing.B) {
	raw, _ := proto.Marshal(benchRequest())
	body := snappy.Encode(nil, raw)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ := snappy.Decode(nil, body)
		var req logproto.PushRequest
		if err := proto.Unmarshal(buf, &req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := benchJSON(benchRequest())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeJSON(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJSONReference is encoding/json into the equivalent generic shape.
func BenchmarkDecodeJSONReference(b *testing.B) {
	body := benchJSON(benchRequest())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][]any           `json:"values"`
	}
	for b.Loop() {
		var req struct {
			Streams []stream `json:"streams"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}
