//go:build unix

package objstore

import "syscall"

// errNotDir is what the OS returns when a key's parent segment is a file ("a" exists, "a/b" is
// asked for): for a bucket that simply means "not found".
var errNotDir error = syscall.ENOTDIR
