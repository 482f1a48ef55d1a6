// Package tenant carries the tenant ID (Loki's X-Scope-OrgID) through contexts, HTTP requests and
// gRPC metadata, so that every service reads it the same way.
package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Header is the HTTP header (and, lower-cased, the gRPC metadata key) naming the tenant.
const Header = "X-Scope-OrgID"

// MetadataKey is the gRPC metadata key.
const MetadataKey = "x-scope-orgid"

// DefaultNoAuthTenant is the tenant every request belongs to when auth is disabled.
const DefaultNoAuthTenant = "fake"

// MaxLength is the longest tenant ID Loki accepts.
const MaxLength = 150

// ErrNoOrgID is the error for a request without a tenant; its text is Loki's 401 body.
var ErrNoOrgID = errors.New("no org id")

type ctxKey struct{}

// InjectContext returns ctx carrying tenant id.
func InjectContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the tenant in ctx, or ErrNoOrgID.
func FromContext(ctx context.Context) (string, error) {
	id, _ := ctx.Value(ctxKey{}).(string)
	if id == "" {
		return "", ErrNoOrgID
	}
	return id, nil
}

// Validate checks a tenant ID against Loki's rules: at most 150 bytes, no path tricks, and only
// the characters Loki allows.
func Validate(id string) error {
	if len(id) > MaxLength {
		return fmt.Errorf("tenant ID is too long: max %d characters", MaxLength)
	}
	if id == "." || id == ".." {
		return errors.New("tenant ID is '.' or '..'")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!-_.*'()", c) >= 0:
		default:
			return fmt.Errorf("tenant ID '%s' contains unsupported character '%c'", id, c)
		}
	}
	return nil
}

// FromHTTP returns the tenant of r: its X-Scope-OrgID header when authEnabled, otherwise
// noAuthTenant. The header may name several tenants joined by '|' (multi-tenant queries); each
// is validated.
func FromHTTP(r *http.Request, authEnabled bool, noAuthTenant string) (string, error) {
	if !authEnabled {
		return noAuthTenant, nil
	}
	id := r.Header.Get(Header)
	if id == "" {
		return "", ErrNoOrgID
	}
	for _, part := range strings.Split(id, "|") {
		if err := Validate(part); err != nil {
			return "", err
		}
	}
	return id, nil
}
