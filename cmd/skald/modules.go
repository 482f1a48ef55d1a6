package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/store"
	"github.com/skaldlogs/skald/pkg/wal"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
	"github.com/skaldlogs/skald/services/distributor"
	"github.com/skaldlogs/skald/services/ingester"
	"github.com/skaldlogs/skald/services/querier"
	"github.com/skaldlogs/skald/web"
)

// natsDeps is the WAL's NATS connection and, in the embedded default, its server.
type natsDeps struct {
	conn     *nats.Conn
	embedded *server.Server
}

func (n *natsDeps) close() {
	n.conn.Close()
	if n.embedded != nil {
		n.embedded.Shutdown()
		n.embedded.WaitForShutdown()
	}
}

func (a *app) buildNATS() (*actor, error) {
	d := &natsDeps{}
	if a.cfg.NATS.URL == "" {
		srv, err := wal.StartEmbedded(a.cfg.NATS.Embedded, a.component("nats"))
		if err != nil {
			return nil, err
		}
		nc, err := wal.ConnectInProcess(srv)
		if err != nil {
			srv.Shutdown()
			return nil, err
		}
		d.conn, d.embedded = nc, srv
	} else {
		nc, err := nats.Connect(a.cfg.NATS.URL, nats.Name("skald-"+a.cfg.Ingester.ID), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("connect to nats %s: %w", a.cfg.NATS.URL, err)
		}
		d.conn = nc
	}
	a.nats = d
	return &actor{"nats", func(ctx context.Context) error {
		<-ctx.Done()
		d.close()
		return nil
	}}, nil
}

// buildRingMember makes this process a member of the ring's Raft group (ingesters are).
func (a *app) buildRingMember() (*actor, error) {
	cfg := a.cfg.Ring
	if cfg.Addr == "" {
		cfg.Addr = a.advertisedGRPC()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	node, err := ring.NewNode(cfg, a.logger, a.reg)
	if err != nil {
		return nil, err
	}
	node.RegisterService(a.srv.GRPC)
	a.member, a.readRing, a.memberAddr = node, node, cfg.Addr
	a.ringStarted = make(chan struct{})
	a.srv.HTTP.Handle("/ring", ring.NewHTTPHandler(node, cfg.HeartbeatTimeout, a.logger))
	a.srv.AddReadyCheck(node.Ready)
	return &actor{"ring", func(ctx context.Context) error {
		if err := node.Start(ctx); err != nil {
			node.Close()
			return fmt.Errorf("join ring: %w", err)
		}
		close(a.ringStarted)
		<-ctx.Done()
		// The ingester has flushed by now (it stops before the ring): leave, then stop Raft.
		lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := node.Leave(lctx); err != nil {
			a.logger.Warn("leave ring", "err", err)
		}
		return node.Close()
	}}, nil
}

// buildRingClient gives distributors and queriers a view of the ring: the local member's when
// this process is an ingester too, otherwise a watcher of the members.
func (a *app) buildRingClient() (*actor, error) {
	if strings.Contains(","+a.cfg.Target+",", ",all,") || strings.Contains(","+a.cfg.Target+",", ",ingester,") {
		return nil, a.build("ring-member")
	}
	if len(a.cfg.RingWatch.Addrs) == 0 {
		return nil, errors.New("ring: -ring.watch.addrs must name ingester gRPC addresses")
	}
	w, err := ring.NewWatcher(a.cfg.RingWatch, a.logger, a.reg)
	if err != nil {
		return nil, err
	}
	a.readRing = w
	a.srv.AddReadyCheck(w.Ready)
	return &actor{"ring-watcher", w.Run}, nil
}

type ingesterDeps struct {
	ing *ingester.Ingester
}

func (a *app) buildIngester() (*actor, error) {
	w := store.NewWriter(a.bucket, a.cfg.StoreWriter, a.logger)
	opts := a.cfg.Chunk
	// Replicas cut a stream's chunks at other points, so the store merges overlapping chunks
	// and needs every entry's line hash to drop copies: with hashes stored (8 bytes an entry)
	// a count reads no lines. One copy per stream needs them only where chunks overlap.
	opts.LineHashes = opts.LineHashes || a.cfg.Ring.ReplicationFactor > 1
	ing, err := ingester.New(a.cfg.Ingester, ingester.Deps{NATS: a.nats.conn, Store: ingester.NewStoreAdapter(w, opts), Limits: a.overrides}, a.logger, a.reg)
	if err != nil {
		return nil, err
	}
	a.ingester.ing = ing
	a.pool.setLocal(a.memberAddr, ing, ing)
	if !strings.Contains(","+a.cfg.Target+",", ",distributor,") && !strings.Contains(","+a.cfg.Target+",", ",all,") {
		logproto.RegisterPusherServer(a.srv.GRPC, ing)
	}
	querierpb.RegisterQuerierServer(a.srv.GRPC, ing)
	a.srv.HTTP.Handle("POST /flush", ing.FlushHandler())
	a.srv.AddReadyCheck(ing.Ready)
	return &actor{"ingester", func(ctx context.Context) error {
		ictx, stop := context.WithCancel(context.WithoutCancel(ctx))
		defer stop()
		done := make(chan error, 1)
		go func() { done <- ing.Run(ictx) }()
		go a.activateWhenReady(ictx, ing)
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
		}
		// LEAVING first, so distributors stop sending here while the final flush runs.
		lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.member.SetState(lctx, ring.Leaving); err != nil {
			a.logger.Warn("set ring state", "state", "LEAVING", "err", err)
		}
		cancel()
		stop()
		return <-done
	}}, nil
}

