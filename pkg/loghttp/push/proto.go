package push

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

// DecodeSnappyProto decodes a raw (block) snappy compressed logproto.PushRequest. The
// decompressed size is checked against maxBytes (0: no limit) before anything is allocated.
func DecodeSnappyProto(body []byte, maxBytes int64) (*logproto.PushRequest, int64, error) {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return nil, 0, badRequest("decode snappy: %v", err)
	}
	if maxBytes > 0 && int64(n) > maxBytes {
		return nil, int64(n), tooLarge(int64(n), maxBytes)
	}
	buf, err := snappy.Decode(make([]byte, n), body)
	if err != nil {
		return nil, int64(n), badRequest("decode snappy: %v", err)
	}
	req, err := DecodeProto(buf)
	return req, int64(n), err
}

// DecodeProto decodes an uncompressed logproto.PushRequest. The returned strings point into buf,
// which the caller must not modify afterwards.
func DecodeProto(buf []byte) (*logproto.PushRequest, error) {
	d := protoDec{s: unsafe.String(unsafe.SliceData(buf), len(buf))}
	req := &logproto.PushRequest{}
	b := d.s
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		switch {
		case num == 1 && typ == protowire.BytesType:
			st, err := d.stream(v)
			if err != nil {
				return nil, err
			}
			req.Streams = append(req.Streams, st)
		case num == 2 && typ == protowire.BytesType:
			req.Format = d.str(v)
		}
	}
	return req, nil
}

// protoDec walks the message as a string so that every decoded string is a sub-slice of the
// body rather than a copy.
type protoDec struct {
	s string
}

var errTruncated = badRequest("decode protobuf: truncated or malformed message")

// field consumes one field of b. For BytesType fields v is the payload; other wire types are
// skipped and v is empty.
func (d *protoDec) field(b string) (protowire.Number, protowire.Type, string, string, error) {
	bs := unsafe.Slice(unsafe.StringData(b), len(b))
	num, typ, n := protowire.ConsumeTag(bs)
	if n < 0 || num <= 0 {
		return 0, 0, "", "", errTruncated
	}
	bs = bs[n:]
	b = b[n:]
	if typ == protowire.BytesType {
		m, hn := protowire.ConsumeVarint(bs)
		if hn < 0 || m > uint64(len(b)-hn) {
			return 0, 0, "", "", errTruncated
		}
		return num, typ, b[hn : hn+int(m)], b[hn+int(m):], nil
	}
	vn := protowire.ConsumeFieldValue(num, typ, bs)
	if vn < 0 {
		return 0, 0, "", "", errTruncated
	}
	return num, typ, "", b[vn:], nil
}

// bytesFields calls f with the number and payload of each length-delimited field of the message
// b, in order, skipping fields of other wire types; it stops at f's first error.
func (d *protoDec) bytesFields(b string, f func(num protowire.Number, v string) error) error {
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return err
		}
		b = rest
		if typ != protowire.BytesType {
			continue
		}
		if err := f(num, v); err != nil {
			return err
		}
	}
	return nil
}

func (d *protoDec) varint(b string) (uint64, string, error) {
	v, n := protowire.ConsumeVarint(unsafe.Slice(unsafe.StringData(b), len(b)))
	if n < 0 {
		return 0, "", errTruncated
	}
	return v, b[n:], nil
}

// str returns s with invalid UTF-8 replaced, so that the request can be re-marshalled.
func (d *protoDec) str(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (d *protoDec) stream(b string) (*logproto.StreamAdapter, error) {
	st := &logproto.StreamAdapter{}
	// Count entries first so that they are allocated in three slabs, not one by one.
	count := 0
	for rest := b; len(rest) > 0; {
		num, typ, _, r, err := d.field(rest)
		if err != nil {
			return nil, err
		}
		if num == 2 && typ == protowire.BytesType {
			count++
		}
		rest = r
	}
	ents := make([]logproto.EntryAdapter, count)
	tss := make([]timestamppb.Timestamp, count)
	st.Entries = make([]*logproto.EntryAdapter, 0, count)
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		// Field 3 (hash) is internal: clients leave it 0 and the distributor recomputes it.
		if typ != protowire.BytesType {
			continue
		}
		switch num {
		case 1:
			st.Labels = d.str(v)
		case 2:
			i := len(st.Entries)
			e := &ents[i]
			if err := d.entry(v, e, &tss[i]); err != nil {
				return nil, err
			}
			st.Entries = append(st.Entries, e)
		}
	}
	return st, nil
}

func (d *protoDec) entry(b string, e *logproto.EntryAdapter, ts *timestamppb.Timestamp) error {
	e.Timestamp = ts
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return err
		}
		b = rest
		if typ != protowire.BytesType {
			continue
		}
		switch num {
		case 1:
			if err := d.timestamp(v, ts); err != nil {
				return err
			}
		case 2:
			e.Line = d.str(v)
		case 3:
			p, err := d.pair(v)
			if err != nil {
				return err
			}
			e.StructuredMetadata = append(e.StructuredMetadata, p)
		}
		// Field 4 (parsed) is query-side only and ignored on write.
	}
	return nil
}

func (d *protoDec) timestamp(b string, ts *timestamppb.Timestamp) error {
	for len(b) > 0 {
		bs := unsafe.Slice(unsafe.StringData(b), len(b))
		num, typ, n := protowire.ConsumeTag(bs)
		if n < 0 {
			return errTruncated
		}
		b = b[n:]
		if typ != protowire.VarintType {
			vn := protowire.ConsumeFieldValue(num, typ, bs[n:])
			if vn < 0 {
				return errTruncated
			}
			b = b[vn:]
			continue
		}
		v, rest, err := d.varint(b)
		if err != nil {
			return err
		}
		b = rest
		switch num {
		case 1:
			ts.Seconds = int64(v)
		case 2:
			ts.Nanos = int32(v)
		}
	}
	if ts.Nanos < 0 || ts.Nanos >= 1e9 {
		return badRequest("decode protobuf: timestamp nanos %d out of range", ts.Nanos)
	}
	return nil
}

func (d *protoDec) pair(b string) (*logproto.LabelPairAdapter, error) {
	p := &logproto.LabelPairAdapter{}
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		if typ != protowire.BytesType {
			continue
		}
		switch num {
		case 1:
			p.Name = d.str(v)
		case 2:
			p.Value = d.str(v)
		}
	}
	return p, nil
}
