package store

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/objstore"
)

// byteCountingBucket counts the object bytes handed out by Get and GetRange.
type byteCountingBucket struct {
	objstore.Bucket
	bytes atomic.Int64
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (b *byteCountingBucket) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := b.Bucket.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return countingReader{rc, &b.bytes}, nil
}

func (b *byteCountingBucket) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := b.Bucket.GetRange(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	return countingReader{rc, &b.bytes}, nil
}

// A needle query on a cold cache reads chunk directories and the few matching blocks, not the
// chunks, and finds the same lines as a query that reads everything.
func TestNeedleReadsDirectoriesOnly(t *testing.T) {
	f := &fixture{bkt: newBucket(t)}
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, app := range []string{"a", "b", "c"} {
		ls := labels.FromStrings("app", app, "env", "prod")
		var es []iter.Entry
		for i := int64(0); i < 20000; i++ {
			es = append(es, iter.Entry{Timestamp: base + i*sec/4, Line: fmt.Sprintf("user=%d trace=%016x path=/x/%d", rnd.IntN(1000), rnd.Uint64(), rnd.IntN(1e6))})
		}
		es[12345].Line += " needle-xyzzy-42"
		var fcs []FlushedChunk
		for i := 0; i < len(es); i += 10000 {
			fc, err := BuildChunk(ls, es[i:i+10000], chunk.Options{BlockSize: 64 << 10})
			if err != nil {
				t.Fatal(err)
			}
			fcs = append(fcs, fc)
		}
		if err := NewWriter(f.bkt, WriterConfig{WriterID: "w"}, nil).WriteChunks(context.Background(), "t1", fcs); err != nil {
			t.Fatal(err)
		}
	}
	var chunkBytes int64
	_ = f.bkt.Iter(context.Background(), ChunkTenantPrefix("t1"), func(k string) error {
		a, err := f.bkt.Attributes(context.Background(), k)
		chunkBytes += a.Size
		return err
	})
	cb := &byteCountingBucket{Bucket: f.bkt}
	r := newTestReader(t, cb, Config{CacheBytes: 64 << 20})
	es, _, st := selectLogs(t, r, `{env=~".+"} |= "needle-xyzzy-42"`, base, base+7200*sec, 0, iter.Forward)
	if len(es) != 3 {
		t.Fatalf("needle found %d lines, want 3", len(es))
	}
	read := cb.bytes.Load()
	t.Logf("needle query read %d of %d chunk bytes", read, chunkBytes)
	if read*2 > chunkBytes {
		t.Fatalf("needle query read %d bytes of %d bytes of chunks (index included)", read, chunkBytes)
	}
	if st.BlocksSkipped == 0 || st.TotalChunksDownloaded == 0 || st.TotalChunksDownloaded > st.TotalChunksRef {
		t.Fatalf("stats %+v", st)
	}
	// Warm: the directories come from the cache; the answer is unchanged.
	before := cb.bytes.Load()
	es2, _, st2 := selectLogs(t, r, `{env=~".+"} |= "needle-xyzzy-42"`, base, base+7200*sec, 0, iter.Forward)
	if len(es2) != 3 {
		t.Fatalf("warm needle found %d lines", len(es2))
	}
	if st2.BlocksSkipped != st.BlocksSkipped {
		t.Fatalf("warm needle skipped %d blocks, cold %d", st2.BlocksSkipped, st.BlocksSkipped)
	}
	// Warm, the plan itself loses the chunks whose cached filters rule the needle out: of the
	// six, only the three holding it get a fetch job and an iterator.
	ms, err := labels.ParseMatchers(`{env=~".+"}`)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := r.lookup(context.Background(), "t1", [][]*labels.Matcher{ms}, base, base+7200*sec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if skipped := r.dropRuledOut(plan, base, base+7200*sec, []string{"needle-xyzzy-42"}); skipped == 0 {
		t.Fatal("no block ruled out from the cached directories")
	}
	left := 0
	for _, sp := range plan {
		left += len(sp.refs)
	}
	if left != 3 {
		t.Fatalf("%d chunks left in the plan, want 3", left)
	}
	if cb.bytes.Load()-before > read/2 {
		t.Fatalf("warm needle query read %d bytes again", cb.bytes.Load()-before)
	}
	// Same lines as a full scan filtered by the pipeline.
	all, _, _ := selectLogs(t, newTestReader(t, f.bkt, Config{}), `{env=~".+"} |~ "needle-xyzzy-42"`, base, base+7200*sec, 0, iter.Forward)
	if len(all) != 3 {
		t.Fatalf("regex scan found %d lines", len(all))
	}
	for i := range all {
		if all[i].Line != es[i].Line || all[i].Timestamp != es[i].Timestamp {
			t.Fatalf("line %d differs: %q vs %q", i, all[i].Line, es[i].Line)
		}
	}
}
