package wal

import (
	"bytes"
	"slices"
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
	// Compressed: a batch of records repeating themselves shrinks; one of a few random bytes
	// does not, and is sent as it is.
	big := encodeBatch(nil, append(slices.Repeat(encoded, 50), bytes.Repeat([]byte("log line "), 1000)))
	comp, ok := compressBatch([]byte("prefix"), big)
	if !ok || len(comp) >= len("prefix")+len(big) || string(comp[:6]) != "prefix" {
		t.Fatalf("compressBatch of %d bytes: %d bytes, %v", len(big), len(comp), ok)
	}
	if _, ok := compressBatch(nil, encodeBatch(nil, [][]byte{{0x9f, 0x3c, 0x71}})); ok {
		t.Fatal("compressBatch compressed a batch s2 cannot shrink")
	}
	for _, m := range [][]byte{msg, big, comp[6:]} {
		var back [][]byte
		if err := decodeBatch(m, func(b []byte) error { back = append(back, bytes.Clone(b)); return nil }); err != nil {
			t.Fatal(err)
		}
		want := encoded
		if len(m) != len(msg) {
			want = append(slices.Repeat(encoded, 50), bytes.Repeat([]byte("log line "), 1000))
		}
		if len(back) != len(want) {
			t.Fatalf("batch gave %d records, want %d", len(back), len(want))
		}
		for i := range back {
			if !bytes.Equal(back[i], want[i]) {
				t.Fatalf("record %d differs", i)
			}
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
	f([]byte{'W', 2})
	f([]byte{'W', 2, 0xff, 0xff, 0xff, 0xff, 0x7f}) // claims 32 GiB
	f([]byte{'W', 2, 10, 'a'})
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
	if b, ok := compressBatch(nil, encodeBatch(nil, slices.Repeat(encoded, 4))); ok {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = decodeBatch(b, func(r []byte) error {
			_, _ = DecodeRecord(r)
			return nil
		})
	})
}
