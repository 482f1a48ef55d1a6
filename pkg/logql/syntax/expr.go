package syntax

import (
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// Expr is any parsed LogQL expression. String returns it in canonical (formatted) LogQL.
type Expr interface {
	String() string
}

// LogSelectorExpr is a stream selector with its pipeline: {app="x"} |= "err" | json.
// Data sources (ingester, store) evaluate it themselves so that only matching data moves.
type LogSelectorExpr interface {
	Expr
	// Matchers are the stream selector's label matchers.
	Matchers() []*labels.Matcher
	// Pipeline compiles the stages after the selector.
	Pipeline() (log.Pipeline, error)
	// RequiredLiterals lists literal substrings that every line the pipeline keeps must contain,
	// as the line is stored (from case-sensitive |= filters that come before any stage that
	// rewrites the line). Storage uses them to skip blocks via their token filters. May be empty.
	RequiredLiterals() []string
}

// SampleExpr is a range aggregation over a log selector (count_over_time({..}[5m]), rate, …
// with unwrap). Data sources evaluate its selector, pipeline and extraction, and return samples;
// the engine does the windowing.
type SampleExpr interface {
	Expr
	Selector() LogSelectorExpr
	// Extractor compiles the pipeline and the sample extraction.
	Extractor() (log.SampleExtractor, error)
}
