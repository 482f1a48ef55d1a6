package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/server"
	"github.com/skaldlogs/skald/pkg/validation"
)

// target is one runnable service: the targets it needs built first, and how to build it. A
// build may return an actor (something that runs until the process stops) or none.
type target struct {
	deps  []string
	build func(a *app) (*actor, error)
}

// targets maps a -target name to its dependencies and constructor. "all" is the embedded
// default: every service in one process. Names without an exported role (server, objstore,
// ...) are shared building blocks.
// targets is filled in init: its constructors refer back to it (build resolves dependencies).
var targets map[string]target

func init() {
	targets = map[string]target{
		"server":      {build: (*app).buildServer},
		"objstore":    {build: (*app).buildObjstore},
		"overrides":   {build: (*app).buildOverrides},
		"nats":        {build: (*app).buildNATS},
		"ring-member": {deps: []string{"server"}, build: (*app).buildRingMember},
		"ring-client": {deps: []string{"server"}, build: (*app).buildRingClient},
		"ingester":    {deps: []string{"server", "objstore", "overrides", "nats", "ring-member"}, build: (*app).buildIngester},
		"distributor": {deps: []string{"server", "overrides", "ring-client"}, build: (*app).buildDistributor},
		"querier":     {deps: []string{"server", "objstore", "overrides", "ring-client"}, build: (*app).buildQuerier},
		"ui":          {deps: []string{"server"}, build: (*app).buildUI},
		"all":         {deps: []string{"ingester", "distributor", "querier", "ui"}},
	}
}

// roles are the targets an operator names; the rest are internal.
var roles = []string{"all", "distributor", "ingester", "querier"}

func targetNames() []string { return append([]string(nil), roles...) }

// app holds what targets share while the process is built.
type app struct {
	cfg    *Config
	logger *slog.Logger
	reg    *prometheus.Registry
	srv    *server.Server
	pool   *connPool

	bucket      objstore.Bucket
	overrides   *validation.Overrides
	nats        *natsDeps
	member      *ring.Node
	memberAddr  string
	ringStarted chan struct{} // closed once the member has joined
	readRing    ring.ReadRing
	ingester    ingesterDeps

	actors []actor
	built  map[string]bool
}

func newApp(cfg *Config, logger *slog.Logger) (*app, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := &app{cfg: cfg, logger: logger, reg: reg, built: map[string]bool{}, pool: newConnPool(cfg.Server.GRPCMaxSendSize)}
	for _, name := range strings.Split(cfg.Target, ",") {
		if err := a.build(strings.TrimSpace(name)); err != nil {
			a.close()
			return nil, err
		}
	}
	a.srv.HTTP.Handle("GET /config", configHandler(cfg))
	return a, nil
}

// build constructs name after its dependencies, once.
func (a *app) build(name string) error {
	if a.built[name] {
		return nil
	}
	a.built[name] = true
	t, ok := targets[name]
	if !ok {
		return fmt.Errorf("BUG: unknown target %q", name)
	}
	for _, d := range t.deps {
		if err := a.build(d); err != nil {
			return err
		}
	}
	if t.build == nil {
		return nil
	}
	act, err := t.build(a)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	if act != nil {
		a.actors = append(a.actors, *act)
	}
	return nil
}

// close releases what a failed build left open.
func (a *app) close() {
	if a.nats != nil {
		a.nats.close()
	}
	if a.srv != nil {
		_ = a.srv.Shutdown()
	}
}

func (a *app) run(ctx context.Context) error {
	defer a.pool.close()
	return runActors(ctx, a.logger, a.actors)
}

func (a *app) component(name string) *slog.Logger { return a.logger.With("component", name) }

func (a *app) buildServer() (*actor, error) {
	srv, err := server.New(a.cfg.Server, a.component("server"), a.reg, ring.ServiceMethods()...)
	if err != nil {
		return nil, err
	}
	a.srv = srv
	return &actor{"server", srv.Run}, nil
}

func (a *app) buildObjstore() (*actor, error) {
	bkt, err := objstore.New(a.cfg.Storage, a.component("objstore"), a.reg)
	if err != nil {
		return nil, err
	}
	a.bucket = bkt
	return &actor{"objstore", func(ctx context.Context) error {
		<-ctx.Done()
		return bkt.Close()
	}}, nil
}

func (a *app) buildOverrides() (*actor, error) {
	o, err := validation.NewOverrides(a.cfg.Limits, a.cfg.RuntimeConfig, a.component("overrides"), a.reg)
	if err != nil {
		return nil, err
	}
	a.overrides = o
	return &actor{"overrides", o.Run}, nil
}

// advertisedGRPC is the gRPC address other processes reach this one at.
func (a *app) advertisedGRPC() string {
	host, port, _ := net.SplitHostPort(a.srv.GRPCAddr())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
