package main

import (
	"context"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/services/ingester"
)

// storeAdapter lets the ingester flush into the store: it encodes each stream's entries into a
// chunk and hands them to the store writer, which uploads chunks and then their index.
type storeAdapter struct {
	w    *store.Writer
	opts chunk.Options
}

func (s storeAdapter) WriteChunks(ctx context.Context, tenant string, chunks []ingester.FlushChunk) error {
	out := make([]store.FlushedChunk, 0, len(chunks))
	for _, c := range chunks {
		fc, err := store.BuildChunk(c.Labels, c.Entries, s.opts)
		if err != nil {
			return err
		}
		out = append(out, fc)
	}
	return s.w.WriteChunks(ctx, tenant, out)
}

// overridesLimits serves the querier's per-tenant limits from the runtime overrides.
type overridesLimits struct{ o *validation.Overrides }

func (l overridesLimits) MaxEntriesLimitPerQuery(t string) int {
	return l.o.For(t).MaxEntriesLimitPerQuery
}
func (l overridesLimits) MaxQuerySeries(t string) int { return l.o.For(t).MaxQuerySeries }
func (l overridesLimits) MaxQueryLength(t string) time.Duration {
	return time.Duration(l.o.For(t).MaxQueryLength)
}
func (l overridesLimits) QueryTimeout(t string) time.Duration {
	return time.Duration(l.o.For(t).QueryTimeout)
}
