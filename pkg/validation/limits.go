package validation

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// Ingestion rate strategies.
const (
	// LocalStrategy applies the tenant's rate limit in each distributor on its own.
	LocalStrategy = "local"
	// GlobalStrategy divides the tenant's rate limit between the healthy distributors, so the
	// cluster as a whole admits the configured rate.
	GlobalStrategy = "global"
)

// DefaultDiscoverServiceName is the list of labels Loki looks in, in order, for a stream's
// service name when the stream has no service_name label.
var defaultDiscoverServiceName = []string{
	"service", "app", "application", "app_name", "name", "app_kubernetes_io_name",
	"container", "container_name", "k8s_container_name", "component", "workload", "job", "k8s_job_name",
}

// Limits are one tenant's limits: Loki's limits_config section, with its names and defaults.
type Limits struct {
	// Ingestion.
	IngestionRateStrategy  string     `yaml:"ingestion_rate_strategy"`
	IngestionRateMB        float64    `yaml:"ingestion_rate_mb"`
	IngestionBurstSizeMB   float64    `yaml:"ingestion_burst_size_mb"`
	MaxLabelNameLength     int        `yaml:"max_label_name_length"`
	MaxLabelValueLength    int        `yaml:"max_label_value_length"`
	MaxLabelNamesPerSeries int        `yaml:"max_label_names_per_series"`
	RejectOldSamples       bool       `yaml:"reject_old_samples"`
	RejectOldSamplesMaxAge Duration   `yaml:"reject_old_samples_max_age"`
	CreationGracePeriod    Duration   `yaml:"creation_grace_period"`
	MaxLineSize            ByteSize   `yaml:"max_line_size"`
	MaxLineSizeTruncate    bool       `yaml:"max_line_size_truncate"`
	DiscoverServiceName    StringList `yaml:"discover_service_name"`
	DiscoverLogLevels      bool       `yaml:"discover_log_levels"`

	AllowStructuredMetadata           bool     `yaml:"allow_structured_metadata"`
	MaxStructuredMetadataSize         ByteSize `yaml:"max_structured_metadata_size"`
	MaxStructuredMetadataEntriesCount int      `yaml:"max_structured_metadata_entries_count"`

	// Streams (enforced by the ingesters).
	MaxStreamsPerUser       int      `yaml:"max_streams_per_user"`
	MaxGlobalStreamsPerUser int      `yaml:"max_global_streams_per_user"`
	UnorderedWrites         bool     `yaml:"unordered_writes"`
	PerStreamRateLimit      ByteSize `yaml:"per_stream_rate_limit"`
	PerStreamRateLimitBurst ByteSize `yaml:"per_stream_rate_limit_burst"`

	// Queries.
	MaxEntriesLimitPerQuery   int      `yaml:"max_entries_limit_per_query"`
	MaxQuerySeries            int      `yaml:"max_query_series"`
	MaxQueryLength            Duration `yaml:"max_query_length"`
	MaxQueryRange             Duration `yaml:"max_query_range"`
	MaxQueryLookback          Duration `yaml:"max_query_lookback"`
	MaxQueryParallelism       int      `yaml:"max_query_parallelism"`
	MaxQueriersPerTenant      int      `yaml:"max_queriers_per_tenant"`
	QueryTimeout              Duration `yaml:"query_timeout"`
	MaxChunksPerQuery         int      `yaml:"max_chunks_per_query"`
	SplitQueriesByInterval    Duration `yaml:"split_queries_by_interval"`
	MaxCacheFreshnessPerQuery Duration `yaml:"max_cache_freshness_per_query"`
	VolumeEnabled             bool     `yaml:"volume_enabled"`

	// Retention and deletion (enforced by the compactor); 0 keeps everything.
	RetentionPeriod Duration          `yaml:"retention_period"`
	RetentionStream []RetentionStream `yaml:"retention_stream"`
	DeletionMode    string            `yaml:"deletion_mode"`

	// More of Loki's limits_config, accepted so that an operator's Loki config loads
	// unchanged; each is enforced by the component it names once that component uses it.
	// BlockIngestionUntil refuses the tenant's pushes until that time, answering
	// BlockIngestionStatusCode (260 by default: a 2xx, so agents drop rather than retry).
	BlockIngestionUntil      Time `yaml:"block_ingestion_until"`
	BlockIngestionStatusCode int  `yaml:"block_ingestion_status_code"`

	IncrementDuplicateTimestamp    bool         `yaml:"increment_duplicate_timestamp"`
	LogLevelFields                 StringList   `yaml:"log_level_fields"`
	ShardStreams                   ShardStreams `yaml:"shard_streams"`
	TSDBMaxQueryParallelism        int          `yaml:"tsdb_max_query_parallelism"`
	CardinalityLimit               int          `yaml:"cardinality_limit"`
	MaxStreamsMatchersPerQuery     int          `yaml:"max_streams_matchers_per_query"`
	MaxConcurrentTailRequests      int          `yaml:"max_concurrent_tail_requests"`
	MaxStatsCacheFreshness         Duration     `yaml:"max_stats_cache_freshness"`
	SplitMetadataQueriesByInterval Duration     `yaml:"split_metadata_queries_by_interval"`
	QueryReadyIndexNumDays         int          `yaml:"query_ready_index_num_days"`
	MaxQueryBytesRead              ByteSize     `yaml:"max_query_bytes_read"`
	MaxQuerierBytesRead            ByteSize     `yaml:"max_querier_bytes_read"`
	VolumeMaxSeries                int          `yaml:"volume_max_series"`
	MetricAggregationEnabled       bool         `yaml:"metric_aggregation_enabled"`
	RulerEvaluationDelay           Duration     `yaml:"ruler_evaluation_delay_duration"`
	RulerMaxRulesPerRuleGroup      int          `yaml:"ruler_max_rules_per_rule_group"`
	RulerMaxRuleGroupsPerTenant    int          `yaml:"ruler_max_rule_groups_per_tenant"`
	RulerRemoteWriteDisabled       bool         `yaml:"ruler_remote_write_disabled"`
}

