package store

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/objstore"
)

func newBucket(t *testing.T) objstore.Bucket {
	t.Helper()
	bkt, err := newBucketDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bkt
}

func readObject(t *testing.T, bkt objstore.Bucket, key string) []byte {
	t.Helper()
	r, err := bkt.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func listKeys(t *testing.T, bkt objstore.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	if err := bkt.Iter(context.Background(), prefix, func(k string) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

const day = int64(86400e9)

func TestWriterStoresChunksThenIndex(t *testing.T) {
	ctx := context.Background()
	bkt := newBucket(t)
	w := NewWriter(bkt, WriterConfig{WriterID: "ingester-1"}, nil)
	lbls := labels.FromStrings("app", "api", "env", "prod")
	// One chunk inside day 10, one crossing into day 11.
	a, err := BuildChunk(lbls, []iter.Entry{{Timestamp: 10*day + 5, Line: "a"}, {Timestamp: 10*day + 6, Line: "b"}}, chunk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildChunk(lbls, []iter.Entry{{Timestamp: 11*day - 1, Line: "c"}, {Timestamp: 11*day + 1, Line: "d"}}, chunk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := BuildChunk(lbls, nil, chunk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteChunks(ctx, "tenant-a", []FlushedChunk{a, b, empty}); err != nil {
		t.Fatal(err)
	}
	chunks := listKeys(t, bkt, ChunkTenantPrefix("tenant-a"))
	if len(chunks) != 2 {
		t.Fatalf("chunk objects %v", chunks)
	}
	if got := string(readObject(t, bkt, ChunkKey("tenant-a", lbls.Hash(), a.Meta))); got != string(a.Data) {
		t.Fatal("chunk a stored wrong")
	}
	for _, p := range []int64{10, 11} {
		segs := listKeys(t, bkt, index.TenantPrefix(p, "tenant-a"))
		if len(segs) != 1 {
			t.Fatalf("period %d segments %v", p, segs)
		}
		r, err := index.Open(readObject(t, bkt, segs[0]))
		if err != nil {
			t.Fatal(err)
		}
		from, through := index.PeriodBounds(p)
		sc, err := r.Series(nil, from, through)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]int{10: 2, 11: 1}[p]
		if len(sc) != 1 || !labels.Equal(sc[0].Labels, lbls) || len(sc[0].Chunks) != want {
			t.Fatalf("period %d: series %+v", p, sc)
		}
		for _, ref := range sc[0].Chunks {
			if ok, _ := bkt.Exists(ctx, ref.Key); !ok {
				t.Fatalf("ref to missing chunk %s", ref.Key)
			}
		}
	}
	// Writing the same chunks again (a replica, or a retry) converges on the same chunk objects.
	if err := w.WriteChunks(ctx, "tenant-a", []FlushedChunk{a}); err != nil {
		t.Fatal(err)
	}
	if n := len(listKeys(t, bkt, ChunkTenantPrefix("tenant-a"))); n != 2 {
		t.Fatalf("%d chunk objects after rewrite", n)
	}
}

type failingBucket struct {
	objstore.Bucket
	failPrefix string
}

func (f failingBucket) Upload(ctx context.Context, name string, r io.Reader, size int64) error {
	if strings.HasPrefix(name, f.failPrefix) {
		return errors.New("disk full")
	}
	return f.Bucket.Upload(ctx, name, r, size)
}

func TestWriterNoIndexWithoutChunks(t *testing.T) {
	ctx := context.Background()
	inner := newBucket(t)
	w := NewWriter(failingBucket{Bucket: inner, failPrefix: "chunks/"}, WriterConfig{WriterID: "i"}, nil)
	c, _ := BuildChunk(labels.FromStrings("a", "b"), []iter.Entry{{Timestamp: 1, Line: "x"}}, chunk.Options{})
	if err := w.WriteChunks(ctx, "t", []FlushedChunk{c}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v", err)
	}
	if keys := listKeys(t, inner, "index/"); len(keys) != 0 {
		t.Fatalf("index written without its chunks: %v", keys)
	}
	if err := w.WriteChunks(ctx, "a/b", []FlushedChunk{c}); err == nil {
		t.Fatal("tenant with a slash accepted")
	}
	bad := c
	bad.Data = bad.Data[:10]
	if err := NewWriter(inner, WriterConfig{WriterID: "i"}, nil).WriteChunks(ctx, "t", []FlushedChunk{bad}); err == nil {
		t.Fatal("chunk with mismatched meta accepted")
	}
}

func TestWriterConfigValidate(t *testing.T) {
	f := func(id string, ok bool) {
		t.Helper()
		c := WriterConfig{WriterID: id}
		if err := c.Validate(); (err == nil) != ok {
			t.Fatalf("Validate(%q) = %v", id, err)
		}
	}
	f("ingester-0", true)
	f("", false)
	f("a/b", false)
}

func TestSegmentSeqIncreases(t *testing.T) {
	w := NewWriter(nil, WriterConfig{WriterID: "x"}, nil)
	prev := uint64(0)
	for range 1000 {
		s := w.nextSeq()
		if s <= prev {
			t.Fatalf("seq %d after %d", s, prev)
		}
		prev = s
	}
}

func newBucketDir(dir string) (objstore.Bucket, error) { return objstore.NewFilesystem(dir) }
