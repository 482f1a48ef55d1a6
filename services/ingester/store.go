package ingester

import (
	"context"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// ChunkStore persists flushed chunks. The ingester owns this interface; the binary adapts
// pkg/store's writer to it (see StoreAdapter once pkg/store lands).
type ChunkStore interface {
	// WriteChunks stores the chunks of one tenant durably (chunk objects and their index) before
	// returning nil; on error none or some may be stored, and the ingester retries them all
	// later. Safe for concurrent use. chunks and their entries must not be retained.
	WriteChunks(ctx context.Context, tenant string, chunks []FlushChunk) error
}

// FlushChunk is one stream's chunk to flush: its entries sorted by timestamp (ties in arrival
// order), all within one cut of the stream's head.
type FlushChunk struct {
	Labels      labels.Labels
	Fingerprint uint64
	Entries     []iter.Entry
	// MinT and MaxT are the first and last timestamps, Bytes the line plus structured-metadata
	// bytes.
	MinT, MaxT int64
	Bytes      int
}
