package querier

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// queryStats collects, for one HTTP query, what the fan-out learns: ingesters reached, batches
// and lines they sent with their chunk counters, and the copies the merge removed. The engine
// may call the fan-out from several goroutines, hence the lock. A nil *queryStats ignores
// everything, so code paths without a collector need no checks.
type queryStats struct {
	mu   sync.Mutex
	s    loghttp.Stats
	dups atomic.Int64
}

type statsKey struct{}

func withStats(ctx context.Context, s *queryStats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

func statsFromContext(ctx context.Context) *queryStats {
	s, _ := ctx.Value(statsKey{}).(*queryStats)
	return s
}

func (q *queryStats) addDuplicates(n int64) {
	if q != nil {
		q.dups.Add(n)
	}
}

func (q *queryStats) addReached(n int) {
	if q == nil {
		return
	}
	q.mu.Lock()
	q.s.Ingester.TotalReached += int64(n)
	q.mu.Unlock()
}

func (q *queryStats) addLogBatch(r *querierpb.LogQueryResponse) {
	if q == nil {
		return
	}
	var lines int64
	for _, s := range r.GetStreams() {
		lines += int64(len(s.GetEntries()))
	}
	q.add(lines, r.GetStats())
}

func (q *queryStats) addSampleBatch(r *querierpb.SampleQueryResponse) {
	if q == nil {
		return
	}
	var n int64
	for _, s := range r.GetSeries() {
		n += int64(len(s.GetSamples()))
	}
	q.add(n, r.GetStats())
}

func (q *queryStats) add(lines int64, st *querierpb.QueryStats) {
	q.mu.Lock()
	defer q.mu.Unlock()
	in := &q.s.Ingester
	in.TotalBatches++
	in.TotalLinesSent += lines
	if st == nil {
		return
	}
	in.TotalChunksMatched += st.GetTotalChunksRef()
	c := &in.Store.Chunk
	in.Store.TotalChunksRef += st.GetTotalChunksRef()
	in.Store.TotalChunksDownloaded += st.GetTotalChunksDownloaded()
	in.Store.ChunksDownloadTime += st.GetChunksDownloadTimeNs()
	c.HeadChunkBytes += st.GetHeadChunkBytes()
	c.HeadChunkLines += st.GetHeadChunkLines()
	c.DecompressedBytes += st.GetDecompressedBytes()
	c.DecompressedLines += st.GetDecompressedLines()
	c.CompressedBytes += st.GetCompressedBytes()
	c.TotalDuplicates += st.GetTotalDuplicates()
	c.PostFilterLines += st.GetPostFilterLines()
	c.HeadChunkStructuredMetadataBytes += st.GetStructuredMetadataBytes()
}

// addStore adds the store's counters (what the querier itself read) to querier.store.
func (q *queryStats) addStore(st *querierpb.QueryStats) {
	if q == nil || st == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	s := &q.s.Querier.Store
	s.TotalChunksRef += st.GetTotalChunksRef()
	s.TotalChunksDownloaded += st.GetTotalChunksDownloaded()
	s.ChunksDownloadTime += st.GetChunksDownloadTimeNs()
	c := &s.Chunk
	c.HeadChunkBytes += st.GetHeadChunkBytes()
	c.HeadChunkLines += st.GetHeadChunkLines()
	c.DecompressedBytes += st.GetDecompressedBytes()
	c.DecompressedLines += st.GetDecompressedLines()
	c.CompressedBytes += st.GetCompressedBytes()
	c.TotalDuplicates += st.GetTotalDuplicates()
	c.PostFilterLines += st.GetPostFilterLines()
	c.DecompressedStructuredMetadataBytes += st.GetStructuredMetadataBytes()
	q.s.Index.TotalChunks += st.GetTotalChunksRef()
	q.s.Index.PostFilterChunks += st.GetTotalChunksDownloaded()
}

// result returns the collected statistics; the copies removed by the querier's merges count as
// the querier's duplicates.
func (q *queryStats) result() loghttp.Stats {
	if q == nil {
		return loghttp.Stats{}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.s
	s.Querier.Store.Chunk.TotalDuplicates += q.dups.Load()
	return s
}
