package objstore_test

import (
	"path"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/objstore"
)

// FuzzValidateKey checks that every accepted key is clean and relative, so that a filesystem
// bucket can never be made to write outside its directory.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"a", "a/b/c.idx", "..", "a/../b", "/abs", "a//b", "./a", "a\\..\\b", ".hidden", "index/1/t/w-0000000000000001.idx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if objstore.ValidateKey(key) != nil {
			return
		}
		if path.Clean(key) != key || path.IsAbs(key) || key == ".." || strings.HasPrefix(key, "../") {
			t.Fatalf("accepted unclean key %q", key)
		}
	})
}
