package wal

import (
	"bytes"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

func sampleRecords() []Record {
	return []Record{
		{Tenant: "", Streams: nil},
		{Kind: KindMarker, Tenant: "t", Streams: []*logproto.StreamAdapter{{Labels: `{a="b"}`}}},
		{Tenant: "t1", Streams: []*logproto.StreamAdapter{{
			Labels: `{app="x"}`,
			Entries: []*logproto.EntryAdapter{
				{Timestamp: timestamppb.New(time.Unix(1, 2)), Line: "hello",
					StructuredMetadata: []*logproto.LabelPairAdapter{{Name: "trace_id", Value: "abc"}}},
				{Timestamp: timestamppb.New(time.Unix(3, 0)), Line: ""},
			},
		}}},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	var encoded [][]byte
	for _, r := range sampleRecords() {
		b, err := EncodeRecord(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != r.Kind || got.Tenant != r.Tenant || !proto.Equal(&logproto.PushRequest{Streams: got.Streams}, &logproto.PushRequest{Streams: r.Streams}) {
			t.Fatalf("round trip of %v gave %v", r, got)
		}
		encoded = append(encoded, b)
	}
	msg := encodeBatch(nil, encoded)
	var back [][]byte
	if err := decodeBatch(msg, func(b []byte) error { back = append(back, b); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(encoded) {
		t.Fatalf("batch gave %d records, want %d", len(back), len(encoded))
	}
	for i := range back {
		if !bytes.Equal(back[i], encoded[i]) {
			t.Fatalf("record %d differs", i)
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	f := func(b []byte) {
		t.Helper()
		if err := decodeBatch(b, func([]byte) error { return nil }); err == nil {
			t.Errorf("decodeBatch(%x) accepted corrupt input", b)
		}
	}
	f(nil)
	f([]byte{'X', 1, 0})
	f([]byte{'W', 9, 0})
	f([]byte{'W', 1, 2, 1, 'a'})
	f([]byte{'W', 1, 1, 5, 'a'})
	f([]byte{'W', 1, 0, 'x'})
	if _, err := DecodeRecord([]byte{7, 0}); err == nil {
		t.Error("DecodeRecord accepted an unknown kind")
	}
	if _, err := DecodeRecord(nil); err == nil {
		t.Error("DecodeRecord accepted an empty record")
	}
	if _, err := DecodeRecord([]byte{0, 10, 'a'}); err == nil {
		t.Error("DecodeRecord accepted a short tenant")
	}
	if _, err := DecodeRecord([]byte{0, 0, 0xff, 0xff}); err == nil {
		t.Error("DecodeRecord accepted a bad protobuf")
	}
}

func FuzzDecodeBatch(f *testing.F) {
	var encoded [][]byte
	for _, r := range sampleRecords() {
		b, _ := EncodeRecord(nil, r)
		encoded = append(encoded, b)
		f.Add(encodeBatch(nil, [][]byte{b}))
	}
	f.Add(encodeBatch(nil, encoded))
	f.Add([]byte{'W', 1, 1, 5, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = decodeBatch(b, func(r []byte) error {
			_, _ = DecodeRecord(r)
			return nil
		})
	})
}
