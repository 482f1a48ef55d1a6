package ingester

import (
	"context"
	"fmt"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/store"
)

// StoreChunkWriter is what pkg/store's Writer offers.
type StoreChunkWriter interface {
	WriteChunks(ctx context.Context, tenant string, chunks []store.FlushedChunk) error
}

// storeAdapter encodes chunks with pkg/chunk and writes them through pkg/store.
type storeAdapter struct {
	w    StoreChunkWriter
	opts chunk.Options
}

// NewStoreAdapter returns a ChunkStore that encodes each chunk with opts (a pkg/chunk block
// format) and hands them to w, typically a *store.Writer.
// The ChunkStore it returns is also an EncodedChunkStore: the ingester then keeps chunks
// encoded with opts and uploads those bytes as they are.
func NewStoreAdapter(w StoreChunkWriter, opts chunk.Options) ChunkStore {
	return &storeAdapter{w: w, opts: opts}
}

func (a *storeAdapter) WriteChunks(ctx context.Context, tenant string, chunks []FlushChunk) error {
	out := make([]store.FlushedChunk, 0, len(chunks))
	for _, c := range chunks {
		fc, err := store.BuildChunk(c.Labels, c.Entries, a.opts)
		if err != nil {
			return fmt.Errorf("encode chunk: %w", err)
		}
		out = append(out, fc)
	}
	return a.w.WriteChunks(ctx, tenant, out)
}

func (a *storeAdapter) ChunkOptions() chunk.Options { return a.opts }

func (a *storeAdapter) WriteEncoded(ctx context.Context, tenant string, chunks []EncodedChunk) error {
	out := make([]store.FlushedChunk, len(chunks))
	for k, c := range chunks {
		out[k] = store.FlushedChunk{Labels: c.Labels, Data: c.Data, Meta: c.Meta}
	}
	return a.w.WriteChunks(ctx, tenant, out)
}
