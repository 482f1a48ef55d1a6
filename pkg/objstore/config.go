package objstore

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Backends New accepts.
const (
	BackendFilesystem = "filesystem"
	BackendS3         = "s3"
)

// Config selects and configures the object store every target shares.
type Config struct {
	// Backend is "filesystem" (the embedded default) or "s3" (any S3-compatible store).
	Backend    string           `yaml:"backend"`
	Filesystem FilesystemConfig `yaml:"filesystem"`
	S3         S3Config         `yaml:"s3"`
}

// FilesystemConfig configures the filesystem bucket.
type FilesystemConfig struct {
	// Directory holds the objects. The binary fills it from common.path_prefix when unset.
	Directory string `yaml:"directory"`
}

// RegisterFlags registers the flags of both backends and sets the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Backend, "objstore.backend", BackendFilesystem, "Object store: filesystem or s3.")
	fs.StringVar(&c.Filesystem.Directory, "objstore.filesystem.directory", "", "Directory of the filesystem object store; empty: <common.path-prefix>/objects.")
	c.S3.RegisterFlags(fs)
}

// Validate checks the selected backend's configuration.
func (c *Config) Validate() error {
	switch c.Backend {
	case BackendFilesystem:
		if c.Filesystem.Directory == "" {
			return errors.New("objstore.filesystem.directory is required for the filesystem backend")
		}
		return nil
	case BackendS3:
		return c.S3.Validate()
	}
	return fmt.Errorf("objstore.backend %q: want %s or %s", c.Backend, BackendFilesystem, BackendS3)
}

// New opens the configured bucket, instrumented with metrics registered with reg (nil: none)
// under bucket=<backend>.
func New(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (Bucket, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open object store: %w", err)
	}
	var (
		bkt Bucket
		err error
	)
	switch cfg.Backend {
	case BackendFilesystem:
		bkt, err = NewFilesystem(cfg.Filesystem.Directory)
	case BackendS3:
		bkt, err = NewS3(cfg.S3, logger)
	}
	if err != nil {
		return nil, err
	}
	return NewInstrumented(bkt, cfg.Backend, reg), nil
}
