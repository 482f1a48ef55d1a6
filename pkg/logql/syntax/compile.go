package syntax

import (
	"fmt"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// Pipeline compiles the selector's stages with pkg/logql/log's stage constructors.
func (e *LogSelector) Pipeline() (log.Pipeline, error) {
	stages, err := compileStages(e.Stages)
	if err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		return log.NewNoopPipeline(), nil
	}
	return log.NewPipeline(stages), nil
}

func compileStages(in []Stage) ([]log.Stage, error) {
	out := make([]log.Stage, 0, len(in))
	for _, s := range in {
		st, err := compileStage(s)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func compileStage(s Stage) (log.Stage, error) {
	switch s := s.(type) {
	case *LineFilterStage:
		if s.IP {
			return nil, fmt.Errorf("compile line filter %s: ip() is not supported yet", s)
		}
		matches := []string{s.Match}
		for _, o := range s.Or {
			if o.IP {
				return nil, fmt.Errorf("compile line filter %s: ip() is not supported yet", s)
			}
			matches = append(matches, o.Match)
		}
		f, err := log.NewLineFilterOr(log.LineFilterOp(s.Op), matches...)
		if err != nil {
			return nil, fmt.Errorf("compile line filter %s: %w", s, err)
		}
		return log.NewFilterStage(f), nil
	}
	return nil, fmt.Errorf("compile stage %s: not supported yet", s)
}

// Extractor compiles the pipeline and the value extraction of the range aggregation: 1 per
// line for counting operations, the line's length for bytes_*, the unwrapped label otherwise.
func (e *RangeAggregationExpr) Extractor() (log.SampleExtractor, error) {
	p, err := e.Left.Left.Pipeline()
	if err != nil {
		return nil, err
	}
	if e.Left.Unwrap != nil {
		return nil, fmt.Errorf("compile extractor %s: unwrap is not supported yet", e)
	}
	bytes := e.Op == OpBytesOverTime || e.Op == OpBytesRate
	return &lineExtractor{p: p, bytes: bytes}, nil
}

type lineExtractor struct {
	p     log.Pipeline
	bytes bool
}

func (x *lineExtractor) ForStream(stream labels.Labels) log.StreamSampleExtractor {
	return &streamLineExtractor{sp: x.p.ForStream(stream), bytes: x.bytes}
}

type streamLineExtractor struct {
	sp    log.StreamPipeline
	bytes bool
}

func (x *streamLineExtractor) Process(ts int64, line []byte, sm labels.Labels) (float64, log.LabelsResult, bool) {
	out, lr, ok := x.sp.Process(ts, line, sm)
	if !ok {
		return 0, nil, false
	}
	if x.bytes {
		return float64(len(out)), lr, true
	}
	return 1, lr, true
}

func (x *streamLineExtractor) BaseLabels() log.LabelsResult { return x.sp.BaseLabels() }
