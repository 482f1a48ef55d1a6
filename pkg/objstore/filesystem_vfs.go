package objstore

import (
	"io"
	"io/fs"
	"os"
)

// writeFS is the seam between Filesystem's write path and the OS, so that tests can inject the
// I/O errors (a full disk, a failing fsync or rename) that Upload must turn into an error
// without leaving a partial object behind. Reads go to the OS directly: their errors surface to
// the caller unchanged anyway.
type writeFS interface {
	CreateTemp(dir, pattern string) (tempFile, error)
	Rename(oldpath, newpath string) error
	Mkdir(name string, perm fs.FileMode) error
	Remove(name string) error
	SyncDir(dir string) error
}

// tempFile is the part of *os.File that Upload uses.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

type osFS struct{}

func (osFS) CreateTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }
func (osFS) Rename(oldpath, newpath string) error             { return os.Rename(oldpath, newpath) }
func (osFS) Mkdir(name string, perm fs.FileMode) error        { return os.Mkdir(name, perm) }
func (osFS) Remove(name string) error                         { return os.Remove(name) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
