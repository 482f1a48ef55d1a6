// Command skald runs Skald: every target in one process by default (embedded NATS JetStream,
// one-node ring, filesystem object store under ./data, Loki's API on :3100), or one target per
// process in a cluster. It also carries the loggen and query tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"gopkg.in/yaml.v3"

	"github.com/skaldlogs/skald/pkg/buildinfo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "skald:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 {
		if sub, ok := subcommands[args[0]]; ok {
			return sub(ctx, args[1:])
		}
	}
	cfg, _, err := loadConfig(args)
	if err != nil {
		return err
	}
	switch {
	case cfg.PrintVersion:
		b := buildinfo.Get()
		fmt.Printf("skald, version %s (revision %s, %s)\n", b.Version, b.Revision, b.GoVersion)
		return nil
	case cfg.PrintConfig:
		out, err := yaml.Marshal(cfg)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	}
	logger := newLogger(cfg.Server.LogLevel)
	logger.Info("starting skald", "version", buildinfo.Version, "target", cfg.Target)
	setMemoryLimit(int64(cfg.MemoryLimit), logger)
	setGCPercent(cfg.GCPercent, logger)
	app, err := newApp(cfg, logger)
	if err != nil {
		return err
	}
	return app.run(ctx)
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
