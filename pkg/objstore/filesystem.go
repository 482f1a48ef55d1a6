package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// tmpDir holds uploads in progress, inside the bucket directory so that the final rename stays
// on one filesystem (and is therefore atomic). Keys may not start with it and Iter skips it.
const tmpDir = ".skald-tmp"

// Filesystem is a Bucket that keeps each object in its own file under a root directory; key
// segments become directories. Uploads are atomic and durable: written to a temporary file,
// fsynced, renamed into place, and the directory fsynced, so a crash leaves the old object or the
// new one, never a partial one.
type Filesystem struct {
	root string
	fsys writeFS
}

var _ Bucket = (*Filesystem)(nil)

// NewFilesystem opens (creating it if needed) a filesystem bucket rooted at dir. Temporary files
// left by a crash during an upload are removed.
func NewFilesystem(dir string) (Bucket, error) {
	return newFilesystem(dir, osFS{})
}

func newFilesystem(dir string, fsys writeFS) (*Filesystem, error) {
	if dir == "" {
		return nil, errors.New("open filesystem bucket: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open filesystem bucket %s: %w", dir, err)
	}
	if err := os.RemoveAll(filepath.Join(abs, tmpDir)); err != nil {
		return nil, fmt.Errorf("clean temporary uploads in %s: %w", abs, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), 0o755); err != nil {
		return nil, fmt.Errorf("open filesystem bucket %s: %w", abs, err)
	}
	return &Filesystem{root: abs, fsys: fsys}, nil
}

func (b *Filesystem) path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	if key == tmpDir || strings.HasPrefix(key, tmpDir+"/") {
		return "", fmt.Errorf("%w %q: reserved prefix %s", ErrInvalidKey, key, tmpDir)
	}
	return filepath.Join(b.root, filepath.FromSlash(key)), nil
}

// Upload implements Bucket. An error after the rename (syncing the directory) means the new
// version may or may not survive a crash; any earlier error leaves the old version in place.
func (b *Filesystem) Upload(ctx context.Context, name string, r io.Reader, size int64) (err error) {
	dst, err := b.path(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	f, err := b.fsys.CreateTemp(filepath.Join(b.root, tmpDir), "upload-*")
	if err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = b.fsys.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("upload %s: read %d bytes, want %d: %w", name, n, size, io.ErrUnexpectedEOF)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("upload %s: sync: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	dir := filepath.Dir(dst)
	// A concurrent Delete may remove the (then empty) parent directory between MkdirAll and
	// Rename; retrying a few times makes that race harmless.
	for attempt := 0; ; attempt++ {
		if err = b.mkdirAll(dir); err == nil {
			if err = b.fsys.Rename(tmp, dst); err == nil {
				break
			}
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == 5 {
			return fmt.Errorf("upload %s: %w", name, err)
		}
	}
	if err := b.fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("upload %s: sync directory: %w", name, err)
	}
	return nil
}

// mkdirAll creates dir and its missing parents, fsyncing the parent of each directory it creates
// so that a new directory (and so the object in it) survives a crash once Upload returns.
func (b *Filesystem) mkdirAll(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	var missing []string
	for d := dir; d != b.root && strings.HasPrefix(d, b.root); d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := b.fsys.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := b.fsys.SyncDir(filepath.Dir(missing[i])); err != nil {
			return err
		}
	}
	return nil
}

// ctxReader stops a copy once ctx is done, so a cancelled upload of a large or slow stream
// returns promptly.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (b *Filesystem) open(ctx context.Context, name string) (*os.File, error) {
	p, err := b.path(name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
			return nil, fmt.Errorf("get %s: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	if st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("get %s: %w", name, ErrNotFound)
	}
	return f, nil
}

// Get implements Bucket.
func (b *Filesystem) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	return b.open(ctx, name)
}

// GetRange implements Bucket.
func (b *Filesystem) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if off < 0 || length < -1 {
		return nil, fmt.Errorf("get %s: invalid range off=%d length=%d", name, off, length)
	}
	f, err := b.open(ctx, name)
	if err != nil {
		return nil, err
	}
	if length == -1 {
		length = 1<<63 - 1 - off
	}
	return rangeReader{io.NewSectionReader(f, off, length), f}, nil
}

type rangeReader struct {
	*io.SectionReader
	f *os.File
}

func (r rangeReader) Close() error { return r.f.Close() }

// Exists implements Bucket.
func (b *Filesystem) Exists(ctx context.Context, name string) (bool, error) {
	_, err := b.Attributes(ctx, name)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Attributes implements Bucket.
func (b *Filesystem) Attributes(ctx context.Context, name string) (Attributes, error) {
	p, err := b.path(name)
	if err != nil {
		return Attributes{}, err
	}
	if err := ctx.Err(); err != nil {
		return Attributes{}, fmt.Errorf("stat %s: %w", name, err)
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
			return Attributes{}, fmt.Errorf("stat %s: %w", name, ErrNotFound)
		}
		return Attributes{}, fmt.Errorf("stat %s: %w", name, err)
	}
	if st.IsDir() {
		return Attributes{}, fmt.Errorf("stat %s: %w", name, ErrNotFound)
	}
	return Attributes{Size: st.Size(), LastModified: st.ModTime()}, nil
}

// Iter implements Bucket. Sibling entries are visited in the order of their full keys: a
// directory "a" sorts as "a/", so "a-b" (0x2d) comes before everything under "a/" (0x2f).
func (b *Filesystem) Iter(ctx context.Context, prefix string, f func(name string) error) error {
	// Start at the deepest directory the prefix names completely.
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
	}
	if dir != "" {
		if _, err := b.path(dir); err != nil {
			return nil // no object can live under an invalid directory
		}
	}
	err := b.walk(ctx, dir, prefix, f)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (b *Filesystem) walk(ctx context.Context, dir, prefix string, f func(string) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("iter %s: %w", prefix, err)
	}
	entries, err := os.ReadDir(filepath.Join(b.root, filepath.FromSlash(dir)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
			return nil // removed concurrently, or the prefix names a file's parent
		}
		return fmt.Errorf("iter %s: %w", prefix, err)
	}
	type entry struct {
		key   string // full key; directories carry a trailing slash
		isDir bool
	}
	list := make([]entry, 0, len(entries))
	for _, e := range entries {
		key := e.Name()
		if dir != "" {
			key = dir + "/" + key
		} else if key == tmpDir {
			continue
		}
		if e.IsDir() {
			key += "/"
		}
		// Keep entries whose keys can start with prefix, or that prefix runs into.
		if !strings.HasPrefix(key, prefix) && !strings.HasPrefix(prefix, key) {
			continue
		}
		list = append(list, entry{key, e.IsDir()})
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	for _, e := range list {
		if e.isDir {
			if err := b.walk(ctx, strings.TrimSuffix(e.key, "/"), prefix, f); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(e.key, prefix) {
			continue
		}
		if err := f(e.key); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements Bucket. Directories left empty are removed, up to the root.
func (b *Filesystem) Delete(ctx context.Context, name string) error {
	p, err := b.path(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if st.IsDir() {
		return nil // not an object
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	// Best effort: a concurrent upload may already be filling a parent again (os.Remove then
	// fails with "directory not empty", which is fine).
	for d := filepath.Dir(p); d != b.root && strings.HasPrefix(d, b.root); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return nil
}

// Close implements Bucket.
func (b *Filesystem) Close() error { return nil }
