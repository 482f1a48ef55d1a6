package log

import "github.com/skaldlogs/skald/pkg/labels"

// Pipeline is a compiled LogQL log pipeline (the stages after a stream selector). It is safe for
// concurrent use; the StreamPipelines it returns are not.
type Pipeline interface {
	// ForStream returns the processor for one stream, identified by its labels. Callers keep one
	// StreamPipeline per stream for the whole query: it caches per-stream work.
	ForStream(stream labels.Labels) StreamPipeline
}

// StreamPipeline runs a pipeline over the entries of one stream. Not safe for concurrent use.
type StreamPipeline interface {
	// Process runs every stage on one entry. keep is false when a filter dropped the entry.
	// The returned line may alias an internal buffer and is valid only until the next call;
	// the LabelsResult likewise (copy what you keep).
	Process(ts int64, line []byte, structuredMetadata labels.Labels) (out []byte, lbls LabelsResult, keep bool)
	// BaseLabels is the result for the stream before any stage ran.
	BaseLabels() LabelsResult
}

// LabelsResult is the label set of one processed entry, split by origin as Loki's categorised
// labels are: stream labels, structured metadata and labels parsed by the pipeline.
type LabelsResult interface {
	// Labels is the merged, sorted set: what a LogQL result shows for the entry.
	Labels() labels.Labels
	// String is Labels() in selector form; Hash is a hash of the same set.
	String() string
	Hash() uint64
	Stream() labels.Labels
	StructuredMetadata() labels.Labels
	Parsed() labels.Labels
}

// SampleExtractor is a compiled pipeline plus a value extraction (a count, bytes, or an unwrapped
// label) for a range aggregation. Safe for concurrent use.
type SampleExtractor interface {
	ForStream(stream labels.Labels) StreamSampleExtractor
}

// StreamSampleExtractor extracts samples from the entries of one stream. Not safe for concurrent
// use. ok is false when the entry is filtered out or yields no sample.
type StreamSampleExtractor interface {
	Process(ts int64, line []byte, structuredMetadata labels.Labels) (value float64, lbls LabelsResult, ok bool)
	BaseLabels() LabelsResult
}
