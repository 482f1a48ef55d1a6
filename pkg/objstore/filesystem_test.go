package objstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/objstoretest"
)

func TestFilesystemConformance(t *testing.T) {
	bkt, err := objstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bkt.Close()
	objstoretest.Run(t, bkt)
}

func TestFilesystemLayoutAndLeftovers(t *testing.T) {
	dir := t.TempDir()
	bkt, err := objstore.NewFilesystem(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := bkt.Upload(ctx, "index/20000/fake/a.idx", strings.NewReader("abc"), 3); err != nil {
		t.Fatal(err)
	}
	// Nested keys are directories, readable by other tools.
	b, err := os.ReadFile(filepath.Join(dir, "index", "20000", "fake", "a.idx"))
	if err != nil || string(b) != "abc" {
		t.Fatalf("file = %q, %v", b, err)
	}
	// The temporary directory is reserved and invisible.
	if err := bkt.Upload(ctx, ".skald-tmp/x", strings.NewReader("x"), 1); err == nil {
		t.Error("upload into the temporary directory: no error")
	}
	// A crash leaves a temporary file behind: reopening removes it and Iter never shows it.
	left := filepath.Join(dir, ".skald-tmp", "upload-123")
	if err := os.WriteFile(left, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	var keys []string
	_ = bkt.Iter(ctx, "", func(k string) error { keys = append(keys, k); return nil })
	if len(keys) != 1 || keys[0] != "index/20000/fake/a.idx" {
		t.Errorf("iter = %q", keys)
	}
	if _, err := objstore.NewFilesystem(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file survived reopening: %v", err)
	}
	// Deleting the only object removes its now-empty directories.
	if err := bkt.Delete(ctx, "index/20000/fake/a.idx"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index")); !os.IsNotExist(err) {
		t.Errorf("empty directories left after delete: %v", err)
	}
	// A size that does not match the reader is an error and stores nothing.
	if err := bkt.Upload(ctx, "short", strings.NewReader("ab"), 3); err == nil {
		t.Error("upload of a short reader: no error")
	}
	if ok, _ := bkt.Exists(ctx, "short"); ok {
		t.Error("short upload stored an object")
	}
}

func TestValidateKey(t *testing.T) {
	f := func(key string, ok bool) {
		t.Helper()
		if err := objstore.ValidateKey(key); (err == nil) != ok {
			t.Errorf("ValidateKey(%q) = %v, want ok=%v", key, err, ok)
		}
	}
	f("a", true)
	f("a/b/c.idx", true)
	f("index/19000/tenant-1/ing-0-000001.idx", true)
	f("a..b", true)
	f(".hidden", true)
	f("", false)
	f("/a", false)
	f("a/", false)
	f("a//b", false)
	f("..", false)
	f("a/../b", false)
	f("a/./b", false)
	f(".", false)
	f("a\\b", false)
	f("a\x00b", false)
	f(strings.Repeat("x", objstore.MaxKeyLen+1), false)
}