// RetentionStream is a per-selector retention period; the highest priority match wins.
type RetentionStream struct {
	Selector string   `yaml:"selector"`
	Priority int      `yaml:"priority"`
	Period   Duration `yaml:"period"`
}

// ShardStreams configures automatic stream sharding (splitting a stream whose rate is above
// DesiredRate by adding __stream_shard__).
type ShardStreams struct {
	Enabled        bool     `yaml:"enabled"`
	LoggingEnabled bool     `yaml:"logging_enabled"`
	DesiredRate    ByteSize `yaml:"desired_rate"`
}

// RegisterFlags registers the limits under Loki's flag names and sets the defaults.
func (l *Limits) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&l.IngestionRateStrategy, "distributor.ingestion-rate-limit-strategy", GlobalStrategy, "Whether the ingestion rate limit applies per distributor (local) or to the cluster, divided between the healthy distributors (global).")
	fs.Float64Var(&l.IngestionRateMB, "distributor.ingestion-rate-limit-mb", 4, "Per-tenant ingestion rate limit in MB/s of line and structured metadata bytes. 0 disables the limit.")
	fs.Float64Var(&l.IngestionBurstSizeMB, "distributor.ingestion-burst-size-mb", 6, "Per-tenant burst allowed above the ingestion rate, in MB.")
	fs.IntVar(&l.MaxLabelNameLength, "validation.max-length-label-name", 1024, "Maximum length of a label name in bytes.")
	fs.IntVar(&l.MaxLabelValueLength, "validation.max-length-label-value", 2048, "Maximum length of a label value in bytes.")
	fs.IntVar(&l.MaxLabelNamesPerSeries, "validation.max-label-names-per-series", 15, "Maximum number of labels in a stream (service_name not counted).")
	fs.BoolVar(&l.RejectOldSamples, "validation.reject-old-samples", true, "Reject entries older than reject_old_samples_max_age.")
	l.RejectOldSamplesMaxAge = Duration(7 * 24 * time.Hour)
	fs.Var(&l.RejectOldSamplesMaxAge, "validation.reject-old-samples.max-age", "Maximum age of an accepted entry (e.g. 1w, 168h).")
	l.CreationGracePeriod = Duration(10 * time.Minute)
	fs.Var(&l.CreationGracePeriod, "validation.create-grace-period", "How far in the future an entry's timestamp may be.")
	l.MaxLineSize = 256 << 10
	fs.Var(&l.MaxLineSize, "distributor.max-line-size", "Maximum line size (e.g. 256KB). 0 means no limit.")
	fs.BoolVar(&l.MaxLineSizeTruncate, "distributor.max-line-size-truncate", false, "Truncate lines over max_line_size instead of rejecting them.")
	l.DiscoverServiceName = append(StringList(nil), defaultDiscoverServiceName...)
	fs.Var(&l.DiscoverServiceName, "validation.discover-service-name", "Comma-separated labels to take a service_name label from, in order; unknown_service when none is present. Empty disables discovery.")
	fs.BoolVar(&l.DiscoverLogLevels, "validation.discover-log-levels", true, "Add a detected_level structured metadata field taken from the line.")
	fs.BoolVar(&l.AllowStructuredMetadata, "validation.allow-structured-metadata", true, "Accept structured metadata.")
	l.MaxStructuredMetadataSize = 64 << 10
	fs.Var(&l.MaxStructuredMetadataSize, "limits.max-structured-metadata-size", "Maximum structured metadata size per entry (names and values). 0 means no limit.")
	fs.IntVar(&l.MaxStructuredMetadataEntriesCount, "limits.max-structured-metadata-entries-count", 128, "Maximum number of structured metadata pairs per entry. 0 means no limit.")
	fs.IntVar(&l.MaxStreamsPerUser, "ingester.max-streams-per-user", 0, "Maximum active streams per tenant per ingester. 0 means no limit.")
	fs.IntVar(&l.MaxGlobalStreamsPerUser, "ingester.max-global-streams-per-user", 5000, "Maximum active streams per tenant across the cluster. 0 means no limit.")
	fs.BoolVar(&l.UnorderedWrites, "ingester.unordered-writes", true, "Accept entries out of order within the ingester's window.")
	l.PerStreamRateLimit = 3 << 20
	fs.Var(&l.PerStreamRateLimit, "ingester.per-stream-rate-limit", "Maximum rate per stream (e.g. 3MB), per second.")
	l.PerStreamRateLimitBurst = 15 << 20
	fs.Var(&l.PerStreamRateLimitBurst, "ingester.per-stream-rate-limit-burst", "Burst allowed per stream above its rate.")
	fs.IntVar(&l.MaxEntriesLimitPerQuery, "validation.max-entries-limit", 5000, "Maximum number of log lines a query may return.")
	fs.IntVar(&l.MaxQuerySeries, "querier.max-query-series", 500, "Maximum number of series a metric query may return.")
	l.MaxQueryLength = Duration(30*24*time.Hour + time.Hour)
	fs.Var(&l.MaxQueryLength, "store.max-query-length", "Maximum time range of a query. 0 means no limit.")
	fs.Var(&l.MaxQueryRange, "querier.max-query-range", "Maximum range of a range vector selector. 0 means no limit.")
	fs.Var(&l.MaxQueryLookback, "querier.max-query-lookback", "How far back a query may look. 0 means no limit.")
	fs.IntVar(&l.MaxQueryParallelism, "querier.max-query-parallelism", 32, "Maximum subqueries of one query run in parallel.")
	fs.IntVar(&l.MaxQueriersPerTenant, "frontend.max-queriers-per-tenant", 0, "Maximum queriers serving one tenant. 0 means all.")
	l.QueryTimeout = Duration(time.Minute)
	fs.Var(&l.QueryTimeout, "querier.query-timeout", "Timeout of one query.")
	fs.IntVar(&l.MaxChunksPerQuery, "store.query-chunk-limit", 2000000, "Maximum chunks one query may fetch.")
	l.SplitQueriesByInterval = Duration(time.Hour)
	fs.Var(&l.SplitQueriesByInterval, "querier.split-queries-by-interval", "Split range queries by this interval. 0 disables splitting.")
	l.MaxCacheFreshnessPerQuery = Duration(10 * time.Minute)
	fs.Var(&l.MaxCacheFreshnessPerQuery, "frontend.max-cache-freshness", "Results newer than this are not cached.")
	fs.BoolVar(&l.VolumeEnabled, "limits.volume-enabled", true, "Serve the index/volume endpoints.")
	fs.Var(&l.RetentionPeriod, "store.retention", "How long logs are kept. 0 keeps them forever.")
	fs.StringVar(&l.DeletionMode, "compactor.deletion-mode", "filter-and-delete", "Log deletion mode: disabled, filter-only or filter-and-delete.")
	fs.Var(&l.BlockIngestionUntil, "limits.block-ingestion-until", "Refuse the tenant's pushes until this time (RFC3339). Empty: never.")
	fs.IntVar(&l.BlockIngestionStatusCode, "limits.block-ingestion-status-code", 260, "HTTP status of a push refused by block_ingestion_until.")
	fs.BoolVar(&l.IncrementDuplicateTimestamp, "validation.increment-duplicate-timestamp", false, "Give an entry with the same timestamp as the previous one of its stream a timestamp 1ns later.")
	l.LogLevelFields = StringList{"level", "LEVEL", "Level", "severity", "SEVERITY", "Severity", "lvl", "LVL", "Lvl"}
	fs.Var(&l.LogLevelFields, "validation.log-level-fields", "Comma-separated field names to take a line's level from for detected_level.")
	l.ShardStreams = ShardStreams{Enabled: true, DesiredRate: 1536 << 10}
	fs.BoolVar(&l.ShardStreams.Enabled, "shard-streams.enabled", true, "Split streams whose rate is above shard_streams.desired_rate.")
	fs.Var(&l.ShardStreams.DesiredRate, "shard-streams.desired-rate", "Target rate of one stream shard (e.g. 1536KB), per second.")
	fs.IntVar(&l.TSDBMaxQueryParallelism, "querier.tsdb-max-query-parallelism", 128, "Maximum subqueries of one sharded query run in parallel.")
	fs.IntVar(&l.CardinalityLimit, "store.cardinality-limit", 100000, "Maximum series one index query may touch.")
	fs.IntVar(&l.MaxStreamsMatchersPerQuery, "querier.max-streams-matcher-per-query", 1000, "Maximum stream matchers in one query.")
	// No flag: the querier section already owns -querier.max-concurrent-tail-requests.
	l.MaxConcurrentTailRequests = 10
	l.MaxStatsCacheFreshness = Duration(10 * time.Minute)
	fs.Var(&l.MaxStatsCacheFreshness, "frontend.max-stats-cache-freshness", "Index stats newer than this are not cached.")
	l.SplitMetadataQueriesByInterval = Duration(24 * time.Hour)
	fs.Var(&l.SplitMetadataQueriesByInterval, "querier.split-metadata-queries-by-interval", "Split metadata queries (labels, series) by this interval.")
	fs.IntVar(&l.QueryReadyIndexNumDays, "store.query-ready-index-num-days", 0, "Days of index to download at start. 0 means none.")
	fs.Var(&l.MaxQueryBytesRead, "frontend.max-query-bytes-read", "Maximum bytes one query may read. 0 means no limit.")
	l.MaxQuerierBytesRead = 150 << 30
	fs.Var(&l.MaxQuerierBytesRead, "frontend.max-querier-bytes-read", "Maximum bytes one querier may read for one subquery. 0 means no limit.")
	fs.IntVar(&l.VolumeMaxSeries, "limits.volume-max-series", 1000, "Maximum series the volume endpoints return.")
	fs.BoolVar(&l.MetricAggregationEnabled, "limits.metric-aggregation-enabled", false, "Aggregate metrics from ingested lines (Drilldown reads this setting).")
	fs.Var(&l.RulerEvaluationDelay, "ruler.evaluation-delay-duration", "How far behind now rules are evaluated.")
	fs.IntVar(&l.RulerMaxRulesPerRuleGroup, "ruler.max-rules-per-rule-group", 0, "Maximum rules in one rule group. 0 means no limit.")
	fs.IntVar(&l.RulerMaxRuleGroupsPerTenant, "ruler.max-rule-groups-per-tenant", 0, "Maximum rule groups per tenant. 0 means no limit.")
	fs.BoolVar(&l.RulerRemoteWriteDisabled, "ruler.remote-write.disabled", false, "Disable remote write of recording rules for the tenant.")
}

