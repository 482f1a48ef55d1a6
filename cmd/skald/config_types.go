package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/server"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/services/distributor"
	"github.com/skaldlogs/skald/services/ingester"
	"github.com/skaldlogs/skald/services/querier"
)

// Config is the whole configuration; section and key names follow Loki's where they mean the
// same thing, so an operator's Loki config maps over with few edits.
type Config struct {
	ConfigFile   string `yaml:"-"`
	PrintConfig  bool   `yaml:"-"`
	PrintVersion bool   `yaml:"-"`

	Target       string        `yaml:"target"`
	AuthEnabled  bool          `yaml:"auth_enabled"`
	NoAuthTenant string        `yaml:"no_auth_tenant"`
	Server       server.Config `yaml:"server"`
	Common       CommonConfig  `yaml:"common"`

	// MemoryLimit is the Go runtime's soft memory limit (see memlimit.go).
	MemoryLimit validation.ByteSize `yaml:"memory_limit"`
	// GCPercent is the Go runtime's garbage collection target (GOGC; see memlimit.go).
	GCPercent int `yaml:"gc_percent"`

	Storage         objstore.Config          `yaml:"storage_config"`
	StoreReader     store.Config             `yaml:"store"`
	StoreWriter     store.WriterConfig       `yaml:"store_writer"`
	NATS            NATSConfig               `yaml:"nats"`
	Ring            ring.Config              `yaml:"ring"`
	RingWatch       ring.WatcherConfig       `yaml:"ring_watch"`
	DistributorRing ring.DistributorConfig   `yaml:"distributor_ring"`
	Ingester        ingester.Config          `yaml:"ingester"`
	Chunk           chunk.Options            `yaml:"chunk"` // how ingesters encode chunks (docs/format/chunk.md)
	Distributor     distributor.Config       `yaml:"distributor"`
	Querier         querier.Config           `yaml:"querier"`
	Limits          validation.Limits        `yaml:"limits_config"`
	RuntimeConfig   validation.RuntimeConfig `yaml:"runtime_config"`
}

// CommonConfig holds settings several targets share.
type CommonConfig struct {
	PathPrefix string `yaml:"path_prefix"`
}

// NATSConfig says where the WAL lives: an external NATS cluster (URL) or the embedded server.
type NATSConfig struct {
	URL      string             `yaml:"url"`
	Embedded wal.EmbeddedConfig `yaml:"embedded"`
}

