package loggen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"strconv"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/proto/logproto"
)

// Batch is a set of generated entries grouped by stream, ready to encode as one push.
type Batch struct {
	gen     *Generator
	streams map[int][]Entry
	order   []int // streams in first-seen order, so encodings are deterministic
	Lines   int
	Bytes   int    // line bytes
	Tenant  string // X-Scope-OrgID the batch is sent with
}

// NewBatch returns an empty batch for g's streams.
func (g *Generator) NewBatch() *Batch { return &Batch{gen: g, streams: map[int][]Entry{}} }

// Add appends e to the batch.
func (b *Batch) Add(e Entry) {
	if _, ok := b.streams[e.Stream]; !ok {
		b.order = append(b.order, e.Stream)
	}
	b.streams[e.Stream] = append(b.streams[e.Stream], e)
	b.Lines++
	b.Bytes += len(e.Line)
}

// Fill adds lines until the batch holds at least targetBytes of lines or maxLines lines
// (0: no line bound), stamping them from *ts and advancing it by step per line.
func (b *Batch) Fill(targetBytes, maxLines int, ts *int64, step int64) {
	for b.Bytes < targetBytes && (maxLines <= 0 || b.Lines < maxLines) {
		b.Add(b.gen.Next(*ts))
		*ts += step
	}
}

// Entries calls fn for every entry, stream by stream.
func (b *Batch) Entries(fn func(s Stream, e Entry)) {
	for _, s := range b.order {
		for _, e := range b.streams[s] {
			fn(b.gen.streams[s], e)
		}
	}
}

// Proto returns the batch as a logproto.PushRequest.
func (b *Batch) Proto() *logproto.PushRequest {
	req := &logproto.PushRequest{Streams: make([]*logproto.StreamAdapter, 0, len(b.order))}
	for _, s := range b.order {
		es := b.streams[s]
		st := &logproto.StreamAdapter{Labels: b.gen.streams[s].LabelString, Entries: make([]*logproto.EntryAdapter, len(es))}
		for i, e := range es {
			st.Entries[i] = &logproto.EntryAdapter{
				Timestamp: &timestamppb.Timestamp{Seconds: e.Timestamp / 1e9, Nanos: int32(e.Timestamp % 1e9)},
				Line:      e.Line,
			}
		}
		req.Streams = append(req.Streams, st)
	}
	return req
}

// EncodeProto returns the batch as a snappy-compressed protobuf body.
func (b *Batch) EncodeProto() ([]byte, error) {
	raw, err := proto.Marshal(b.Proto())
	if err != nil {
		return nil, err
	}
	return snappy.Encode(nil, raw), nil
}

// EncodeJSON returns the batch as a Loki v1 JSON body, gzipped when gz is set.
func (b *Batch) EncodeJSON(gz bool) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(b.Bytes + b.Lines*40 + 256)
	buf.WriteString(`{"streams":[`)
	for i, s := range b.order {
		if i > 0 {
			buf.WriteByte(',')
		}
		st := b.gen.streams[s]
		m, err := json.Marshal(st.Labels.Map())
		if err != nil {
			return nil, err
		}
		buf.WriteString(`{"stream":`)
		buf.Write(m)
		buf.WriteString(`,"values":[`)
		for j, e := range b.streams[s] {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`["`)
			buf.WriteString(strconv.FormatInt(e.Timestamp, 10))
			buf.WriteString(`",`)
			q, err := json.Marshal(e.Line)
			if err != nil {
				return nil, err
			}
			buf.Write(q)
			buf.WriteByte(']')
		}
		buf.WriteString(`]}`)
	}
	buf.WriteString(`]}`)
	if !gz {
		return buf.Bytes(), nil
	}
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
