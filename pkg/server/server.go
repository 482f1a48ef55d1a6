// Package server runs the HTTP and gRPC listeners that every Skald target shares: one HTTP mux
// (Loki's API, /metrics, /ready, /config, /debug/pprof) and one gRPC server with the tenant
// interceptors. Targets register their routes and services before Run.
package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skaldlogs/skald/pkg/tenant"
)

// Config is the `server` section, named as in Loki.
type Config struct {
	HTTPListenAddress string        `yaml:"http_listen_address"`
	HTTPListenPort    int           `yaml:"http_listen_port"`
	GRPCListenAddress string        `yaml:"grpc_listen_address"`
	GRPCListenPort    int           `yaml:"grpc_listen_port"`
	GRPCMaxRecvSize   int           `yaml:"grpc_server_max_recv_msg_size"`
	GRPCMaxSendSize   int           `yaml:"grpc_server_max_send_msg_size"`
	ShutdownTimeout   time.Duration `yaml:"graceful_shutdown_timeout"`
	HTTPReadTimeout   time.Duration `yaml:"http_server_read_timeout"`
	HTTPWriteTimeout  time.Duration `yaml:"http_server_write_timeout"`
	LogLevel          string        `yaml:"log_level"`
}

// RegisterFlags registers the section's flags and sets its defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPListenAddress, "server.http-listen-address", "", "HTTP listen address; empty means all interfaces.")
	fs.IntVar(&c.HTTPListenPort, "server.http-listen-port", 3100, "HTTP listen port (Loki API, UI, metrics); 0 picks a free port.")
	fs.StringVar(&c.GRPCListenAddress, "server.grpc-listen-address", "", "gRPC listen address; empty means all interfaces.")
	fs.IntVar(&c.GRPCListenPort, "server.grpc-listen-port", 9095, "gRPC listen port; 0 picks a free port.")
	fs.IntVar(&c.GRPCMaxRecvSize, "server.grpc-max-recv-msg-size-bytes", 100<<20, "Largest gRPC message received, in bytes.")
	fs.IntVar(&c.GRPCMaxSendSize, "server.grpc-max-send-msg-size-bytes", 100<<20, "Largest gRPC message sent, in bytes.")
	fs.DurationVar(&c.ShutdownTimeout, "server.graceful-shutdown-timeout", 30*time.Second, "How long in-flight requests may finish on shutdown.")
	fs.DurationVar(&c.HTTPReadTimeout, "server.http-read-timeout", 30*time.Second, "HTTP request read timeout; 0 means none.")
	fs.DurationVar(&c.HTTPWriteTimeout, "server.http-write-timeout", 5*time.Minute, "HTTP response write timeout; 0 means none.")
	fs.StringVar(&c.LogLevel, "log.level", "info", "Log level: debug, info, warn or error.")
}

// Validate checks the section.
func (c *Config) Validate() error {
	if c.HTTPListenPort < 0 || c.HTTPListenPort > 65535 || c.GRPCListenPort < 0 || c.GRPCListenPort > 65535 {
		return errors.New("server: listen ports must be within 0-65535")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("server: unknown log level %q", c.LogLevel)
	}
	return nil
}

// Server owns the listeners. Register routes on HTTP and services on GRPC, then call Run.
type Server struct {
	cfg    Config
	logger *slog.Logger

	HTTP *http.ServeMux
	GRPC *grpc.Server

	httpLis, grpcLis net.Listener
	httpSrv          *http.Server

	mu     sync.Mutex
	checks []ReadyCheck
}

// ReadyCheck returns nil when its component is ready to serve.
type ReadyCheck func() error

// New opens the listeners (so the bound ports are known before Run) and builds the servers.
// Methods named in tenantExempt skip the gRPC tenant check (e.g. ring membership RPCs).
func New(cfg Config, logger *slog.Logger, reg *prometheus.Registry, tenantExempt ...string) (*Server, error) {
	httpLis, err := net.Listen("tcp", net.JoinHostPort(cfg.HTTPListenAddress, strconv.Itoa(cfg.HTTPListenPort)))
	if err != nil {
		return nil, fmt.Errorf("listen http: %w", err)
	}
	grpcLis, err := net.Listen("tcp", net.JoinHostPort(cfg.GRPCListenAddress, strconv.Itoa(cfg.GRPCListenPort)))
	if err != nil {
		httpLis.Close()
		return nil, fmt.Errorf("listen grpc: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, HTTP: http.NewServeMux(), httpLis: httpLis, grpcLis: grpcLis}
	s.GRPC = grpc.NewServer(
		grpc.MaxRecvMsgSize(cfg.GRPCMaxRecvSize),
		grpc.MaxSendMsgSize(cfg.GRPCMaxSendSize),
		grpc.ChainUnaryInterceptor(tenant.UnaryServerInterceptor(tenantExempt...)),
		grpc.ChainStreamInterceptor(tenant.StreamServerInterceptor(tenantExempt...)),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	s.HTTP.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	s.HTTP.HandleFunc("GET /ready", s.serveReady)
	s.HTTP.HandleFunc("/debug/pprof/", pprof.Index)
	s.HTTP.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	s.HTTP.HandleFunc("/debug/pprof/profile", pprof.Profile)
	s.HTTP.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	s.HTTP.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s.httpSrv = &http.Server{
		Handler:           s.HTTP,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
	}
	return s, nil
}

// HTTPAddr and GRPCAddr are the bound listen addresses.
func (s *Server) HTTPAddr() string { return s.httpLis.Addr().String() }
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// AddReadyCheck adds a condition for /ready.
func (s *Server) AddReadyCheck(c ReadyCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, c)
}

// Ready returns the first failing readiness check, or nil.
func (s *Server) Ready() error {
	s.mu.Lock()
	checks := append([]ReadyCheck(nil), s.checks...)
	s.mu.Unlock()
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Ready(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "Not ready: %v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Run serves until ctx is cancelled, then drains in-flight requests within the shutdown timeout.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.GRPC.Serve(s.grpcLis) }()
	go func() {
		if err := s.httpSrv.Serve(s.httpLis); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			return
		}
		errc <- nil
	}()
	s.logger.Info("server listening", "http", s.HTTPAddr(), "grpc", s.GRPCAddr())
	select {
	case err := <-errc:
		s.GRPC.Stop()
		s.httpSrv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return s.Shutdown()
}

// Shutdown stops accepting requests and waits for in-flight ones.
func (s *Server) Shutdown() error {
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	done := make(chan struct{})
	go func() { s.GRPC.GracefulStop(); close(done) }()
	err := s.httpSrv.Shutdown(sctx)
	select {
	case <-done:
	case <-sctx.Done():
		s.GRPC.Stop()
	}
	return err
}
