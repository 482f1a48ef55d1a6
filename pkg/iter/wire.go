package iter

import (
	"errors"
	"io"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// DefaultBatchSize is how many entries or samples one streamed response carries.
const DefaultBatchSize = 1000

// SendEntries drains it in batches of batchSize entries, each sent as one LogQueryResponse with
// the batch's entries grouped by labels and original stream. Batches follow the iterator's order, so a reader can
// merge within a response and concatenate responses (NewLogResponseIterator). It closes it.
func SendEntries(it EntryIterator, batchSize int, send func(*querierpb.LogQueryResponse) error) error {
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	defer it.Close()
	for {
		resp, n := &querierpb.LogQueryResponse{}, 0
		idx := map[streamKey]*logproto.StreamAdapter{}
		for n < batchSize && it.Next() {
			l, h := it.Labels(), it.StreamHash()
			s, ok := idx[streamKey{l, h}]
			if !ok {
				s = &logproto.StreamAdapter{Labels: l, Hash: h}
				idx[streamKey{l, h}] = s
				resp.Streams = append(resp.Streams, s)
			}
			s.Entries = append(s.Entries, EntryToProto(it.At()))
			n++
		}
		if err := it.Err(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := send(resp); err != nil {
			return err
		}
		if n < batchSize {
			return nil
		}
	}
}

// streamKey groups a batch by labels and original stream: two streams that a pipeline gave the
// same labels stay apart, so the reader's merge still tells replicas from distinct streams.
type streamKey struct {
	labels string
	hash   uint64
}

// EntryToProto converts an entry to its wire form.
func EntryToProto(e Entry) *logproto.EntryAdapter {
	return &logproto.EntryAdapter{
		Timestamp:          &timestamppb.Timestamp{Seconds: e.Timestamp / 1e9, Nanos: int32(e.Timestamp % 1e9)},
		Line:               e.Line,
		StructuredMetadata: labelsToProto(e.StructuredMetadata),
		Parsed:             labelsToProto(e.Parsed),
	}
}

// EntryFromProto converts a wire entry back.
func EntryFromProto(e *logproto.EntryAdapter) Entry {
	var ts int64
	if t := e.GetTimestamp(); t != nil {
		ts = t.GetSeconds()*1e9 + int64(t.GetNanos())
	}
	return Entry{
		Timestamp:          ts,
		Line:               e.GetLine(),
		StructuredMetadata: labelsFromProto(e.GetStructuredMetadata()),
		Parsed:             labelsFromProto(e.GetParsed()),
	}
}

func labelsToProto(ls labels.Labels) []*logproto.LabelPairAdapter {
	if len(ls) == 0 {
		return nil
	}
	out := make([]*logproto.LabelPairAdapter, len(ls))
	for i, l := range ls {
		out[i] = &logproto.LabelPairAdapter{Name: l.Name, Value: l.Value}
	}
	return out
}

func labelsFromProto(ps []*logproto.LabelPairAdapter) labels.Labels {
	if len(ps) == 0 {
		return nil
	}
	out := make(labels.Labels, len(ps))
	for i, p := range ps {
		out[i] = labels.Label{Name: p.GetName(), Value: p.GetValue()}
	}
	return out
}

// SendSamples drains it in batches of batchSize samples, each sent as one SampleQueryResponse
// with the batch's samples grouped by labels and original stream. It closes it.
func SendSamples(it SampleIterator, batchSize int, send func(*querierpb.SampleQueryResponse) error) error {
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	defer it.Close()
	for {
		resp, n := &querierpb.SampleQueryResponse{}, 0
		idx := map[streamKey]*querierpb.Series{}
		for n < batchSize && it.Next() {
			l, h := it.Labels(), it.StreamHash()
			s, ok := idx[streamKey{l, h}]
			if !ok {
				s = &querierpb.Series{Labels: l, StreamHash: h}
				idx[streamKey{l, h}] = s
				resp.Series = append(resp.Series, s)
			}
			smp := it.At()
			s.Samples = append(s.Samples, &querierpb.Sample{Timestamp: smp.Timestamp, Value: smp.Value, Hash: smp.Hash})
			n++
		}
		if err := it.Err(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := send(resp); err != nil {
			return err
		}
		if n < batchSize {
			return nil
		}
	}
}

// LogResponseReceiver is the client side of a Query stream (grpc.ServerStreamingClient).
type LogResponseReceiver interface {
	Recv() (*querierpb.LogQueryResponse, error)
}

// SampleResponseReceiver is the client side of a QuerySample stream.
type SampleResponseReceiver interface {
	Recv() (*querierpb.SampleQueryResponse, error)
}

// NewLogResponseIterator reads a stream of LogQueryResponses written by SendEntries, in dir
// order (as the server sent them). close, if not nil, is called by Close (e.g. to cancel the
// call's context).
func NewLogResponseIterator(r LogResponseReceiver, dir Direction, close func() error) EntryIterator {
	return &responseIterator[*querierpb.LogQueryResponse, Entry]{recv: r.Recv, closeFn: close, cur: NewNoopEntryIterator(),
		decode: func(resp *querierpb.LogQueryResponse) source[Entry] {
			streams := make([]StreamEntries, len(resp.GetStreams()))
			for i, s := range resp.GetStreams() {
				es := make([]Entry, len(s.GetEntries()))
				for j, e := range s.GetEntries() {
					es[j] = EntryFromProto(e)
				}
				streams[i] = StreamEntries{Labels: s.GetLabels(), Hash: s.GetHash(), Entries: es}
			}
			return NewStreamsIterator(streams, dir)
		}}
}

// NewSampleResponseIterator reads a stream of SampleQueryResponses written by SendSamples, in
// timestamp order.
func NewSampleResponseIterator(r SampleResponseReceiver, close func() error) SampleIterator {
	return &responseIterator[*querierpb.SampleQueryResponse, Sample]{recv: r.Recv, closeFn: close, cur: NewNoopSampleIterator(),
		decode: func(resp *querierpb.SampleQueryResponse) source[Sample] {
			series := make([]SeriesSamples, len(resp.GetSeries()))
			for i, sr := range resp.GetSeries() {
				ss := make([]Sample, len(sr.GetSamples()))
				for j, smp := range sr.GetSamples() {
					ss[j] = Sample{Timestamp: smp.GetTimestamp(), Value: smp.GetValue(), Hash: smp.GetHash()}
				}
				series[i] = SeriesSamples{Labels: sr.GetLabels(), Hash: sr.GetStreamHash(), Samples: ss}
			}
			return NewMultiSeriesIterator(series)
		}}
}

// source is the iterator protocol EntryIterator and SampleIterator share.
type source[T any] interface {
	Next() bool
	At() T
	Labels() string
	StreamHash() uint64
	Err() error
	Close() error
}

// response is what both query response kinds offer the reader.
type response interface {
	GetStats() *querierpb.QueryStats
}

// responseIterator reads a client stream of query responses, decoding one response at a time
// into an iterator over its items and summing the stats the server sent.
type responseIterator[R response, T any] struct {
	recv    func() (R, error)
	decode  func(R) source[T]
	closeFn func() error
	cur     source[T]
	err     error
	stats   querierpb.QueryStats
}

func (l *responseIterator[R, T]) Next() bool {
	for {
		if l.cur.Next() {
			return true
		}
		if l.err != nil {
			return false
		}
		resp, err := l.recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				l.err = err
			}
			l.err = errOrDone(l.err)
			return false
		}
		addStats(&l.stats, resp.GetStats())
		l.cur = l.decode(resp)
	}
}

// errDone marks a receiver that ended cleanly; Err hides it.
var errDone = errors.New("done")

func errOrDone(err error) error {
	if err == nil {
		return errDone
	}
	return err
}

func (l *responseIterator[R, T]) At() T              { return l.cur.At() }
func (l *responseIterator[R, T]) Labels() string     { return l.cur.Labels() }
func (l *responseIterator[R, T]) StreamHash() uint64 { return l.cur.StreamHash() }

func (l *responseIterator[R, T]) Err() error {
	if l.err == errDone {
		return nil
	}
	return l.err
}

func (l *responseIterator[R, T]) Close() error {
	if l.closeFn != nil {
		return l.closeFn()
	}
	return nil
}

// Stats returns the sum of the stats of the responses read so far.
func (l *responseIterator[R, T]) Stats() *querierpb.QueryStats { return &l.stats }

// StatsReporter is implemented by wire iterators: the summed stats the server sent.
type StatsReporter interface {
	Stats() *querierpb.QueryStats
}

func addStats(dst, src *querierpb.QueryStats) {
	if src == nil {
		return
	}
	dst.TotalChunksRef += src.GetTotalChunksRef()
	dst.TotalChunksDownloaded += src.GetTotalChunksDownloaded()
	dst.ChunksDownloadTimeNs += src.GetChunksDownloadTimeNs()
	dst.HeadChunkBytes += src.GetHeadChunkBytes()
	dst.HeadChunkLines += src.GetHeadChunkLines()
	dst.DecompressedBytes += src.GetDecompressedBytes()
	dst.DecompressedLines += src.GetDecompressedLines()
	dst.CompressedBytes += src.GetCompressedBytes()
	dst.TotalDuplicates += src.GetTotalDuplicates()
	dst.PostFilterLines += src.GetPostFilterLines()
	dst.BlocksSkipped += src.GetBlocksSkipped()
	dst.StructuredMetadataBytes += src.GetStructuredMetadataBytes()
}
