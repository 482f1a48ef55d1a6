package ingester

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/skaldlogs/skald/pkg/wal"
)

// Config configures an ingester. Names follow Loki's ingester section where they mean the same.
type Config struct {
	// ID names this ingester; its WAL subject is derived from it, so a replacement that must
	// replay this ingester's WAL uses the same ID.
	ID string `yaml:"id"`
	// ChunkTargetSize is the uncompressed bytes (lines plus structured metadata) at which a
	// stream's head is cut into a chunk. Heads are the ingester's raw, uncompressed memory
	// (cut chunks are kept encoded), so this bounds it at about streams x this; 2 MiB
	// compresses to a few hundred KiB, below Loki's 1.5MB compressed target.
	ChunkTargetSize int `yaml:"chunk_target_size"`
	// HeadBlockSize is the raw line bytes of a stream's head kept uncompressed: older entries
	// are s2-compressed in blocks of this size until the chunk is cut and encoded (0: keep the
	// whole head raw: ~3x the head memory; compressing costs ~10-15% of ingest CPU in profiles).
	HeadBlockSize int `yaml:"head_block_size"`
	// MaxChunkAge is the longest time span of data a chunk may hold before it is cut and
	// flushed; half of it is the out-of-order window, as in Loki.
	MaxChunkAge time.Duration `yaml:"max_chunk_age"`
	// ChunkIdlePeriod flushes a stream's head after this long without a push.
	ChunkIdlePeriod time.Duration `yaml:"chunk_idle_period"`
	// FlushCheckPeriod is how often the flush loop looks for chunks to flush.
	FlushCheckPeriod time.Duration `yaml:"flush_check_period"`
	// FlushPendingBytes is the encoded bytes of cut chunks waiting for the flush at which the
	// flush runs at once instead of at the next FlushCheckPeriod tick (0: wait for the tick).
	// Under heavy ingest chunks are cut faster than a tick: this bounds the memory they hold.
	FlushPendingBytes int `yaml:"flush_pending_bytes"`
	// EncodeBacklogBytes bounds the raw bytes of cut chunks waiting for the background encoder:
	// beyond it pushes wait, a second at most (0: no bound). Chunks waiting are compressed with a cheap codec
	// only, and streams of similar rates are cut together, so without a bound a burst of cuts
	// or an encoder slower than the pushes holds memory for all of them.
	EncodeBacklogBytes int `yaml:"encode_backlog_bytes"`
	// ChunkRetainPeriod keeps flushed chunks queryable in memory, until queriers see them in the
	// store.
	ChunkRetainPeriod time.Duration `yaml:"chunk_retain_period"`
	// FlushOpTimeout bounds one flush of a tenant's chunks.
	FlushOpTimeout time.Duration `yaml:"flush_op_timeout"`
	// WAL configures the JetStream write-ahead log.
	WAL wal.Config `yaml:"wal"`
}

// RegisterFlags registers the ingester flags and sets the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ID, "ingester.id", "ingester-1", "ID of this ingester; names its WAL subject, so a replacement replaying this WAL must reuse it.")
	fs.IntVar(&c.ChunkTargetSize, "ingester.chunk-target-size", 2<<20, "Uncompressed bytes (lines + structured metadata) at which a stream's head is cut into a chunk.")
	fs.IntVar(&c.HeadBlockSize, "ingester.head-block-size", defaultHeadBlockSize, "Raw line bytes of a stream's head kept uncompressed; older entries are compressed in blocks of this size (0: keep the head raw).")
	fs.DurationVar(&c.MaxChunkAge, "ingester.max-chunk-age", 2*time.Hour, "Maximum time span of a chunk; half of it is the out-of-order window.")
	fs.DurationVar(&c.ChunkIdlePeriod, "ingester.chunk-idle-period", 30*time.Minute, "Flush a stream's head after this long without a push.")
	fs.DurationVar(&c.FlushCheckPeriod, "ingester.flush-check-period", 30*time.Second, "How often to look for chunks to flush.")
	fs.IntVar(&c.FlushPendingBytes, "ingester.flush-pending-bytes", 16<<20, "Encoded bytes of cut chunks awaiting the flush at which the flush runs at once instead of at the next flush check (0: wait for the check).")
	fs.IntVar(&c.EncodeBacklogBytes, "ingester.encode-backlog-bytes", 64<<20, "Raw bytes of cut chunks waiting to be encoded beyond which pushes wait for the encoder, a second at most (0: no bound).")
	fs.DurationVar(&c.ChunkRetainPeriod, "ingester.chunk-retain-period", 0, "Keep flushed chunks queryable in memory this long after they are in the store (0, as in Loki: drop at once; queries then read them from the store).")
	fs.DurationVar(&c.FlushOpTimeout, "ingester.flush-op-timeout", 10*time.Minute, "Timeout of one flush of a tenant's chunks.")
	c.WAL.RegisterFlags("ingester.wal.", fs)
}

// DefaultConfig returns the defaults RegisterFlags sets.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// OutOfOrderWindow is how far behind a stream's newest entry an entry may be: max_chunk_age/2.
func (c *Config) OutOfOrderWindow() time.Duration { return c.MaxChunkAge / 2 }

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.ID == "" {
		return errors.New("ingester id must be set")
	}
	if c.ChunkTargetSize <= 0 {
		return errors.New("ingester chunk target size must be positive")
	}
	if c.HeadBlockSize < 0 || c.FlushPendingBytes < 0 || c.EncodeBacklogBytes < 0 {
		return errors.New("ingester head block size, flush pending bytes and encode backlog bytes must not be negative")
	}
	if c.MaxChunkAge <= 0 || c.ChunkIdlePeriod <= 0 || c.FlushCheckPeriod <= 0 || c.FlushOpTimeout <= 0 {
		return errors.New("ingester max chunk age, chunk idle period, flush check period and flush op timeout must be positive")
	}
	if c.ChunkRetainPeriod < 0 {
		return errors.New("ingester chunk retain period must not be negative")
	}
	if err := c.WAL.Validate(); err != nil {
		return fmt.Errorf("ingester wal: %w", err)
	}
	return nil
}
