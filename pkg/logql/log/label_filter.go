package log

import (
	"fmt"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/skaldlogs/skald/pkg/labels"
)

// LabelFilterOp is a comparison operator of a label filter.
type LabelFilterOp int

const (
	LabelFilterEqual              LabelFilterOp = iota // == (or = for numbers)
	LabelFilterNotEqual                                // !=
	LabelFilterGreaterThan                             // >
	LabelFilterGreaterThanOrEqual                      // >=
	LabelFilterLesserThan                              // <
	LabelFilterLesserThanOrEqual                       // <=
)

func (op LabelFilterOp) String() string {
	switch op {
	case LabelFilterEqual:
		return "=="
	case LabelFilterNotEqual:
		return "!="
	case LabelFilterGreaterThan:
		return ">"
	case LabelFilterGreaterThanOrEqual:
		return ">="
	case LabelFilterLesserThan:
		return "<"
	case LabelFilterLesserThanOrEqual:
		return "<="
	}
	return fmt.Sprintf("LabelFilterOp(%d)", int(op))
}

func (op LabelFilterOp) compare(a, b float64) bool {
	switch op {
	case LabelFilterEqual:
		return a == b
	case LabelFilterNotEqual:
		return a != b
	case LabelFilterGreaterThan:
		return a > b
	case LabelFilterGreaterThanOrEqual:
		return a >= b
	case LabelFilterLesserThan:
		return a < b
	case LabelFilterLesserThanOrEqual:
		return a <= b
	}
	panic(fmt.Sprintf("BUG: unknown label filter op %d", int(op)))
}

type stringLabelFilter struct{ m *labels.Matcher }

// NewStringLabelFilter returns `| name op "value"` for =, !=, =~, !~ (regexps fully
// anchored). A missing label compares as "". It is the only filter that can test __error__.
func NewStringLabelFilter(m *labels.Matcher) Stage { return stringLabelFilter{m} }

func (f stringLabelFilter) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	v, _ := lbs.Get(f.m.Name)
	return line, f.m.Matches(v)
}

// numberFilter compares a label converted to a number. Entries that already carry an error
// pass through untouched (only string filters may drop them); a label that is absent drops
// the entry; one that does not convert sets __error__=LabelFilterErr and keeps it.
type numberFilter struct {
	op      LabelFilterOp
	name    string
	value   float64
	convert func(string) (float64, error)
}

func (f *numberFilter) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if lbs.HasErr() {
		return line, true
	}
	v, ok := lbs.Get(f.name)
	if !ok {
		return line, false
	}
	n, err := f.convert(v)
	if err != nil {
		lbs.SetErr(ErrLabelFilter)
		lbs.SetErrorDetails(err.Error())
		return line, true
	}
	return line, f.op.compare(n, f.value)
}

// NewNumericLabelFilter returns `| name op 1.5`.
func NewNumericLabelFilter(op LabelFilterOp, name string, value float64) Stage {
	return &numberFilter{op: op, name: name, value: value, convert: parseFloat}
}

// NewDurationLabelFilter returns `| name op 10ms`; the label is parsed as a Go duration.
func NewDurationLabelFilter(op LabelFilterOp, name string, d time.Duration) Stage {
	return &numberFilter{op: op, name: name, value: float64(d), convert: parseDurationValue}
}

// NewBytesLabelFilter returns `| name op 20KB`; the label is parsed as a byte size
// (`1.5KiB`, `20 MB`, `1024`).
func NewBytesLabelFilter(op LabelFilterOp, name string, b uint64) Stage {
	return &numberFilter{op: op, name: name, value: float64(b), convert: parseBytesValue}
}

// parseFloat is strconv.ParseFloat with a shortcut for short unsigned integers (status codes,
// sizes), the usual parsed values: up to 15 digits are exact in a float64.
func parseFloat(s string) (float64, error) {
	if len(s) == 0 || len(s) > 15 {
		return strconv.ParseFloat(s, 64)
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return strconv.ParseFloat(s, 64)
		}
		n = n*10 + uint64(c-'0')
	}
	return float64(n), nil
}

func parseDurationValue(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	return float64(d), err
}

func parseBytesValue(s string) (float64, error) {
	b, err := humanize.ParseBytes(s)
	return float64(b), err
}

// ParseBytes parses a byte size the way bytes label filters and `unwrap bytes()` do.
func ParseBytes(s string) (uint64, error) { return humanize.ParseBytes(s) }

type binaryLabelFilter struct {
	left, right Stage
	and         bool
}

// NewAndLabelFilter returns `l and r` (also written `l, r` or `l r`).
func NewAndLabelFilter(l, r Stage) Stage { return &binaryLabelFilter{left: l, right: r, and: true} }

// NewOrLabelFilter returns `l or r`.
func NewOrLabelFilter(l, r Stage) Stage { return &binaryLabelFilter{left: l, right: r} }

func (f *binaryLabelFilter) Process(ts int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	line, lok := f.left.Process(ts, line, lbs)
	if f.and && !lok {
		return line, false
	}
	if !f.and && lok {
		return line, true
	}
	return f.right.Process(ts, line, lbs)
}

func (f *binaryLabelFilter) forStream() Stage {
	return &binaryLabelFilter{left: streamStages([]Stage{f.left})[0], right: streamStages([]Stage{f.right})[0], and: f.and}
}
