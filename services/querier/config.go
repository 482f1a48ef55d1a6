package querier

import (
	"errors"
	"flag"
	"time"
)

// Config is the querier's configuration (YAML section "querier").
type Config struct {
	// AuthEnabled requires X-Scope-OrgID on every request; without it every request belongs
	// to NoAuthTenant.
	AuthEnabled  bool   `yaml:"auth_enabled"`
	NoAuthTenant string `yaml:"no_auth_tenant"`
	// QueryIngestersWithin limits ingester queries to the recent window that ingesters can
	// still hold (older data is in the store); 0 asks ingesters for every query.
	QueryIngestersWithin time.Duration `yaml:"query_ingesters_within"`
	// IngesterQueryTimeout bounds one ingester call; 0 means only the query's own timeout.
	IngesterQueryTimeout time.Duration `yaml:"ingester_query_timeout"`
	// Tail: how often a tail polls for new lines, how long it may stay open, and how many may
	// run at once on this querier.
	TailPollInterval          time.Duration `yaml:"tail_poll_interval"`
	TailMaxDuration           time.Duration `yaml:"tail_max_duration"`
	MaxConcurrentTailRequests int           `yaml:"max_concurrent_tail_requests"`
}

// RegisterFlags registers the querier's flags on fs and sets their defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.AuthEnabled, "querier.auth-enabled", true, "Require X-Scope-OrgID on query requests (Loki's auth_enabled); when false every request belongs to -querier.no-auth-tenant.")
	fs.StringVar(&c.NoAuthTenant, "querier.no-auth-tenant", "fake", "Tenant of every request when auth is disabled.")
	// Default 0, unlike Loki's 3h: an ingester may hold lines with old timestamps that were
	// pushed recently and not flushed yet, and skipping it would hide acknowledged lines.
	fs.DurationVar(&c.QueryIngestersWithin, "querier.query-ingesters-within", 0, "Ask ingesters only for queries whose range ends within this duration of now (Loki: 3h); 0 asks them always.")
	fs.DurationVar(&c.IngesterQueryTimeout, "querier.ingester-query-timeout", 0, "Timeout of one ingester call; 0 means the query's own timeout only.")
	fs.DurationVar(&c.TailPollInterval, "querier.tail-poll-interval", time.Second, "How often a tail (/loki/api/v1/tail) looks for new lines; must be > 0.")
	fs.DurationVar(&c.TailMaxDuration, "querier.tail-max-duration", time.Hour, "Longest a tail stays open (Loki's tail_max_duration); 0 means no limit.")
	fs.IntVar(&c.MaxConcurrentTailRequests, "querier.max-concurrent-tail-requests", 10, "Most tails open at once on this querier; 0 means no limit.")
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if !c.AuthEnabled && c.NoAuthTenant == "" {
		return errors.New("querier.no-auth-tenant must be set when auth is disabled")
	}
	if c.QueryIngestersWithin < 0 || c.IngesterQueryTimeout < 0 || c.TailMaxDuration < 0 || c.MaxConcurrentTailRequests < 0 {
		return errors.New("querier durations and limits must not be negative")
	}
	if c.TailPollInterval <= 0 {
		// A zero Config (as tests and embedders build it) polls every second.
		c.TailPollInterval = time.Second
	}
	return nil
}

// Limits are the per-tenant query limits. Implementations are safe for concurrent use; the
// integrator adapts the runtime overrides. A value of 0 disables a limit.
type Limits interface {
	// MaxEntriesLimitPerQuery caps a log query's limit parameter (Loki: 5000).
	MaxEntriesLimitPerQuery(tenant string) int
	// MaxQuerySeries caps the series of a metric query's result (Loki: 500).
	MaxQuerySeries(tenant string) int
	// MaxQueryLength caps end-start of a query (Loki: 30d1h).
	MaxQueryLength(tenant string) time.Duration
	// QueryTimeout bounds a query's execution (Loki: 1m).
	QueryTimeout(tenant string) time.Duration
}

// DefaultLimits are Loki's default query limits for every tenant.
type DefaultLimits struct{}

func (DefaultLimits) MaxEntriesLimitPerQuery(string) int { return 5000 }
func (DefaultLimits) MaxQuerySeries(string) int          { return 500 }
func (DefaultLimits) MaxQueryLength(string) time.Duration {
	return 30*24*time.Hour + time.Hour
}
func (DefaultLimits) QueryTimeout(string) time.Duration { return time.Minute }
