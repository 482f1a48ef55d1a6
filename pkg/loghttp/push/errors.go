package push

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a client error with the HTTP status Loki answers for it. Its text is the response
// body.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// tooLarge is Loki's size error; the status is 413 so that agents drop rather than retry.
func tooLarge(size, limit int64) *Error {
	return &Error{
		Status: http.StatusRequestEntityTooLarge,
		Msg:    fmt.Sprintf("request body too large: %d bytes, limit: %d bytes", size, limit),
	}
}

// StatusOf returns the HTTP status for err: the status of an *Error in its chain, else 500.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}