// RegisterFlags registers every section's flags and sets the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ConfigFile, "config.file", "", "YAML configuration file; flags given on the command line override it.")
	fs.BoolVar(&c.PrintConfig, "print-config", false, "Print the effective configuration as YAML and exit.")
	fs.BoolVar(&c.PrintVersion, "version", false, "Print the version and exit.")
	fs.StringVar(&c.Target, "target", "all", "Comma-separated targets to run: "+strings.Join(targetNames(), ", ")+".")
	fs.Var(&c.MemoryLimit, "memory-limit", "Soft memory limit of the Go runtime (what GOMEMLIMIT sets), e.g. 512MiB: the garbage collector runs more often as the process nears it, trading CPU for a lower peak. 0: 90% of the container's cgroup memory limit if there is one, else none. A GOMEMLIMIT environment variable wins over this flag.")
	fs.IntVar(&c.GCPercent, "gc-percent", defaultGCPercent, "Garbage collection target of the Go runtime (what GOGC sets): the heap grows this many percent over the live heap before the next collection, so the peak RSS is about (1 + this/100) x the live heap. Lower trades GC CPU for a lower peak. 0: Go's default, 100. A GOGC environment variable wins over this flag.")
	fs.BoolVar(&c.AuthEnabled, "auth.enabled", true, "Require X-Scope-OrgID on every request (401 'no org id' without it); when false every request belongs to -auth.no-auth-tenant.")
	fs.StringVar(&c.NoAuthTenant, "auth.no-auth-tenant", "fake", "Tenant of every request when auth is disabled.")
	fs.StringVar(&c.Common.PathPrefix, "common.path-prefix", "data", "Directory for all local state (object store, WAL, Raft log) unless a section names its own.")
	c.Server.RegisterFlags(fs)
	c.Storage.RegisterFlags(fs)
	c.StoreReader.RegisterFlags("store.", fs)
	c.StoreWriter.RegisterFlags("store.", fs)
	fs.StringVar(&c.NATS.URL, "nats.url", "", "NATS server URL(s), comma-separated, holding the WAL; empty runs an embedded NATS JetStream server.")
	c.NATS.Embedded.RegisterFlags(fs)
	c.NATS.Embedded.DataDir = "" // derived from common.path-prefix unless set
	c.Ring.RegisterFlags("ring.", fs)
	c.Ring.ID, c.Ring.Addr, c.Ring.Dir = "", "", "" // derived from the ingester ID, the gRPC listener and common.path-prefix unless set
	// Loki's default replication factor is 3; the one-process default has one ingester.
	c.Ring.ReplicationFactor = 0
	if f := fs.Lookup("ring.replication-factor"); f != nil {
		f.DefValue, f.Usage = "0", "Members each stream is written to; 0: 1 with -target=all, 3 otherwise (a cluster)."
	}
	c.RingWatch.RegisterFlags("ring.watch.", fs)
	c.DistributorRing.RegisterFlags("distributor.ring.", fs)
	// The watchers' replication factor is the ring's unless set: one flag for the cluster.
	c.RingWatch.ReplicationFactor = 0
	if f := fs.Lookup("ring.watch.replication-factor"); f != nil {
		f.DefValue, f.Usage = "0", f.Usage+" 0: -ring.replication-factor."
	}
	c.Ingester.RegisterFlags(fs)
	c.Chunk.RegisterFlags("ingester.chunk-", fs)
	if f := fs.Lookup("ingester.chunk-line-hashes"); f != nil {
		f.Usage += " Always on when the ring replicates (RF > 1): replicas' chunks overlap and need every hash."
	}
	c.Distributor.RegisterFlags(fs)
	c.Querier.RegisterFlags(fs)
	c.Limits.RegisterFlags(fs)
	c.RuntimeConfig.RegisterFlags(fs)
}

// applyDerived fills the settings that default to something derived from another section.
func (c *Config) applyDerived() {
	if c.Storage.Backend == objstore.BackendFilesystem && c.Storage.Filesystem.Directory == "" {
		c.Storage.Filesystem.Directory = filepath.Join(c.Common.PathPrefix, "objects")
	}
	if c.NATS.Embedded.DataDir == "" {
		c.NATS.Embedded.DataDir = c.Common.PathPrefix
	}
	if c.Ring.Dir == "" {
		c.Ring.Dir = filepath.Join(c.Common.PathPrefix, "raft")
	}
	if c.Ring.ReplicationFactor == 0 {
		c.Ring.ReplicationFactor = 3
		for _, t := range strings.Split(c.Target, ",") {
			if strings.TrimSpace(t) == "all" {
				c.Ring.ReplicationFactor = 1
			}
		}
	}
	if c.Ring.ID == "" {
		c.Ring.ID = c.Ingester.ID
	}
	if c.StoreWriter.WriterID == "" {
		c.StoreWriter.WriterID = c.Ingester.ID
	}
	if c.RingWatch.ReplicationFactor == 0 {
		c.RingWatch.ReplicationFactor = c.Ring.ReplicationFactor
	}
	c.Distributor.AuthEnabled, c.Distributor.NoAuthTenant = c.AuthEnabled, c.NoAuthTenant
	c.Querier.AuthEnabled, c.Querier.NoAuthTenant = c.AuthEnabled, c.NoAuthTenant
}

// Validate checks every section the chosen targets use.
func (c *Config) Validate() error {
	c.applyDerived()
	for _, t := range strings.Split(c.Target, ",") {
		if _, ok := targets[strings.TrimSpace(t)]; !ok || t == "server" {
			return fmt.Errorf("unknown target %q (known: %s)", t, strings.Join(targetNames(), ", "))
		}
	}
	if c.GCPercent < 0 {
		return fmt.Errorf("gc percent %d: must not be negative", c.GCPercent)
	}
	for _, v := range []interface{ Validate() error }{&c.Server, &c.Storage, &c.StoreWriter, &c.Ingester, &c.Distributor, &c.Querier, &c.Limits} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	return nil
}
