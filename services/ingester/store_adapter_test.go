package ingester

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
)

// TestFlushToStore flushes through pkg/store into a filesystem bucket and decodes the chunk
// objects with pkg/chunk.
func TestFlushToStore(t *testing.T) {
	bkt, err := objstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(bkt, store.WriterConfig{WriterID: "ingester-1"}, nil)
	h := start(t, natstest.RunServer(t), NewStoreAdapter(w, chunk.DefaultOptions()), testConfig())
	// Out of order within the window: the chunk must still be sorted.
	if err := push(t, h.ing, "t", `{app="a"}`, entry(30, "c"), entry(10, "a"), entry(20, "b")); err != nil {
		t.Fatal(err)
	}
	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := bkt.Iter(context.Background(), store.ChunkTenantPrefix("t"), func(k string) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("chunk objects %v, want 1", keys)
	}
	rc, err := bkt.Get(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	c, err := chunk.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	it := c.Iterator(0, 100, iter.Forward, nil)
	var got []string
	for it.Next() {
		got = append(got, fmt.Sprintf("%d:%s", it.At().Timestamp, it.At().Line))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"10:a", "20:b", "30:c"}; !slices.Equal(got, want) {
		t.Fatalf("chunk holds %v, want %v", got, want)
	}
}

// TestChunkEncodingDeterministic backs the replay argument in doc.go: the same entries encode to
// the same bytes, hence the same content-addressed key.
func TestChunkEncodingDeterministic(t *testing.T) {
	lbls := labels.FromStrings("app", "a")
	var es []iter.Entry
	for k := range 2000 {
		es = append(es, iter.Entry{Timestamp: int64(k), Line: fmt.Sprintf("line %d of the test %d", k, k*7)})
	}
	a, err := store.BuildChunk(lbls, es, chunk.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.BuildChunk(lbls, es, chunk.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if store.ChunkKey("t", lbls.Hash(), a.Meta) != store.ChunkKey("t", lbls.Hash(), b.Meta) || string(a.Data) != string(b.Data) {
		t.Fatal("the same entries encoded to different chunks")
	}
}
