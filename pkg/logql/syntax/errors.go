package syntax

import (
	"errors"
	"fmt"
	"strings"
)

// ParseError is a syntax or validation error in a query. Line and Col are 1-based; both are 0
// for errors that concern the query as a whole (Loki then prints "parse error : msg").
type ParseError struct {
	Msg       string
	Line, Col int
}

func (e *ParseError) Error() string {
	if e.Line == 0 && e.Col == 0 {
		return "parse error : " + e.Msg
	}
	return fmt.Sprintf("parse error at line %d, col %d: %s", e.Line, e.Col, e.Msg)
}

// ErrParse matches every *ParseError with errors.Is, for the HTTP layer's 400 mapping.
var ErrParse = errors.New("parse error")

// Is lets errors.Is(err, ErrParse) recognise parse errors.
func (e *ParseError) Is(target error) bool { return target == ErrParse }

// IsParseError reports whether err is (or wraps) a *ParseError.
func IsParseError(err error) bool { return errors.Is(err, ErrParse) }

// ErrEmptySelector is the message for selectors that could match every stream.
const errEmptyMatchersMsg = `queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`

func newParseError(src string, pos int, msg string) *ParseError {
	line, col := 1, 1
	if pos > len(src) {
		pos = len(src)
	}
	if nl := strings.LastIndexByte(src[:pos], '\n'); nl >= 0 {
		line += strings.Count(src[:pos], "\n")
		col = pos - nl
	} else {
		col = pos + 1
	}
	return &ParseError{Msg: msg, Line: line, Col: col}
}

// newQueryError is a ParseError without a position, for whole-query validation failures.
func newQueryError(format string, args ...any) *ParseError {
	return &ParseError{Msg: fmt.Sprintf(format, args...)}
}
