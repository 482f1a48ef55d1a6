package main

import "context"

// subcommands are the tools carried by the binary.
var subcommands = map[string]func(ctx context.Context, args []string) error{}
