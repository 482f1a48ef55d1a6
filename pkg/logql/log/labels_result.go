package log

import "github.com/skaldlogs/skald/pkg/labels"

// labelsResult is an immutable LabelsResult with its string and hash computed once.
type labelsResult struct {
	merged, stream, sm, parsed labels.Labels
	str                        string
	hash                       uint64
}

func newLabelsResult(merged, stream, sm, parsed labels.Labels) *labelsResult {
	return &labelsResult{
		merged: merged, stream: stream, sm: sm, parsed: parsed,
		str: merged.String(), hash: merged.Hash(),
	}
}

// NewLabelsResult returns a LabelsResult for labels that all come from the stream. Useful to
// callers (and tests) that need a result without running a pipeline.
func NewLabelsResult(stream labels.Labels) LabelsResult {
	return newLabelsResult(stream, stream, nil, nil)
}

func (r *labelsResult) Labels() labels.Labels             { return r.merged }
func (r *labelsResult) String() string                    { return r.str }
func (r *labelsResult) Hash() uint64                      { return r.hash }
func (r *labelsResult) Stream() labels.Labels             { return r.stream }
func (r *labelsResult) StructuredMetadata() labels.Labels { return r.sm }
func (r *labelsResult) Parsed() labels.Labels             { return r.parsed }

// sameAs guards the result cache against hash collisions.
func (r *labelsResult) sameAs(buf labels.Labels, bounds [numCategories + 1]int) bool {
	return labels.Equal(r.stream, buf[bounds[0]:bounds[1]]) &&
		labels.Equal(r.sm, buf[bounds[1]:bounds[2]]) &&
		labels.Equal(r.parsed, buf[bounds[2]:bounds[3]])
}
