package log

import (
	"fmt"
	"strconv"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Grouping is a `by (…)` or `without (…)` clause pushed into an extractor so that series are
// reduced while lines are read. `by ()` (no Groups, Without false) keeps no label.
type Grouping struct {
	Groups  []string
	Without bool
}

// LineExtraction is the value a log range aggregation takes from each line.
type LineExtraction int

const (
	CountExtraction LineExtraction = iota // count_over_time, rate: 1 per line
	BytesExtraction                       // bytes_over_time, bytes_rate: the line's length
)

// Conversion is how `unwrap` turns a label value into a sample.
type Conversion int

const (
	ConvertFloat           Conversion = iota // unwrap x: a float
	ConvertDuration                          // unwrap duration(x): a Go duration, in seconds
	ConvertDurationSeconds                   // unwrap duration_seconds(x): same
	ConvertBytes                             // unwrap bytes(x): a byte size (`1.5KiB`)
)

func (c Conversion) convert(s string) (float64, error) {
	switch c {
	case ConvertFloat:
		return strconv.ParseFloat(s, 64)
	case ConvertDuration, ConvertDurationSeconds:
		d, err := time.ParseDuration(s)
		return d.Seconds(), err
	case ConvertBytes:
		b, err := ParseBytes(s)
		return float64(b), err
	}
	return 0, fmt.Errorf("unknown conversion %d", int(c))
}

type lineSampleExtractor struct {
	kind   LineExtraction
	stages []Stage
	g      *Grouping
}

// NewLineSampleExtractor returns the extractor of count_over_time/rate (CountExtraction) or
// bytes_over_time/bytes_rate (BytesExtraction): it runs stages, then yields 1 or the length of
// the resulting line, labelled per g (nil: all labels).
func NewLineSampleExtractor(kind LineExtraction, stages []Stage, g *Grouping) SampleExtractor {
	return &lineSampleExtractor{kind: kind, stages: mergeLineFilters(stages), g: g}
}

func (e *lineSampleExtractor) ForStream(stream labels.Labels) StreamSampleExtractor {
	stages := streamStages(e.stages)
	applyHints(stages, nil, e.g, "")
	return &streamLineExtractor{lineSampleExtractor: e, stages: stages, lb: NewLabelsBuilder(stream), static: onlyLineFilters(stages)}
}

// onlyLineFilters reports whether stages never touch labels, so that an entry without
// structured metadata always gets the stream's own (grouped) labels.
func onlyLineFilters(stages []Stage) bool {
	for _, s := range stages {
		if _, ok := s.(filterStage); !ok {
			return false
		}
	}
	return true
}

type streamLineExtractor struct {
	*lineSampleExtractor
	stages []Stage
	lb     *LabelsBuilder
	// static: labels depend only on the stream (see onlyLineFilters); staticRes caches them.
	static    bool
	staticRes LabelsResult
}

func (s *streamLineExtractor) Process(ts int64, line []byte, sm labels.Labels) (float64, LabelsResult, bool) {
	s.lb.Reset(sm)
	line, ok := runStages(s.stages, ts, line, s.lb)
	if !ok {
		return 0, nil, false
	}
	v := 1.0
	if s.kind == BytesExtraction {
		v = float64(len(line))
	}
	if s.static && len(sm) == 0 {
		if s.staticRes == nil {
			s.staticRes = s.lb.GroupedLabels(s.g, "")
		}
		return v, s.staticRes, true
	}
	return v, s.lb.GroupedLabels(s.g, ""), true
}

func (s *streamLineExtractor) BaseLabels() LabelsResult { return s.lb.baseResult }

type labelSampleExtractor struct {
	stages []Stage
	label  string
	conv   Conversion
	post   []Stage
	g      *Grouping
}

// NewLabelSampleExtractor returns the extractor of an unwrapped range aggregation: it runs
// stages, converts label with conv (a failure sets __error__=SampleExtractionErr and yields
// 0), then runs the post-unwrap filters. Without `by`, the unwrapped label is removed from
// the series labels, as in Loki.
func NewLabelSampleExtractor(stages []Stage, label string, conv Conversion, post []Stage, g *Grouping) (SampleExtractor, error) {
	if label == "" {
		return nil, fmt.Errorf("unwrap: empty label name")
	}
	if conv < ConvertFloat || conv > ConvertBytes {
		return nil, fmt.Errorf("unwrap: unknown conversion %d", int(conv))
	}
	return &labelSampleExtractor{stages: mergeLineFilters(stages), label: label, conv: conv, post: post, g: g}, nil
}

func (e *labelSampleExtractor) ForStream(stream labels.Labels) StreamSampleExtractor {
	stages, post := streamStages(e.stages), streamStages(e.post)
	applyHints(stages, post, e.g, e.label)
	return &streamLabelExtractor{labelSampleExtractor: e, stages: stages, post: post, lb: NewLabelsBuilder(stream)}
}

type streamLabelExtractor struct {
	*labelSampleExtractor
	stages, post []Stage
	lb           *LabelsBuilder
}

func (s *streamLabelExtractor) Process(ts int64, line []byte, sm labels.Labels) (float64, LabelsResult, bool) {
	s.lb.Reset(sm)
	line, ok := runStages(s.stages, ts, line, s.lb)
	if !ok {
		return 0, nil, false
	}
	raw, _ := s.lb.Get(s.label)
	v, err := s.conv.convert(raw)
	if err != nil {
		v = 0
		s.lb.SetErr(ErrSample)
		s.lb.SetErrorDetails(err.Error())
	}
	if _, ok := runStages(s.post, ts, line, s.lb); !ok {
		return 0, nil, false
	}
	return v, s.lb.GroupedLabels(s.g, s.label), true
}

func (s *streamLabelExtractor) BaseLabels() LabelsResult { return s.lb.baseResult }
