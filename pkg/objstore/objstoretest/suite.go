package objstoretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/objstore"
)

// Options tune the suite to an implementation.
type Options struct {
	// LargeSize is the size of the large object uploaded (known size and unknown size). For S3
	// make it larger than the configured part size so that multipart uploads are exercised.
	// 0 means 6 MiB.
	LargeSize int
}

// Run runs the conformance suite against bkt, which must be empty. Every object it writes lives
// under the key prefix "conformance/" and is deleted by the subtests that create it.
func Run(t *testing.T, bkt objstore.Bucket) { RunWithOptions(t, bkt, Options{}) }

// RunWithOptions is Run with options.
func RunWithOptions(t *testing.T, bkt objstore.Bucket, opts Options) {
	if opts.LargeSize == 0 {
		opts.LargeSize = 6 << 20
	}
	s := suite{bkt: bkt, opts: opts}
	t.Run("UploadGet", s.uploadGet)
	t.Run("NotFound", s.notFound)
	t.Run("Range", s.getRange)
	t.Run("Attributes", s.attributes)
	t.Run("Iter", s.iter)
	t.Run("Delete", s.delete)
	t.Run("Overwrite", s.overwrite)
	t.Run("ReaderSurvivesOverwrite", s.readerSurvivesOverwrite)
	t.Run("ShortReader", s.shortReader)
	t.Run("InvalidKeys", s.invalidKeys)
	t.Run("Large", s.large)
	t.Run("ConcurrentUploads", s.concurrent)
	t.Run("Cancelled", s.cancelled)
}

type suite struct {
	bkt  objstore.Bucket
	opts Options
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func (s suite) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if err := s.bkt.Upload(ctx(t), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("upload %s: %v", key, err)
	}
}

func (s suite) get(t *testing.T, key string) []byte {
	t.Helper()
	rc, err := s.bkt.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func (s suite) del(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := s.bkt.Delete(ctx(t), k); err != nil {
			t.Fatalf("delete %s: %v", k, err)
		}
	}
}

func (s suite) uploadGet(t *testing.T) {
	cases := []struct {
		key  string
		data []byte
		size int64 // -1: unknown
	}{
		{"conformance/a", []byte("hello"), 5},
		{"conformance/empty", nil, 0},
		{"conformance/deep/er/key.idx", []byte("nested"), 6},
		{"conformance/unknown-size", []byte("streamed without a size"), -1},
		{"conformance/binary", []byte{0, 1, 2, 0xff, '\n', 0}, 6},
		{"conformance/dots.and-dashes_underscore=eq", []byte("x"), 1},
	}
	for _, c := range cases {
		// A plain io.Reader (no Len, no Seek) so that implementations cannot peek at it.
		r := struct{ io.Reader }{bytes.NewReader(c.data)}
		if err := s.bkt.Upload(ctx(t), c.key, r, c.size); err != nil {
			t.Fatalf("upload %s: %v", c.key, err)
		}
	}
	for _, c := range cases {
		if got := s.get(t, c.key); !bytes.Equal(got, c.data) {
			t.Errorf("get %s = %q, want %q", c.key, got, c.data)
		}
		ok, err := s.bkt.Exists(ctx(t), c.key)
		if err != nil || !ok {
			t.Errorf("exists %s = %v, %v; want true", c.key, ok, err)
		}
	}
	for _, c := range cases {
		s.del(t, c.key)
	}
}

func (s suite) notFound(t *testing.T) {
	const key = "conformance/missing/object"
	if _, err := s.bkt.Get(ctx(t), key); !objstore.IsNotFound(err) {
		t.Errorf("get missing: err = %v, want not found", err)
	}
	if _, err := s.bkt.GetRange(ctx(t), key, 1, 2); !objstore.IsNotFound(err) {
		t.Errorf("get range missing: err = %v, want not found", err)
	}
	if _, err := s.bkt.Attributes(ctx(t), key); !objstore.IsNotFound(err) {
		t.Errorf("attributes missing: err = %v, want not found", err)
	}
	if ok, err := s.bkt.Exists(ctx(t), key); ok || err != nil {
		t.Errorf("exists missing = %v, %v; want false, nil", ok, err)
	}
	if err := s.bkt.Delete(ctx(t), key); err != nil {
		t.Errorf("delete missing: %v", err)
	}
	// A "directory" is not an object.
	s.put(t, "conformance/dir/child", []byte("x"))
	defer s.del(t, "conformance/dir/child")
	if _, err := s.bkt.Get(ctx(t), "conformance/dir"); !objstore.IsNotFound(err) {
		t.Errorf("get prefix: err = %v, want not found", err)
	}
	if ok, err := s.bkt.Exists(ctx(t), "conformance/dir"); ok || err != nil {
		t.Errorf("exists prefix = %v, %v; want false, nil", ok, err)
	}
}

