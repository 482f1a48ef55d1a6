package objstore

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidKey is returned (wrapped) for an object key that ValidateKey rejects.
var ErrInvalidKey = errors.New("invalid object key")

// MaxKeyLen is the longest key accepted, S3's limit in bytes.
const MaxKeyLen = 1024

// ValidateKey checks that key is a relative, clean, slash-separated object key. The same rules
// apply to every implementation so that keys are portable between them; on the filesystem they
// also keep every object inside the bucket directory.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	case strings.ContainsAny(key, "\x00\\"):
		return fmt.Errorf("%w %q: contains NUL or backslash", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w %q: empty segment or leading/trailing slash", ErrInvalidKey, key)
		case ".", "..":
			return fmt.Errorf("%w %q: %q segment", ErrInvalidKey, key, seg)
		}
	}
	return nil
}
