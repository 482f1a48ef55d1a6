package loghttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/tenant"
)

// StatusClientClosedRequest is the non-standard status Loki (after nginx) uses when the client
// went away before the answer was ready.
const StatusClientClosedRequest = 499

// Loki's bodies for cancelled and timed-out queries.
const (
	ErrClientCanceledText = "the request was cancelled by the client"
	ErrTimeoutText        = "request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed"
)

// Error carries an HTTP status with its plain-text body. Errors of this type, wrapped or not,
// decide the status WriteError sends.
type Error struct {
	Status int
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// BadRequest marks err as the client's fault: WriteError sends it as a 400 with err's text.
func BadRequest(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Err: err}
}

func badRequestf(format string, args ...any) error {
	return BadRequest(fmt.Errorf(format, args...))
}

// StatusOf returns the HTTP status for err following Loki's mapping: an *Error's own status,
// 401 for a missing tenant, 499 when the client cancelled, 504 on a deadline, gRPC statuses from
// ingesters mapped by code (InvalidArgument 400, ResourceExhausted 429, Canceled 499,
// DeadlineExceeded 504), 500 for anything else.
func StatusOf(err error) int {
	var he *Error
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &he):
		return he.Status
	case errors.Is(err, tenant.ErrNoOrgID):
		return http.StatusUnauthorized
	case errors.Is(err, context.Canceled):
		return StatusClientClosedRequest
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
			return http.StatusBadRequest
		case codes.ResourceExhausted:
			return http.StatusTooManyRequests
		case codes.Canceled:
			return StatusClientClosedRequest
		case codes.DeadlineExceeded:
			return http.StatusGatewayTimeout
		case codes.Unauthenticated:
			return http.StatusUnauthorized
		}
	}
	return http.StatusInternalServerError
}

// WriteError sends err as Loki does: plain text, the status from StatusOf, and for cancelled or
// timed-out queries Loki's fixed texts instead of the error's own.
func WriteError(w http.ResponseWriter, err error) {
	code := StatusOf(err)
	msg := err.Error()
	var he *Error
	if !errors.As(err, &he) {
		switch code {
		case StatusClientClosedRequest:
			msg = ErrClientCanceledText
		case http.StatusGatewayTimeout:
			msg = ErrTimeoutText
		default:
			if s, ok := status.FromError(err); ok {
				msg = s.Message()
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg))
}