func (s suite) getRange(t *testing.T) {
	const key = "conformance/range"
	data := []byte("0123456789abcdef")
	s.put(t, key, data)
	defer s.del(t, key)
	cases := []struct {
		off, length int64
		want        string
	}{
		{0, -1, "0123456789abcdef"},
		{0, 4, "0123"},
		{5, 3, "567"},
		{10, -1, "abcdef"},
		{15, 1, "f"},
		{12, 100, "cdef"}, // a length past the end is cut at the end
		{3, 0, ""},
	}
	for _, c := range cases {
		rc, err := s.bkt.GetRange(ctx(t), key, c.off, c.length)
		if err != nil {
			t.Errorf("range(%d, %d): %v", c.off, c.length, err)
			continue
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(got) != c.want {
			t.Errorf("range(%d, %d) = %q, %v; want %q", c.off, c.length, got, err, c.want)
		}
	}
	if _, err := s.bkt.GetRange(ctx(t), key, -1, 2); err == nil {
		t.Error("range with a negative offset: no error")
	}
}

func (s suite) attributes(t *testing.T) {
	const key = "conformance/attrs"
	before := time.Now().Add(-time.Minute)
	s.put(t, key, make([]byte, 1234))
	defer s.del(t, key)
	a, err := s.bkt.Attributes(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != 1234 {
		t.Errorf("size = %d, want 1234", a.Size)
	}
	if a.LastModified.Before(before) || a.LastModified.After(time.Now().Add(time.Minute)) {
		t.Errorf("last modified = %v, want about now", a.LastModified)
	}
}

func (s suite) iter(t *testing.T) {
	keys := []string{
		"conformance/iter/a",
		"conformance/iter/a-b",
		"conformance/iter/a/b",
		"conformance/iter/a/c/d",
		"conformance/iter/b",
		"conformance/iter/b0",
		"conformance/iter/c/x/y/z",
		"conformance/iter/Z",
	}
	// "a" and "a/b" cannot both exist on a filesystem; keep only keys valid everywhere.
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "conformance/iter/a" })
	for _, k := range keys {
		s.put(t, k, []byte(k))
	}
	defer s.del(t, keys...)
	sorted := slices.Clone(keys)
	slices.Sort(sorted)

	list := func(prefix string) []string {
		var got []string
		if err := s.bkt.Iter(ctx(t), prefix, func(name string) error {
			got = append(got, name)
			return nil
		}); err != nil {
			t.Fatalf("iter %q: %v", prefix, err)
		}
		return got
	}
	filter := func(prefix string) []string {
		var out []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		return out
	}
	for _, prefix := range []string{
		"conformance/iter/", "conformance/iter", "conformance/iter/a", "conformance/iter/a/",
		"conformance/iter/b", "conformance/iter/c/x/", "conformance/iter/c/x/y/z",
		"conformance/iter/nothing", "conformance/nothing/", "conformance/iter/a/c/d/e",
	} {
		if got, want := list(prefix), filter(prefix); !slices.Equal(got, want) {
			t.Errorf("iter %q = %q, want %q", prefix, got, want)
		}
	}
	// An error from f stops the iteration and is returned.
	stop := errors.New("stop")
	n := 0
	err := s.bkt.Iter(ctx(t), "conformance/iter/", func(string) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("iter with stop: err = %v after %d calls, want stop after 2", err, n)
	}
}

func (s suite) delete(t *testing.T) {
	const key = "conformance/del/x/y"
	s.put(t, key, []byte("x"))
	s.del(t, key)
	if ok, err := s.bkt.Exists(ctx(t), key); ok || err != nil {
		t.Errorf("exists after delete = %v, %v", ok, err)
	}
	var left []string
	_ = s.bkt.Iter(ctx(t), "conformance/del/", func(n string) error { left = append(left, n); return nil })
	if len(left) != 0 {
		t.Errorf("iter after delete = %q, want none", left)
	}
	// The key can be written again after its parents were cleaned up.
	s.put(t, key, []byte("again"))
	if got := s.get(t, key); string(got) != "again" {
		t.Errorf("get after re-upload = %q", got)
	}
	s.del(t, key)
}

