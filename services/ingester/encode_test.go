package ingester

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// encStore is an EncodedChunkStore over memStore that records the encoded bytes it receives.
type encStore struct {
	*memStore
	opts chunk.Options
	mu   sync.Mutex
	data [][]byte
}

func (e *encStore) ChunkOptions() chunk.Options { return e.opts }

func (e *encStore) WriteEncoded(ctx context.Context, tenant string, cs []EncodedChunk) error {
	fcs := make([]FlushChunk, 0, len(cs))
	for _, c := range cs {
		dec, err := chunk.Decode(c.Data)
		if err != nil {
			return err
		}
		es, err := decodeAll(dec, int(c.Meta.Entries))
		if err != nil {
			return err
		}
		fcs = append(fcs, FlushChunk{Labels: c.Labels, Fingerprint: c.Fingerprint, Entries: es, MinT: c.Meta.MinT, MaxT: c.Meta.MaxT, Bytes: int(c.Meta.UncompressedSize)})
	}
	if err := e.WriteChunks(ctx, tenant, fcs); err != nil {
		return err
	}
	e.mu.Lock()
	for _, c := range cs {
		e.data = append(e.data, bytes.Clone(c.Data))
	}
	e.mu.Unlock()
	return nil
}

// memChunks returns the stream's chunks in memory once every one is encoded.
func memChunks(t *testing.T, ing *Ingester, tenantID, lbls string) []*memChunk {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := ing.tenant(tenantID, false).lookup(lbls)
		s.mu.RLock()
		cs := slices.Clone(s.chunks)
		done := true
		for _, c := range cs {
			done = done && c.enc != nil && c.segs == nil
		}
		s.mu.RUnlock()
		if done {
			return cs
		}
		if time.Now().After(deadline) {
			t.Fatal("chunks not encoded")
		}
		time.Sleep(time.Millisecond)
	}
}

func smallChunkConfig() Config {
	cfg := testConfig()
	cfg.ChunkTargetSize = 4 << 10
	cfg.ChunkRetainPeriod = time.Hour
	return cfg
}

// TestCutChunksKeptEncoded: cut chunks end up encoded (no entries kept), queries over them
// return what the entries would, a needle query skips blocks by their filters, and the flush
// uploads the very bytes kept in memory.
func TestCutChunksKeptEncoded(t *testing.T) {
	st := &encStore{memStore: newMemStore(), opts: chunk.Options{BlockSize: 512}}
	h := start(t, natstest.RunServer(t), st, smallChunkConfig())
	const lbls = `{app="a"}`
	var want []string
	ts := int64(1000)
	for p := range 10 {
		var es []*logproto.EntryAdapter
		for k := range 20 {
			ts++
			line := fmt.Sprintf("push %d line %d with some padding to fill blocks", p, k)
			if p == 2 && k == 5 {
				line = "the needle123 is here"
			}
			es = append(es, entry(ts, line))
			want = append(want, lbls+"|"+line)
		}
		if err := push(t, h.ing, "t", lbls, es...); err != nil {
			t.Fatal(err)
		}
	}
	cs := memChunks(t, h.ing, "t", lbls)
	if len(cs) < 2 {
		t.Fatalf("%d chunks cut, want several", len(cs))
	}
	if got := queryLines(t, h.ing, "t", lbls, 0, math.MaxInt64, 0, iter.Forward); !slices.Equal(got, want) {
		t.Fatalf("forward:\n got %q\nwant %q", got, want)
	}
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if got := queryLines(t, h.ing, "t", lbls, 0, math.MaxInt64, 0, iter.Backward); !slices.Equal(got, rev) {
		t.Fatalf("backward:\n got %q\nwant %q", got, rev)
	}
	if got := queryLines(t, h.ing, "t", lbls, 1011, 1031, 5, iter.Backward); !slices.Equal(got, rev[len(rev)-30:len(rev)-25]) {
		t.Fatalf("range with limit: got %q", got)
	}

	sel, err := syntax.ParseLogSelector(lbls+` |= "needle123"`, true)
	if err != nil {
		t.Fatal(err)
	}
	it, stats, err := h.ing.selectLogs(ctxFor("t"), logql.SelectLogParams{Selector: sel, Start: 0, End: math.MaxInt64, Limit: 100, Direction: iter.Forward})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for it.Next() {
		found = append(found, it.At().Line)
	}
	if !slices.Equal(found, []string{"the needle123 is here"}) {
		t.Fatalf("needle query found %q", found)
	}
	if stats.HeadChunkLines >= int64(len(want)/2) {
		t.Errorf("needle query scanned %d of %d lines: block filters not used", stats.HeadChunkLines, len(want))
	}

	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	flushed := slices.Clone(st.data)
	st.mu.Unlock()
	for _, c := range cs {
		if !slices.ContainsFunc(flushed, func(d []byte) bool { return bytes.Equal(d, c.data) }) {
			t.Errorf("chunk [%d, %d] kept in memory was not flushed as is", c.minT, c.maxT)
		}
	}
	if got := st.lines("t"); len(got) != len(want) {
		t.Errorf("store holds %d lines, want %d", len(got), len(want))
	}
}

