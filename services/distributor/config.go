package distributor

import (
	"errors"
	"flag"
	"log/slog"
	"time"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

// Config is the distributor section.
type Config struct {
	// AuthEnabled and NoAuthTenant come from the top-level auth_enabled / -auth.* settings,
	// which the binary owns; they are not registered here.
	AuthEnabled  bool   `yaml:"-"`
	NoAuthTenant string `yaml:"-"`

	// MaxRecvMsgSize bounds a push body as received; MaxDecompressedSize after decompression.
	MaxRecvMsgSize      validation.ByteSize `yaml:"max_recv_msg_size"`
	MaxDecompressedSize validation.ByteSize `yaml:"max_decompressed_size"`
	// RemoteTimeout bounds one push to one ingester.
	RemoteTimeout time.Duration `yaml:"remote_timeout"`
	// Distributors is how many distributors share a tenant's global rate limit when
	// Deps.HealthyDistributors is not set (a cluster without distributor discovery).
	Distributors int `yaml:"distributors"`
}

// RegisterFlags registers the distributor flags and sets the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.NoAuthTenant = tenant.DefaultNoAuthTenant
	c.AuthEnabled = true
	c.MaxRecvMsgSize = 100 << 20
	fs.Var(&c.MaxRecvMsgSize, "distributor.max-recv-msg-size", "Maximum size of a push body as received (e.g. 100MB): 413 above it. 0 means no limit.")
	// Bounded well below memory: a hostile gzip bomb costs at most this much per request.
	c.MaxDecompressedSize = 1 << 30
	fs.Var(&c.MaxDecompressedSize, "distributor.max-decompressed-size", "Maximum size of a push body after decompression (e.g. 1GB): 413 above it. 0 means no limit.")
	fs.DurationVar(&c.RemoteTimeout, "distributor.remote-timeout", 5*time.Second, "Timeout of one push to one ingester.")
	fs.IntVar(&c.Distributors, "distributor.count", 1, "Number of distributors sharing each tenant's global ingestion rate limit (ingestion_rate_strategy: global), when not discovered.")
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.RemoteTimeout <= 0 {
		return errors.New("distributor remote_timeout must be positive")
	}
	if c.Distributors < 0 {
		return errors.New("distributor count must not be negative")
	}
	if c.MaxRecvMsgSize < 0 || c.MaxDecompressedSize < 0 {
		return errors.New("distributor message sizes must not be negative")
	}
	if !c.AuthEnabled && c.NoAuthTenant == "" {
		return errors.New("distributor: no-auth tenant must be set when auth is disabled")
	}
	return nil
}

// ClientFactory returns a client for the ingester at addr. The distributor calls it once per
// address and reuses the client for its lifetime, so a gRPC client should own a ClientConn
// (which reconnects by itself); the one-process mode passes an in-process adapter.
type ClientFactory func(addr string) (logproto.PusherClient, error)

// Deps are the distributor's collaborators.
type Deps struct {
	// Ring maps stream tokens to replication sets of ingesters.
	Ring ring.ReadRing
	// IngesterClient creates ingester clients; see ClientFactory.
	IngesterClient ClientFactory
	// Overrides serves per-tenant limits.
	Overrides *validation.Overrides
	// HealthyDistributors returns how many distributors share the global rate limit. Nil means
	// Config.Distributors; a result below 1 counts as 1.
	HealthyDistributors func() int
	// Now returns the current time; nil means time.Now. Tests use it to pin timestamps.
	Now func() time.Time
}

func (d *Deps) validate() error {
	switch {
	case d.Ring == nil:
		return errors.New("distributor: ring is required")
	case d.IngesterClient == nil:
		return errors.New("distributor: ingester client factory is required")
	case d.Overrides == nil:
		return errors.New("distributor: overrides are required")
	}
	return nil
}

func nopLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
