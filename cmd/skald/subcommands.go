package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/skaldlogs/skald/pkg/logcli"
	"github.com/skaldlogs/skald/pkg/loggen"
)

// subcommands are the tools carried by the binary.
var subcommands = map[string]func(ctx context.Context, args []string) error{
	"loggen": runLoggen,
	"query": func(ctx context.Context, args []string) error {
		return logcli.Run(ctx, args, os.Stdout, os.Stderr)
	},
}

// runLoggen generates flog-like logs and pushes them to a Loki-compatible URL.
func runLoggen(ctx context.Context, args []string) error {
	var cfg loggen.Config
	fs := flag.NewFlagSet("skald loggen", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: skald loggen [flags]\n\nGenerates flog-like JSON, logfmt and Apache lines over many streams and pushes them to a\nLoki-compatible push URL, bounded by -rate, -duration and -lines.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	res, err := loggen.Run(ctx, cfg)
	fmt.Println(res)
	if err != nil {
		return err
	}
	if res.LinesAcked == 0 {
		return fmt.Errorf("no line was acknowledged: %s", res.FirstError)
	}
	return nil
}
