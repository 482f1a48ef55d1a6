package wal

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

// toProto is the push message the ingester used to build for a stream before AppendStream.
func toProto(lbls string, hash uint64, es []iter.Entry) *logproto.StreamAdapter {
	sa := &logproto.StreamAdapter{Labels: lbls, Hash: hash}
	for _, e := range es {
		sec, ns := splitTimestamp(e.Timestamp)
		ea := &logproto.EntryAdapter{Timestamp: &timestamppb.Timestamp{Seconds: sec, Nanos: int32(ns)}, Line: e.Line}
		for _, l := range e.StructuredMetadata {
			ea.StructuredMetadata = append(ea.StructuredMetadata, &logproto.LabelPairAdapter{Name: l.Name, Value: l.Value})
		}
		sa.Entries = append(sa.Entries, ea)
	}
	return sa
}

// checkAppend: the appended record is byte for byte what EncodeRecord gives for the same
// messages, and decodes to the same entries.
func checkAppend(t *testing.T, tenant string, streams []testStream) {
	t.Helper()
	got := AppendRecordHeader([]byte("prefix"), KindEntries, tenant)
	var (
		r      Record
		appErr error
	)
	r.Tenant = tenant
	for _, s := range streams {
		var err error
		if got, err = AppendStream(got, s.lbls, s.hash, s.entries); err != nil && appErr == nil {
			appErr = err
		}
		r.Streams = append(r.Streams, toProto(s.lbls, s.hash, s.entries))
	}
	want, err := EncodeRecord([]byte("prefix"), r)
	if (err != nil) != (appErr != nil) {
		t.Fatalf("EncodeRecord error %v, AppendStream error %v", err, appErr)
	}
	if err != nil {
		if !errors.Is(appErr, ErrInvalidUTF8) {
			t.Fatalf("AppendStream error %v, want ErrInvalidUTF8", appErr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appended record\n%x\nEncodeRecord\n%x", got, want)
	}
	dec, err := DecodeRecord(got[len("prefix"):])
	if err != nil {
		t.Fatal(err)
	}
	if dec.Tenant != tenant || len(dec.Streams) != len(streams) {
		t.Fatalf("decoded tenant %q with %d streams", dec.Tenant, len(dec.Streams))
	}
	for k, sa := range dec.Streams {
		if sa.Labels != streams[k].lbls || sa.Hash != streams[k].hash || len(sa.Entries) != len(streams[k].entries) {
			t.Fatalf("stream %d decoded as %v", k, sa)
		}
		for j, ea := range sa.Entries {
			e, w := iter.EntryFromProto(ea), streams[k].entries[j]
			if e.Timestamp != w.Timestamp || e.Line != w.Line || !labels.Equal(e.StructuredMetadata, w.StructuredMetadata) {
				t.Fatalf("stream %d entry %d decoded as %+v, want %+v", k, j, e, w)
			}
		}
	}
	if !proto.Equal(&logproto.PushRequest{Streams: dec.Streams}, &logproto.PushRequest{Streams: r.Streams}) {
		t.Fatal("decoded streams differ")
	}
}

type testStream struct {
	lbls    string
	hash    uint64
	entries []iter.Entry
}

func TestAppendStream(t *testing.T) {
	md := labels.Labels{{Name: "trace_id", Value: "abc"}, {Name: "", Value: "v"}, {Name: "n", Value: ""}}
	long := string(bytes.Repeat([]byte("x"), 300))
	for name, streams := range map[string][]testStream{
		"none":  nil,
		"empty": {{lbls: `{a="b"}`}},
		"entries": {
			{lbls: `{app="x"}`, hash: 42, entries: []iter.Entry{
				{Timestamp: 1_700_000_000_123_456_789, Line: "hello", StructuredMetadata: md},
				{Timestamp: 0, Line: ""},
				{Timestamp: 3e9, Line: long},
				{Timestamp: 5, Line: "parsed labels are not written", Parsed: labels.Labels{{Name: "p", Value: "q"}}},
			}},
			{lbls: `{app="y"}`, hash: math.MaxUint64, entries: []iter.Entry{{Timestamp: -1, Line: "before 1970"}}},
		},
		"invalid utf-8 line":     {{lbls: `{a="b"}`, entries: []iter.Entry{{Timestamp: 1, Line: "ok"}, {Timestamp: 2, Line: "\xff"}}}},
		"invalid utf-8 metadata": {{lbls: `{a="b"}`, entries: []iter.Entry{{Timestamp: 1, StructuredMetadata: labels.Labels{{Name: "k", Value: "\xc3"}}}}}},
		"invalid utf-8 labels":   {{lbls: "\xff"}},
		"extremes":               {{lbls: "", entries: []iter.Entry{{Timestamp: math.MinInt64}, {Timestamp: math.MaxInt64}, {Timestamp: -1e9}}}},
	} {
		t.Run(name, func(t *testing.T) {
			checkAppend(t, "tenant-1", streams)
			checkAppend(t, "", streams)
		})
	}
}

func FuzzAppendStream(f *testing.F) {
	f.Add("t", `{a="b"}`, uint64(7), int64(1_700_000_000_123_456_789), "line", "k", "v", int64(-3))
	f.Add("", "", uint64(0), int64(0), "", "", "", int64(0))
	f.Add("t", "{a=\"\xff\"}", uint64(1), int64(1), "\xc3", "k", "\xff", int64(2))
	f.Fuzz(func(t *testing.T, tenant, lbls string, hash uint64, ts int64, line, name, value string, ts2 int64) {
		es := []iter.Entry{{Timestamp: ts, Line: line}, {Timestamp: ts2, Line: value, StructuredMetadata: labels.Labels{{Name: name, Value: value}}}}
		checkAppend(t, tenant, []testStream{{lbls: lbls, hash: hash, entries: es}, {lbls: name, entries: es[:1]}})
	})
}