// Defaults returns Loki's default limits.
func Defaults() Limits {
	var l Limits
	l.RegisterFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
	return l
}

// Validate reports inconsistent limits.
func (l *Limits) Validate() error {
	var errs []error
	if l.IngestionRateStrategy != LocalStrategy && l.IngestionRateStrategy != GlobalStrategy {
		errs = append(errs, fmt.Errorf("ingestion_rate_strategy %q: must be %q or %q", l.IngestionRateStrategy, LocalStrategy, GlobalStrategy))
	}
	if l.IngestionRateMB < 0 || l.IngestionBurstSizeMB < 0 {
		errs = append(errs, errors.New("ingestion_rate_mb and ingestion_burst_size_mb must not be negative"))
	}
	switch l.DeletionMode {
	case "disabled", "filter-only", "filter-and-delete":
	default:
		errs = append(errs, fmt.Errorf("deletion_mode %q: must be disabled, filter-only or filter-and-delete", l.DeletionMode))
	}
	if l.MaxLineSize < 0 || l.MaxStructuredMetadataSize < 0 || l.PerStreamRateLimit < 0 || l.PerStreamRateLimitBurst < 0 {
		errs = append(errs, errors.New("sizes must not be negative"))
	}
	return errors.Join(errs...)
}

// IngestionRateBytes is the tenant's rate limit in bytes per second (0: unlimited).
func (l *Limits) IngestionRateBytes() float64 { return l.IngestionRateMB * (1 << 20) }

// IngestionBurstBytes is the tenant's burst in bytes.
func (l *Limits) IngestionBurstBytes() float64 { return l.IngestionBurstSizeMB * (1 << 20) }
