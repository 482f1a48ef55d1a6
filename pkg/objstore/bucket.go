package objstore

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned (wrapped or not; test with IsNotFound) when an object does not exist.
var ErrNotFound = errors.New("object not found")

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// Bucket is a flat namespace of immutable objects named by slash-separated keys (see
// ValidateKey; an invalid key fails every method with ErrInvalidKey).
//
// Implementations are safe for concurrent use. Upload replaces an object atomically: a reader
// sees the old object, the new one or none, never a partial one, and once Upload returns nil the
// object is durable. Every method honours ctx: a cancelled context fails the call, and an upload
// cancelled midway stores nothing. Readers returned by Get and GetRange are owned by the caller,
// who must close them; they stay valid if the object is replaced or deleted meanwhile (they may
// then fail, but never mix versions).
type Bucket interface {
	// Upload stores the object read from r under name. size is the length of r, or -1 if unknown;
	// when it is known, a reader that ends early fails the upload and stores nothing.
	Upload(ctx context.Context, name string, r io.Reader, size int64) error
	// Get returns a reader for the whole object, or an error for which IsNotFound is true.
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// GetRange returns a reader for length bytes starting at off (length -1: to the end). A range
	// running past the end is cut at the end; one starting at or past the end is empty. A negative
	// off is an error.
	GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error)
	// Exists reports whether the object exists; a missing object is (false, nil).
	Exists(ctx context.Context, name string) (bool, error)
	// Attributes returns the object's size and modification time.
	Attributes(ctx context.Context, name string) (Attributes, error)
	// Iter calls f for each object whose key starts with prefix (a plain string prefix, not only
	// a "directory"), in lexical byte order, recursively. Objects uploaded or deleted during the
	// iteration may or may not be seen. Returning an error from f stops the iteration and
	// returns that error.
	Iter(ctx context.Context, prefix string, f func(name string) error) error
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, name string) error
	// Close releases the bucket's resources.
	Close() error
}

// Attributes describe a stored object.
type Attributes struct {
	Size         int64
	LastModified time.Time
}
