package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/skaldlogs/skald/pkg/server"
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
}

// CommonConfig holds settings several targets share.
type CommonConfig struct {
	PathPrefix string `yaml:"path_prefix"`
}

// RegisterFlags registers every section's flags and sets the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ConfigFile, "config.file", "", "YAML configuration file; flags given on the command line override it.")
	fs.BoolVar(&c.PrintConfig, "print-config", false, "Print the effective configuration as YAML and exit.")
	fs.BoolVar(&c.PrintVersion, "version", false, "Print the version and exit.")
	fs.StringVar(&c.Target, "target", "all", "Comma-separated targets to run: "+strings.Join(targetNames(), ", ")+".")
	fs.BoolVar(&c.AuthEnabled, "auth.enabled", true, "Require X-Scope-OrgID on every request (401 'no org id' without it); when false every request belongs to -auth.no-auth-tenant.")
	fs.StringVar(&c.NoAuthTenant, "auth.no-auth-tenant", "fake", "Tenant of every request when auth is disabled.")
	fs.StringVar(&c.Common.PathPrefix, "common.path-prefix", "data", "Directory for all local state (object store, WAL, ring) unless a section names its own.")
	c.Server.RegisterFlags(fs)
}

// Validate checks every section.
func (c *Config) Validate() error {
	for _, t := range strings.Split(c.Target, ",") {
		if _, ok := targets[strings.TrimSpace(t)]; !ok {
			return fmt.Errorf("unknown target %q (known: %s)", t, strings.Join(targetNames(), ", "))
		}
	}
	return c.Server.Validate()
}
