package loghttp

// Stats is Loki's query statistics object as it appears under data.stats. Every field Loki
// sends is present so that tools reading it (Grafana, xk6-loki, logcli --stats) find it; what
// Skald does not measure stays zero.
type Stats struct {
	Summary  Summary       `json:"summary"`
	Querier  QuerierStats  `json:"querier"`
	Ingester IngesterStats `json:"ingester"`
	Cache    CacheStats    `json:"cache"`
	Index    IndexStats    `json:"index"`
}

// Summary is stats.summary. Times are float seconds.
type Summary struct {
	BytesProcessedPerSecond               int64   `json:"bytesProcessedPerSecond"`
	LinesProcessedPerSecond               int64   `json:"linesProcessedPerSecond"`
	TotalBytesProcessed                   int64   `json:"totalBytesProcessed"`
	TotalLinesProcessed                   int64   `json:"totalLinesProcessed"`
	ExecTime                              float64 `json:"execTime"`
	QueueTime                             float64 `json:"queueTime"`
	Subqueries                            int64   `json:"subqueries"`
	TotalEntriesReturned                  int64   `json:"totalEntriesReturned"`
	Splits                                int64   `json:"splits"`
	Shards                                int64   `json:"shards"`
	TotalPostFilterLines                  int64   `json:"totalPostFilterLines"`
	TotalStructuredMetadataBytesProcessed int64   `json:"totalStructuredMetadataBytesProcessed"`
}

// QuerierStats is stats.querier: what the querier read from the store itself.
type QuerierStats struct {
	Store StoreStats `json:"store"`
}

// IngesterStats is stats.ingester: what the ingesters reached by the query read.
type IngesterStats struct {
	TotalReached       int64      `json:"totalReached"`
	TotalChunksMatched int64      `json:"totalChunksMatched"`
	TotalBatches       int64      `json:"totalBatches"`
	TotalLinesSent     int64      `json:"totalLinesSent"`
	Store              StoreStats `json:"store"`
}

// StoreStats counts chunk work. ChunksDownloadTime is in nanoseconds, as in Loki.
type StoreStats struct {
	TotalChunksRef                    int64      `json:"totalChunksRef"`
	TotalChunksDownloaded             int64      `json:"totalChunksDownloaded"`
	ChunksDownloadTime                int64      `json:"chunksDownloadTime"`
	QueryReferencedStructuredMetadata bool       `json:"queryReferencedStructuredMetadata"`
	Chunk                             ChunkStats `json:"chunk"`
	ChunkRefsFetchTime                int64      `json:"chunkRefsFetchTime"`
	CongestionControlLatency          int64      `json:"congestionControlLatency"`
	PipelineWrapperFilteredLines      int64      `json:"pipelineWrapperFilteredLines"`
}

// ChunkStats counts bytes and lines read from chunks.
type ChunkStats struct {
	HeadChunkBytes                      int64 `json:"headChunkBytes"`
	HeadChunkLines                      int64 `json:"headChunkLines"`
	DecompressedBytes                   int64 `json:"decompressedBytes"`
	DecompressedLines                   int64 `json:"decompressedLines"`
	CompressedBytes                     int64 `json:"compressedBytes"`
	TotalDuplicates                     int64 `json:"totalDuplicates"`
	PostFilterLines                     int64 `json:"postFilterLines"`
	HeadChunkStructuredMetadataBytes    int64 `json:"headChunkStructuredMetadataBytes"`
	DecompressedStructuredMetadataBytes int64 `json:"decompressedStructuredMetadataBytes"`
}

// CacheStats is stats.cache, one entry per cache Loki has.
type CacheStats struct {
	Chunk               Cache `json:"chunk"`
	Index               Cache `json:"index"`
	Result              Cache `json:"result"`
	StatsResult         Cache `json:"statsResult"`
	VolumeResult        Cache `json:"volumeResult"`
	SeriesResult        Cache `json:"seriesResult"`
	LabelResult         Cache `json:"labelResult"`
	InstantMetricResult Cache `json:"instantMetricResult"`
}

// Cache counts one cache's use; DownloadTime is in nanoseconds.
type Cache struct {
	EntriesFound      int64 `json:"entriesFound"`
	EntriesRequested  int64 `json:"entriesRequested"`
	EntriesStored     int64 `json:"entriesStored"`
	BytesReceived     int64 `json:"bytesReceived"`
	BytesSent         int64 `json:"bytesSent"`
	Requests          int64 `json:"requests"`
	DownloadTime      int64 `json:"downloadTime"`
	QueryLengthServed int64 `json:"queryLengthServed"`
}

// IndexStats is stats.index.
type IndexStats struct {
	TotalChunks      int64 `json:"totalChunks"`
	PostFilterChunks int64 `json:"postFilterChunks"`
	ShardsDuration   int64 `json:"shardsDuration"`
	UsedBloomFilters bool  `json:"usedBloomFilters"`
}

// Finish fills the summary's derived fields from the per-source counters and the execution
// time in seconds: totals of bytes and lines processed (ingesters' and store's, head and
// decompressed), their rates, and the post-filter and structured-metadata totals.
func (s *Stats) Finish(execSeconds float64) {
	ing, st := s.Ingester.Store.Chunk, s.Querier.Store.Chunk
	s.Summary.ExecTime = execSeconds
	s.Summary.TotalBytesProcessed = ing.HeadChunkBytes + ing.DecompressedBytes + st.HeadChunkBytes + st.DecompressedBytes
	s.Summary.TotalLinesProcessed = ing.HeadChunkLines + ing.DecompressedLines + st.HeadChunkLines + st.DecompressedLines
	s.Summary.TotalPostFilterLines = ing.PostFilterLines + st.PostFilterLines
	s.Summary.TotalStructuredMetadataBytesProcessed = ing.HeadChunkStructuredMetadataBytes +
		ing.DecompressedStructuredMetadataBytes + st.HeadChunkStructuredMetadataBytes + st.DecompressedStructuredMetadataBytes
	if execSeconds > 0 {
		s.Summary.BytesProcessedPerSecond = int64(float64(s.Summary.TotalBytesProcessed) / execSeconds)
		s.Summary.LinesProcessedPerSecond = int64(float64(s.Summary.TotalLinesProcessed) / execSeconds)
	}
}
