//go:build !unix

package objstore

import "errors"

var errNotDir = errors.New("not a directory")
