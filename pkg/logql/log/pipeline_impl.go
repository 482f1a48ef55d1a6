package log

import (
	"slices"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Stage is one step of a pipeline: a filter, a parser, a formatter. Process returns the
// (possibly rewritten) line and whether the entry is kept. A stage may return a line that
// aliases its own buffer; it is valid until the stage's next call. Stages are safe for
// concurrent use unless their constructor says otherwise: per-entry state lives in the
// LabelsBuilder or in per-stream copies made by ForStream.
type Stage interface {
	Process(ts int64, line []byte, lbs *LabelsBuilder) ([]byte, bool)
}

// streamStager is implemented by stages that keep reusable buffers: ForStream gives each
// stream its own copy so that concurrent streams do not share them.
type streamStager interface {
	forStream() Stage
}

// StageFunc adapts a function to a Stage.
type StageFunc func(ts int64, line []byte, lbs *LabelsBuilder) ([]byte, bool)

// Process calls f.
func (f StageFunc) Process(ts int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	return f(ts, line, lbs)
}

type pipeline struct {
	stages []Stage
}

// NewPipeline returns a pipeline that runs stages in order.
func NewPipeline(stages []Stage) Pipeline {
	return &pipeline{stages: mergeLineFilters(stages)}
}

// mergeLineFilters joins runs of adjacent line-filter stages into one, ordered cheapest
// first (substring scans before regexps), as line filters are pure and commute.
func mergeLineFilters(stages []Stage) []Stage {
	out := make([]Stage, 0, len(stages))
	for i := 0; i < len(stages); {
		fs, ok := stages[i].(filterStage)
		if !ok {
			out = append(out, stages[i])
			i++
			continue
		}
		run := []Filterer{fs.f}
		j := i + 1
		for ; j < len(stages); j++ {
			next, ok := stages[j].(filterStage)
			if !ok {
				break
			}
			run = append(run, next.f)
		}
		slices.SortStableFunc(run, func(a, b Filterer) int { return filterCost(a) - filterCost(b) })
		out = append(out, filterStage{NewAndFilter(run...)})
		i = j
	}
	return out
}

// filterCost ranks filters by the work they do per line.
func filterCost(f Filterer) int {
	switch g := f.(type) {
	case trueFilter, existsFilter:
		return 0
	case *containsFilter:
		return 1
	case *containsAnyFilter, *foldFilter:
		return 2
	case *notFilter:
		return filterCost(g.f)
	case *regexpFilter:
		return 5
	}
	return 3
}

// NewNoopPipeline returns a pipeline that keeps every entry unchanged.
func NewNoopPipeline() Pipeline { return &pipeline{} }

func (p *pipeline) ForStream(stream labels.Labels) StreamPipeline {
	return &streamPipeline{stages: streamStages(p.stages), lb: NewLabelsBuilder(stream)}
}

func streamStages(stages []Stage) []Stage {
	out := make([]Stage, len(stages))
	for i, s := range stages {
		if ss, ok := s.(streamStager); ok {
			out[i] = ss.forStream()
		} else {
			out[i] = s
		}
	}
	return out
}

type streamPipeline struct {
	stages []Stage
	lb     *LabelsBuilder
}

func (p *streamPipeline) Process(ts int64, line []byte, sm labels.Labels) ([]byte, LabelsResult, bool) {
	p.lb.Reset(sm)
	var ok bool
	for _, s := range p.stages {
		if line, ok = s.Process(ts, line, p.lb); !ok {
			return nil, nil, false
		}
	}
	return line, p.lb.LabelsResult(), true
}

func (p *streamPipeline) BaseLabels() LabelsResult { return p.lb.baseResult }

// runStages runs stages over one entry already reset in lb.
func runStages(stages []Stage, ts int64, line []byte, lb *LabelsBuilder) ([]byte, bool) {
	var ok bool
	for _, s := range stages {
		if line, ok = s.Process(ts, line, lb); !ok {
			return nil, false
		}
	}
	return line, true
}