// activateWhenReady moves this member to ACTIVE once it has joined the ring (Start returned;
// before that the local ring may still show a previous incarnation as ACTIVE) and the WAL is
// replayed.
func (a *app) activateWhenReady(ctx context.Context, ing *ingester.Ingester) {
	select {
	case <-ctx.Done():
		return
	case <-a.ringStarted:
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for attempts := 1; ; attempts++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if ing.Ready() != nil {
			continue // still replaying the WAL
		}
		err := a.member.SetState(ctx, ring.Active)
		if err == nil {
			return
		}
		if attempts%100 == 0 {
			a.logger.Warn("set ring state", "state", "ACTIVE", "attempts", attempts, "err", err)
		}
	}
}

func (a *app) buildDistributor() (*actor, error) {
	deps := distributor.Deps{Ring: a.readRing, IngesterClient: a.pool.pusher, Overrides: a.overrides}
	// Distributors announce themselves in the ring so that the global rate limit is divided
	// between the healthy ones.
	var announce *ring.DistributorLifecycler
	if dr, ok := a.readRing.(ring.DistributorRing); ok { // a Watcher, or the local Node
		cfg := a.cfg.DistributorRing
		if cfg.Addr == "" {
			cfg.Addr = a.advertisedGRPC()
		}
		l, err := ring.NewDistributorLifecycler(cfg, dr, a.logger, a.reg)
		if err != nil {
			return nil, err
		}
		announce, deps.HealthyDistributors = l, l.HealthyDistributors
	}
	d, err := distributor.New(a.cfg.Distributor, deps, a.logger, a.reg)
	if err != nil {
		return nil, err
	}
	push := d.PushHandler()
	a.srv.HTTP.Handle("POST /loki/api/v1/push", push)
	a.srv.HTTP.Handle("POST /api/prom/push", push)
	a.srv.HTTP.Handle("POST /otlp/v1/logs", d.OTLPHandler())
	logproto.RegisterPusherServer(a.srv.GRPC, d)
	return &actor{"distributor", func(ctx context.Context) error {
		if announce == nil {
			return d.Run(ctx)
		}
		actx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- announce.Run(actx) }() // leaves the ring when actx ends
		err := d.Run(actx)
		stop()
		<-done
		return err
	}}, nil
}

func (a *app) buildQuerier() (*actor, error) {
	reader, err := store.NewReader(a.bucket, a.cfg.StoreReader, a.logger)
	if err != nil {
		return nil, err
	}
	if err := reader.RegisterMetrics(a.reg); err != nil {
		return nil, err
	}
	q, err := querier.New(a.cfg.Querier, querier.Deps{
		Ring:           a.readRing,
		IngesterClient: a.pool.querier,
		Store:          reader,
		Limits:         querier.OverridesLimits(a.overrides),
		NewEngine: func(src logql.Querier, opts logql.EngineOpts) querier.Engine {
			return logql.NewEngine(opts, src, a.logger)
		},
	}, a.logger, a.reg)
	if err != nil {
		return nil, err
	}
	q.RegisterRoutes(a.srv.HTTP)
	return &actor{"querier", q.Run}, nil
}

func (a *app) buildUI() (*actor, error) {
	a.srv.HTTP.Handle("/ui/", http.StripPrefix("/ui", web.Handler()))
	a.srv.HTTP.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusFound))
	return nil, nil
}
