package validation

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// RuntimeConfig locates the runtime file of per-tenant overrides (Loki's runtime_config).
type RuntimeConfig struct {
	File   string        `yaml:"file"`
	Period time.Duration `yaml:"period"`
}

// RegisterFlags registers the runtime config flags under Loki's names and sets the defaults.
func (c *RuntimeConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.File, "runtime-config.file", "", "YAML file of per-tenant limit overrides, {overrides: {tenant: {key: value}}}, reloaded without a restart. Empty: none.")
	fs.DurationVar(&c.Period, "runtime-config.reload-period", 10*time.Second, "How often the runtime config file is re-read.")
}

// runtimeFile is the runtime file's shape. Each tenant's node is decoded onto a copy of the
// defaults, so a tenant sets only the keys it changes.
type runtimeFile struct {
	Overrides map[string]yaml.Node `yaml:"overrides"`
}

// Overrides serves each tenant's limits: the defaults overlaid with the tenant's keys from the
// runtime file. It is safe for concurrent use; For is a lock-free map lookup.
type Overrides struct {
	defaults *Limits
	cfg      RuntimeConfig
	logger   *slog.Logger
	tenants  atomic.Pointer[map[string]*Limits]
	lastRaw  []byte // only touched by Reload, which Run serialises

	reloadOK prometheus.Gauge
}

// NewOverrides returns Overrides over defaults. When cfg.File is set the file is loaded now, and
// an invalid file is an error (later reloads that fail keep the last good values).
func NewOverrides(defaults Limits, cfg RuntimeConfig, logger *slog.Logger, reg prometheus.Registerer) (*Overrides, error) {
	if err := defaults.Validate(); err != nil {
		return nil, fmt.Errorf("validate default limits: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := &Overrides{
		defaults: &defaults,
		cfg:      cfg,
		logger:   logger.With("component", "overrides"),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "loki_runtime_config_last_reload_successful",
			Help: "Whether the last runtime config reload succeeded (1) or failed (0).",
		}),
	}
	empty := map[string]*Limits{}
	o.tenants.Store(&empty)
	if reg != nil {
		if err := reg.Register(o.reloadOK); err != nil {
			return nil, fmt.Errorf("register overrides metrics: %w", err)
		}
	}
	if cfg.File != "" {
		if err := o.Reload(); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// For returns tenant's limits. The result is shared: never modify it.
func (o *Overrides) For(tenant string) *Limits {
	if l, ok := (*o.tenants.Load())[tenant]; ok {
		return l
	}
	return o.defaults
}

// Defaults returns the limits of tenants without overrides. Never modify the result.
func (o *Overrides) Defaults() *Limits { return o.defaults }

// Reload re-reads the runtime file. On error the current values stay in force.
func (o *Overrides) Reload() error {
	err := o.reload()
	if err != nil {
		o.reloadOK.Set(0)
		return err
	}
	o.reloadOK.Set(1)
	return nil
}

func (o *Overrides) reload() error {
	raw, err := os.ReadFile(o.cfg.File)
	if err != nil {
		return fmt.Errorf("read runtime config: %w", err)
	}
	if o.lastRaw != nil && bytes.Equal(raw, o.lastRaw) {
		return nil
	}
	tenants, err := ParseOverrides(raw, *o.defaults)
	if err != nil {
		return fmt.Errorf("load runtime config %s: %w", o.cfg.File, err)
	}
	o.tenants.Store(&tenants)
	o.lastRaw = raw
	o.logger.Info("runtime config loaded", "file", o.cfg.File, "tenants", len(tenants))
	return nil
}

// ParseOverrides parses a runtime file into per-tenant limits built on defaults. Unknown keys
// are errors.
func ParseOverrides(raw []byte, defaults Limits) (map[string]*Limits, error) {
	var f runtimeFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse runtime config: %w", err)
	}
	out := make(map[string]*Limits, len(f.Overrides))
	for tenant, node := range f.Overrides {
		l := defaults
		// Re-encode the node so that it is decoded with KnownFields: node.Decode has no
		// strict mode.
		b, err := yaml.Marshal(&node)
		if err != nil {
			return nil, fmt.Errorf("tenant %q: %w", tenant, err)
		}
		d := yaml.NewDecoder(bytes.NewReader(b))
		d.KnownFields(true)
		if err := d.Decode(&l); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("tenant %q: %w", tenant, err)
		}
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("tenant %q: %w", tenant, err)
		}
		out[tenant] = &l
	}
	return out, nil
}

// Run reloads the runtime file every period until ctx is done. It returns nil at once when no
// file is configured.
func (o *Overrides) Run(ctx context.Context) error {
	if o.cfg.File == "" {
		return nil
	}
	period := o.cfg.Period
	if period <= 0 {
		period = 10 * time.Second
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := o.Reload(); err != nil {
				o.logger.Warn("reload runtime config", "err", err)
			}
		}
	}
}
