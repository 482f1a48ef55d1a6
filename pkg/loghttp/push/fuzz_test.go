package push

import (
	"testing"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
)

// FuzzDecodeJSON checks that no body makes the JSON decoders panic, and that whatever they
// accept can be re-marshalled for the ingesters (valid UTF-8, sane timestamps).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		sampleJSON, `{}`, `{"streams":null}`,
		`{"streams":[{"stream":{"a":"1"},"values":[["1","x",{"k":"v"}]]}]}`,
		`{"streams":[{"stream":{"a":"q\"uote"},"values":[["1","esc \u00e9 \ud83d\ude00 \ud800"]]}]}`,
		`{"streams":[{"stream":{"a":"1"},"values":[[1,"x"]]}]}`,
		`{"streams":[{"labels":"{a=\"b\"}","entries":[{"ts":"2018-12-18T08:28:06.801064-04:00","line":"hi"}]}]}`,
		`{"x":[[[[[[1,2,{"a":true}]]]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dec := range []func([]byte) (any, error){
			func(b []byte) (any, error) { return DecodeJSON(b) },
			func(b []byte) (any, error) { return DecodeLegacyJSON(b) },
		} {
			in := append([]byte(nil), body...)
			got, err := dec(in)
			if err != nil {
				if StatusOf(err) != 400 {
					t.Fatalf("error %v has status %d", err, StatusOf(err))
				}
				continue
			}
			if _, err := proto.Marshal(got.(proto.Message)); err != nil {
				t.Fatalf("accepted body does not re-marshal: %v", err)
			}
		}
	})
}

// FuzzDecodeProto checks that no body makes the protobuf decoder panic, and that it agrees with
// the reference decoder on every message both accept.
func FuzzDecodeProto(f *testing.F) {
	b, _ := proto.Marshal(sampleRequest())
	f.Add(b)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x10, 0x0a})
	f.Add(appendBytes(nil, 1, string(appendBytes(appendBytes(nil, 1, `{a="b"}`), 2, string(appendBytes(nil, 2, "bad\xffline"))))))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeProto(append([]byte(nil), body...))
		if err != nil {
			if StatusOf(err) != 400 {
				t.Fatalf("error %v has status %d", err, StatusOf(err))
			}
		} else if _, err := proto.Marshal(got); err != nil {
			t.Fatalf("accepted body does not re-marshal: %v", err)
		}
		// The snappy path must not panic either.
		_, _, _ = DecodeSnappyProto(body, 1<<20)
		_, _, _ = DecodeSnappyProto(snappy.Encode(nil, body), 1<<20)
	})
}