// TestEncodedChunksPlainStore: with a store that takes entries only, chunks are still kept
// encoded and the flush hands the store their decoded entries.
func TestEncodedChunksPlainStore(t *testing.T) {
	st := newMemStore()
	h := start(t, natstest.RunServer(t), st, smallChunkConfig())
	var want []string
	for k := range 300 {
		line := fmt.Sprintf(`{"n":%d,"msg":"a line long enough to cut a few chunks"}`, k)
		if err := push(t, h.ing, "t", `{app="p"}`, entry(int64(k+1), line)); err != nil {
			t.Fatal(err)
		}
		want = append(want, `{app="p"}|`+line)
	}
	if cs := memChunks(t, h.ing, "t", `{app="p"}`); len(cs) < 2 {
		t.Fatalf("%d chunks cut, want several", len(cs))
	}
	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if got := st.lines("t"); !slices.Equal(got, want) {
		t.Fatalf("store lines differ: %d vs %d", len(got), len(want))
	}
}

// TestDuplicatesOfEncodedEntries: a retried push of entries that now live in encoded chunks is
// recognised and dropped, and out-of-order data spread over overlapping encoded chunks reads
// back sorted in both directions.
func TestDuplicatesOfEncodedEntries(t *testing.T) {
	h := start(t, natstest.RunServer(t), newMemStore(), smallChunkConfig())
	const lbls = `{app="d"}`
	pad := "-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	var all []*logproto.EntryAdapter
	for k := range 100 {
		all = append(all, entry(int64(1000+2*k), fmt.Sprintf("even %d%s", k, pad)))
	}
	for _, e := range all {
		if err := push(t, h.ing, "t", lbls, e); err != nil {
			t.Fatal(err)
		}
	}
	// Odd timestamps arrive later, inside the out-of-order window: their chunks overlap.
	for k := range 100 {
		e := entry(int64(1001+2*k), fmt.Sprintf("odd %d%s", k, pad))
		all = append(all, e)
		if err := push(t, h.ing, "t", lbls, e); err != nil {
			t.Fatal(err)
		}
	}
	if cs := memChunks(t, h.ing, "t", lbls); len(cs) < 3 {
		t.Fatalf("%d chunks cut, want several", len(cs))
	}
	// Retry a push holding old entries (now encoded) and one new one.
	retry := []*logproto.EntryAdapter{all[3], all[150], entry(5000, "new")}
	if err := push(t, h.ing, "t", lbls, retry...); err != nil {
		t.Fatal(err)
	}
	s := h.ing.tenant("t", false).lookup(lbls)
	s.mu.RLock()
	head := slices.Clone(s.head)
	s.mu.RUnlock()
	if len(head) == 0 || head[len(head)-1].Line != "new" || slices.ContainsFunc(head, func(e iter.Entry) bool { return e.Line == all[3].Line || e.Line == all[150].Line }) {
		t.Fatalf("retried entries were stored again: head ends %v", head[max(0, len(head)-3):])
	}
	var want []string
	slices.SortFunc(all, func(a, b *logproto.EntryAdapter) int { return a.Timestamp.AsTime().Compare(b.Timestamp.AsTime()) })
	for _, e := range all {
		want = append(want, lbls+"|"+e.Line)
	}
	want = append(want, lbls+"|new")
	if got := queryLines(t, h.ing, "t", lbls, 0, math.MaxInt64, 0, iter.Forward); !slices.Equal(got, want) {
		t.Fatalf("forward: %d lines, want %d\n got %q", len(got), len(want), got[:min(10, len(got))])
	}
	slices.Reverse(want)
	if got := queryLines(t, h.ing, "t", lbls, 0, math.MaxInt64, 0, iter.Backward); !slices.Equal(got, want) {
		t.Fatalf("backward: %d lines, want %d", len(got), len(want))
	}
}

// TestEncodeMatchesStoreBuild: the ingester's in-memory encoding is byte for byte what
// store.BuildChunk makes of the same entries, and the adapter passes those bytes through.
func TestEncodeMatchesStoreBuild(t *testing.T) {
	opts := chunk.Options{BlockSize: 256}
	es := []iter.Entry{
		{Timestamp: 1, Line: "a"},
		{Timestamp: 2, Line: "b", StructuredMetadata: labels.Labels{{Name: "trace", Value: "x"}}},
		{Timestamp: 2, Line: "c"},
	}
	for k := range 50 {
		es = append(es, iter.Entry{Timestamp: int64(3 + k), Line: fmt.Sprintf("line %d", k)})
	}
	cw := &captureWriter{}
	ing := &Ingester{chunkOpts: opts}
	s := newStream(labels.Labels{{Name: "app", Value: "x"}})
	c := &memChunk{segs: []*headSeg{newHeadSeg(es)}, count: len(es)}
	if err := ing.encode(s, c); err != nil {
		t.Fatal(err)
	}
	want, err := store.BuildChunk(s.lbls, es, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.data, want.Data) || c.meta != want.Meta {
		t.Fatal("in-memory encoding differs from store.BuildChunk")
	}
	a := NewStoreAdapter(cw, opts).(EncodedChunkStore)
	if a.ChunkOptions() != opts {
		t.Fatal("adapter options differ")
	}
	if err := a.WriteEncoded(context.Background(), "t", []EncodedChunk{{Labels: s.lbls, Data: c.data, Meta: c.meta}}); err != nil {
		t.Fatal(err)
	}
	if len(cw.got) != 1 || !bytes.Equal(cw.got[0].Data, want.Data) || cw.got[0].Meta != want.Meta {
		t.Fatal("adapter did not pass the encoded chunk through")
	}
}

type captureWriter struct{ got []store.FlushedChunk }

func (c *captureWriter) WriteChunks(_ context.Context, _ string, cs []store.FlushedChunk) error {
	c.got = append(c.got, cs...)
	return nil
}
