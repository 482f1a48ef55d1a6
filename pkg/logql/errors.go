package logql

import (
	"errors"
	"fmt"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// ErrBadRequest matches (errors.Is) every error caused by the query or its parameters rather
// than by the system: the HTTP layer answers those with 400.
var ErrBadRequest = errors.New("bad request")

// ErrPipeline matches pipeline errors (a series still carrying __error__ in a metric query).
var ErrPipeline = errors.New("pipeline error")

// ErrLimit matches the errors of the engine's limits (series, entries, points).
var ErrLimit = errors.New("limit exceeded")

// IsBadRequest reports whether err should be answered with 400: parse errors, limit errors,
// pipeline errors and invalid parameters.
func IsBadRequest(err error) bool {
	return errors.Is(err, ErrBadRequest) || syntax.IsParseError(err)
}

// queryError is a client error with Loki's exact text.
type queryError struct {
	msg  string
	kind error // ErrLimit, ErrPipeline or nil
}

func (e *queryError) Error() string { return e.msg }

func (e *queryError) Is(target error) bool {
	return target == ErrBadRequest || (e.kind != nil && target == e.kind)
}

func badRequest(format string, args ...any) error {
	return &queryError{msg: fmt.Sprintf(format, args...)}
}

func newSeriesLimitError(limit int) error {
	return &queryError{kind: ErrLimit, msg: fmt.Sprintf("maximum number of series (%d) reached for a single query; consider reducing query cardinality by adding more specific stream selectors, reducing the time range, or aggregating results with functions like sum(), count() or topk()", limit)}
}

func newEntriesLimitError(asked uint32, limit int) error {
	return &queryError{kind: ErrLimit, msg: fmt.Sprintf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", asked, limit)}
}

// errMaxPoints is Loki's text for a range query with too many steps.
func newMaxPointsError() error {
	return &queryError{kind: ErrLimit, msg: "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter"}
}

// newPipelineError is Loki's text, byte for byte, for a metric series carrying __error__.
func newPipelineError(metric labels.Labels) error {
	t := metric.Get("__error__")
	return &queryError{kind: ErrPipeline, msg: fmt.Sprintf(
		"pipeline error: '%s' for series: '%s'.\n"+
			"Use a label filter to intentionally skip this error. (e.g | __error__!=\"%s\").\n"+
			"To skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"+
			"The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n",
		t, metric.String(), t)}
}

const (
	msgInstantLogQuery = "log queries are not supported as an instant query type, please change your query to a range query type"
	msgBadStep         = "zero or negative query resolution step widths are not accepted. Try a positive integer"
)
