package wal

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// Config configures one ingester's WAL.
type Config struct {
	// Stream is the JetStream stream shared by all ingesters' WALs.
	Stream string `yaml:"stream"`
	// SubjectPrefix is the first subject tokens; the stream holds SubjectPrefix + ".>".
	SubjectPrefix string `yaml:"subject_prefix"`
	// Replicas is the stream's replication factor: 1 on an embedded server, 3 on a cluster.
	Replicas int `yaml:"replicas"`
	// MaxBatchBytes bounds a group-commit batch (one JetStream message); it is also clamped to
	// the server's max payload.
	MaxBatchBytes int `yaml:"max_batch_bytes"`
	// MaxInflight is how many batches may await their acknowledgement at once. While they do,
	// new appends accumulate into the next batch.
	MaxInflight int `yaml:"max_inflight"`
	// RequestTimeout bounds each JetStream API call and each batch's acknowledgement.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// Compress s2-compresses each batch (when that makes it smaller). Replay reads compressed
	// and uncompressed batches alike, so this may change between restarts.
	Compress bool `yaml:"compress"`
}

// RegisterFlags registers the flags under prefix (e.g. "ingester.wal.") and sets defaults.
func (c *Config) RegisterFlags(prefix string, fs *flag.FlagSet) {
	fs.StringVar(&c.Stream, prefix+"stream", "SKALD_WAL", "JetStream stream holding the ingesters' WALs.")
	fs.StringVar(&c.SubjectPrefix, prefix+"subject-prefix", "skald.wal", "Subject prefix of the WAL stream; ingester <id> writes <prefix>.<id>.rec.")
	fs.IntVar(&c.Replicas, prefix+"replicas", 1, "Replicas of the WAL stream: 1 on the embedded server, 3 on a NATS cluster.")
	fs.IntVar(&c.MaxBatchBytes, prefix+"max-batch-bytes", 1<<20, "Largest group-commit batch in bytes (also clamped to the NATS max payload).")
	fs.IntVar(&c.MaxInflight, prefix+"max-inflight", 4, "Group-commit batches awaiting acknowledgement at once.")
	fs.DurationVar(&c.RequestTimeout, prefix+"request-timeout", 10*time.Second, "Timeout of each JetStream request and batch acknowledgement.")
	fs.BoolVar(&c.Compress, prefix+"compress", true, "s2-compress each group-commit batch: JetStream then copies, stores and replicates a fraction of the bytes. Replay reads both forms.")
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Stream == "" || strings.ContainsAny(c.Stream, ".*> \t") {
		return fmt.Errorf("invalid wal stream name %q", c.Stream)
	}
	if c.SubjectPrefix == "" || strings.ContainsAny(c.SubjectPrefix, "*> \t") {
		return fmt.Errorf("invalid wal subject prefix %q", c.SubjectPrefix)
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		return fmt.Errorf("wal replicas must be 1 to 5, got %d", c.Replicas)
	}
	if c.MaxBatchBytes < 1024 {
		return errors.New("wal max batch bytes must be at least 1024")
	}
	if c.MaxInflight < 1 {
		return errors.New("wal max inflight must be at least 1")
	}
	if c.RequestTimeout <= 0 {
		return errors.New("wal request timeout must be positive")
	}
	return nil
}

// DefaultConfig returns the defaults RegisterFlags sets.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags("", flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// validID reports whether id can be a subject token.
func validID(id string) bool {
	return id != "" && !strings.ContainsAny(id, ".*> \t\r\n")
}
