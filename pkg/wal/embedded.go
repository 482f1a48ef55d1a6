package wal

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedConfig configures the NATS JetStream server embedded in a one-process Skald.
type EmbeddedConfig struct {
	// DataDir is the Skald data directory; JetStream stores its files under DataDir/nats.
	DataDir string `yaml:"data_dir"`
	// ListenAddress (host:port) opens a client listener for external tools; empty means no
	// listener at all: Skald itself connects in-process.
	ListenAddress string `yaml:"listen_address"`
	// ServerName names the server in logs and JetStream placement.
	ServerName string `yaml:"server_name"`
	// MaxPayload is the largest message the server accepts, in bytes; it bounds a WAL batch.
	MaxPayload int `yaml:"max_payload"`
	// SyncAlways makes JetStream fsync every stored message before acknowledging it. Without
	// it an acknowledged record survives a process crash (it is in the OS page cache) but not
	// a power loss until the next periodic sync. Group commit keeps the cost per batch.
	SyncAlways bool `yaml:"sync_always"`
	// ReadyTimeout bounds how long StartEmbedded waits for the server.
	ReadyTimeout time.Duration `yaml:"ready_timeout"`
	// ClusterName, ClusterListenAddress (host:port) and Routes (nats://host:port of every
	// member, this one included) join the server to a JetStream cluster, so the WAL stream can
	// be R3. Empty ClusterListenAddress: a standalone server.
	ClusterName          string   `yaml:"cluster_name"`
	ClusterListenAddress string   `yaml:"cluster_listen_address"`
	Routes               []string `yaml:"routes"`
}

// RegisterFlags registers the embedded server's flags with their defaults.
func (c *EmbeddedConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "nats.data-dir", "data", "Directory under which the embedded NATS server keeps JetStream files (in <dir>/nats).")
	fs.StringVar(&c.ListenAddress, "nats.listen-address", "", "host:port for the embedded NATS client listener; empty: in-process connections only.")
	fs.StringVar(&c.ServerName, "nats.server-name", "skald", "Name of the embedded NATS server.")
	fs.IntVar(&c.MaxPayload, "nats.max-payload", 8<<20, "Largest NATS message in bytes; bounds a WAL batch.")
	fs.BoolVar(&c.SyncAlways, "nats.sync-always", true, "Fsync every JetStream message (one per group-commit batch) before acknowledging it, so an acknowledged push survives a power loss; false trusts the OS page cache (survives a process kill only).")
	fs.DurationVar(&c.ReadyTimeout, "nats.ready-timeout", 10*time.Second, "How long to wait for the embedded NATS server to start.")
}

// Validate checks the configuration.
func (c *EmbeddedConfig) Validate() error {
	if c.DataDir == "" {
		return errors.New("nats data dir must be set")
	}
	if c.MaxPayload < 0 {
		return errors.New("nats max payload must not be negative")
	}
	if c.ListenAddress != "" {
		if _, _, err := net.SplitHostPort(c.ListenAddress); err != nil {
			return fmt.Errorf("parse nats listen address: %w", err)
		}
	}
	if c.ClusterListenAddress != "" {
		if _, _, err := net.SplitHostPort(c.ClusterListenAddress); err != nil {
			return fmt.Errorf("parse nats cluster listen address: %w", err)
		}
		if c.ClusterName == "" || c.ServerName == "" {
			return errors.New("a clustered nats server needs a cluster name and a unique server name")
		}
	}
	return nil
}

// StartEmbedded starts a JetStream-enabled NATS server storing under cfg.DataDir/nats and waits
// until it accepts connections. The caller owns the server: Shutdown then WaitForShutdown.
func StartEmbedded(cfg EmbeddedConfig, logger *slog.Logger) (*server.Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName: cfg.ServerName,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "nats"),
		SyncAlways: cfg.SyncAlways,
		NoSigs:     true,
		NoLog:      logger == nil,
	}
	if cfg.MaxPayload > 0 {
		opts.MaxPayload = int32(min(cfg.MaxPayload, 64<<20))
		// The server refuses a max payload above its max pending buffer.
		opts.MaxPending = max(int64(opts.MaxPayload)*4, 64<<20)
	}
	if cfg.ListenAddress == "" {
		opts.DontListen = true
	} else {
		host, port, err := splitHostPort(cfg.ListenAddress)
		if err != nil {
			return nil, fmt.Errorf("parse nats listen address: %w", err)
		}
		opts.Host, opts.Port = host, port
	}
	if cfg.ClusterListenAddress != "" {
		host, port, err := splitHostPort(cfg.ClusterListenAddress)
		if err != nil {
			return nil, fmt.Errorf("parse nats cluster listen address: %w", err)
		}
		opts.Cluster = server.ClusterOpts{Name: cfg.ClusterName, Host: host, Port: port}
		opts.Routes = server.RoutesFromStr(strings.Join(cfg.Routes, ","))
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("create nats server: %w", err)
	}
	if logger != nil {
		s.SetLogger(natsLogger{logger.With("component", "nats")}, false, false)
	}
	go s.Start()
	timeout := cfg.ReadyTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if !s.ReadyForConnections(timeout) {
		s.Shutdown()
		return nil, fmt.Errorf("start nats server: not ready after %s", timeout)
	}
	return s, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", 0, err
	}
	return host, p, nil
}

// ConnectInProcess opens a client connection to s without any network listener.
func ConnectInProcess(s *server.Server, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.InProcessServer(s), nats.Name("skald"), nats.MaxReconnects(-1)}, opts...)
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to embedded nats: %w", err)
	}
	return nc, nil
}
