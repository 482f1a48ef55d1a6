package main

import (
	"context"
	"log/slog"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/skaldlogs/skald/pkg/server"
)

// target is one runnable service: the targets it needs started first, and how to build it.
type target struct {
	deps  []string
	build func(a *app) (actor, error)
}

// targets maps a -target name to its dependencies and constructor. "all" is the embedded
// default: every service in one process.
var targets = map[string]target{
	"server": {build: func(a *app) (actor, error) { return actor{"server", a.srv.Run}, nil }},
	"all":    {deps: []string{"server"}},
}

func targetNames() []string {
	var out []string
	for n := range targets {
		if n != "server" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// app holds what targets share while the process is built.
type app struct {
	cfg    *Config
	logger *slog.Logger
	reg    *prometheus.Registry
	srv    *server.Server

	actors []actor
	built  map[string]bool
}

func newApp(cfg *Config, logger *slog.Logger) (*app, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := server.New(cfg.Server, logger.With("component", "server"), reg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, logger: logger, reg: reg, srv: srv, built: map[string]bool{}}
	srv.HTTP.Handle("GET /config", configHandler(cfg))
	for _, name := range strings.Split(cfg.Target, ",") {
		if err := a.build(strings.TrimSpace(name)); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// build constructs name after its dependencies, once.
func (a *app) build(name string) error {
	if a.built[name] {
		return nil
	}
	a.built[name] = true
	t := targets[name]
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
		return err
	}
	a.actors = append(a.actors, act)
	return nil
}

func (a *app) run(ctx context.Context) error {
	return runActors(ctx, a.logger, a.actors)
}