// overwrite checks that readers racing with overwrites see one whole version, never a mix or a
// partial object.
func (s suite) overwrite(t *testing.T) {
	const key = "conformance/overwrite"
	versions := make([][]byte, 4)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
	}
	s.put(t, key, versions[0])
	defer s.del(t, key)
	done := make(chan error, 1)
	go func() {
		for i := 1; i < 12; i++ {
			v := versions[i%len(versions)]
			if err := s.bkt.Upload(ctx(t), key, bytes.NewReader(v), int64(len(v))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	reads := 0
	for {
		var werr error
		finished := false
		select {
		case werr = <-done:
			finished = true
		default:
		}
		if werr != nil {
			t.Fatalf("overwrite: %v", werr)
		}
		got := s.get(t, key) // a Fatal here leaves the writer to finish on its own: it only uploads
		reads++
		if len(got) != 64<<10 || !bytes.Equal(got, bytes.Repeat(got[:1], len(got))) {
			t.Fatalf("read a torn object: %d bytes, first %q", len(got), got[:min(len(got), 1)])
		}
		if finished {
			break
		}
	}
	if got := s.get(t, key); !bytes.Equal(got, versions[11%len(versions)]) {
		t.Errorf("final version starts %q", got[:1])
	}
	t.Logf("%d consistent reads during overwrites", reads)
}

func (s suite) invalidKeys(t *testing.T) {
	for _, key := range []string{"", "/abs", "a/../b", "..", "a//b", "trailing/", "./a", "a/./b", "nul\x00"} {
		err := s.bkt.Upload(ctx(t), key, strings.NewReader("x"), 1)
		if !errors.Is(err, objstore.ErrInvalidKey) {
			t.Errorf("upload %q: err = %v, want invalid key", key, err)
		}
		if _, err := s.bkt.Get(ctx(t), key); !errors.Is(err, objstore.ErrInvalidKey) {
			t.Errorf("get %q: err = %v, want invalid key", key, err)
		}
	}
}

func (s suite) large(t *testing.T) {
	data := make([]byte, s.opts.LargeSize)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(data); i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			data[i+j] = byte(v >> (8 * j))
		}
	}
	want := sha256.Sum256(data)
	for _, size := range []int64{int64(len(data)), -1} {
		key := fmt.Sprintf("conformance/large/size%d", size)
		r := struct{ io.Reader }{bytes.NewReader(data)}
		if err := s.bkt.Upload(ctx(t), key, r, size); err != nil {
			t.Fatalf("upload %s: %v", key, err)
		}
		if got := sha256.Sum256(s.get(t, key)); got != want {
			t.Errorf("get %s: content differs", key)
		}
		a, err := s.bkt.Attributes(ctx(t), key)
		if err != nil || a.Size != int64(len(data)) {
			t.Errorf("attributes %s = %+v, %v; want size %d", key, a, err, len(data))
		}
		off := int64(len(data)/2 - 3)
		rc, err := s.bkt.GetRange(ctx(t), key, off, 1000)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || !bytes.Equal(got, data[off:off+1000]) {
			t.Errorf("range in the middle of %s differs (err %v)", key, err)
		}
		s.del(t, key)
	}
}

func (s suite) concurrent(t *testing.T) {
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("conformance/conc/%02d/obj", i)
			data := bytes.Repeat([]byte{byte(i)}, 10<<10+i)
			if err := s.bkt.Upload(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []string
	if err := s.bkt.Iter(ctx(t), "conformance/conc/", func(k string) error { got = append(got, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("iter after concurrent uploads: %d keys, want %d", len(got), n)
	}
	for i, k := range got {
		if b := s.get(t, k); len(b) != 10<<10+i || b[0] != byte(i) {
			t.Errorf("%s: wrong content", k)
		}
	}
	s.del(t, got...)
}

// blockingReader yields a little data, then blocks until its context is done, like a slow client.
type blockingReader struct {
	ctx  context.Context
	sent bool
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "partial"), nil
	}
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func (s suite) cancelled(t *testing.T) {
	const key = "conformance/cancelled"
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.bkt.Upload(c, key, strings.NewReader("x"), 1); err == nil {
		t.Error("upload with a cancelled context: no error")
	}
	if _, err := s.bkt.Get(c, "conformance/whatever"); err == nil {
		t.Error("get with a cancelled context: no error")
	}
	if err := s.bkt.Iter(c, "conformance/", func(string) error { return nil }); err == nil {
		t.Error("iter with a cancelled context: no error")
	}
	// Cancelled in the middle of an upload: no object appears.
	c2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if err := s.bkt.Upload(c2, key, &blockingReader{ctx: c2}, -1); err == nil {
		t.Error("upload cancelled midway: no error")
	}
	if ok, err := s.bkt.Exists(ctx(t), key); ok || err != nil {
		t.Errorf("exists after a cancelled upload = %v, %v; want false", ok, err)
	}
}

// readerSurvivesOverwrite checks that an open reader keeps returning the version it opened.
func (s suite) readerSurvivesOverwrite(t *testing.T) {
	const key = "conformance/open-reader"
	oldV := bytes.Repeat([]byte("o"), 4<<20)
	newV := bytes.Repeat([]byte("n"), 4<<20)
	s.put(t, key, oldV)
	defer s.del(t, key)
	rc, err := s.bkt.Get(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	head := make([]byte, 1)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatal(err)
	}
	s.put(t, key, newV)
	rest, err := io.ReadAll(rc)
	if err != nil {
		t.Logf("reading an overwritten object failed (allowed): %v", err)
		return
	}
	if got := append(head, rest...); !bytes.Equal(got, oldV) {
		t.Errorf("reader opened before an overwrite returned %d bytes mixing versions", len(got))
	}
}

func (s suite) shortReader(t *testing.T) {
	const key = "conformance/short"
	err := s.bkt.Upload(ctx(t), key, struct{ io.Reader }{strings.NewReader("12345")}, 10)
	if err == nil {
		t.Error("upload of 5 bytes declared as 10: no error")
	}
	if ok, err := s.bkt.Exists(ctx(t), key); ok || err != nil {
		t.Errorf("exists after a short upload = %v, %v; want false", ok, err)
	}
}
