package querier

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// The store's reader is what the integrator passes as Deps.Store.
var (
	_ Store        = (*store.Reader)(nil)
	_ IndexStatser = (*store.Reader)(nil)
)

// statsStore is a memSource whose iterators report counters and which answers index stats,
// as *store.Reader does.
type statsStore struct{ *memSource }

type reportingEntries struct{ iter.EntryIterator }

func (reportingEntries) Stats() *querierpb.QueryStats {
	return &querierpb.QueryStats{DecompressedLines: 7, DecompressedBytes: 70, TotalChunksRef: 2}
}

func (s statsStore) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	it, err := s.memSource.SelectLogs(ctx, p)
	return reportingEntries{it}, err
}

func (s statsStore) IndexStats(ctx context.Context, start, end int64, ms ...*labels.Matcher) (IndexStats, error) {
	return IndexStats{Streams: 1, Chunks: 2, Entries: 3, Bytes: 4}, nil
}

func TestStoreStats(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 1), storeImpl: statsStore{store}})
	code, body, _ := e.get(t, "/loki/api/v1/query_range", url.Values{"query": {`{app="a"}`}})
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	res := decode(t, body)
	if c := res.Stats.Querier.Store; c.Chunk.DecompressedLines != 7 || c.TotalChunksRef != 2 || res.Stats.Summary.TotalBytesProcessed < 70 {
		t.Fatalf("store stats not reported: %+v %+v", c, res.Stats.Summary)
	}
	// index/stats: the store's index answer; streams raised to what ingesters know.
	code, body, _ = e.get(t, "/loki/api/v1/index/stats", url.Values{"query": {`{env=~".+"}`}})
	if code != 200 || strings.TrimSpace(body) != `{"streams":2,"chunks":2,"entries":3,"bytes":4}` {
		t.Fatalf("index stats: %d %s", code, body)
	}
}
