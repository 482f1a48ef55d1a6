package main

import (
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/skaldlogs/skald/pkg/inproc"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// connPool keeps one gRPC connection per ingester address. A connection to this process's own
// ingester is replaced by in-process clients that call the server implementation directly,
// so the one-process default skips serialisation but still goes through the gRPC interfaces.
type connPool struct {
	maxMsg int

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn

	localAddr    string
	localPusher  logproto.PusherServer
	localQuerier querierpb.QuerierServer
}

func newConnPool(maxMsg int) *connPool {
	return &connPool{maxMsg: maxMsg, conns: map[string]*grpc.ClientConn{}}
}

// setLocal routes calls for addr to the given in-process servers.
func (p *connPool) setLocal(addr string, pusher logproto.PusherServer, querier querierpb.QuerierServer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.localAddr, p.localPusher, p.localQuerier = addr, pusher, querier
}

func (p *connPool) conn(addr string) (*grpc.ClientConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[addr]; ok {
		return c, nil
	}
	c, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(p.maxMsg), grpc.MaxCallSendMsgSize(p.maxMsg)),
		grpc.WithChainUnaryInterceptor(tenant.UnaryClientInterceptor),
		grpc.WithChainStreamInterceptor(tenant.StreamClientInterceptor),
	)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	p.conns[addr] = c
	return c, nil
}

func (p *connPool) local(addr string) (logproto.PusherServer, querierpb.QuerierServer, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.localPusher, p.localQuerier, addr == p.localAddr && p.localPusher != nil
}

// pusher returns a Pusher client for an ingester address.
func (p *connPool) pusher(addr string) (logproto.PusherClient, error) {
	if srv, _, ok := p.local(addr); ok {
		return inproc.PusherClient(srv), nil
	}
	c, err := p.conn(addr)
	if err != nil {
		return nil, err
	}
	return logproto.NewPusherClient(c), nil
}

// querier returns a Querier client for an ingester address.
func (p *connPool) querier(addr string) (querierpb.QuerierClient, error) {
	if _, srv, ok := p.local(addr); ok {
		return inproc.QuerierClient(srv), nil
	}
	c, err := p.conn(addr)
	if err != nil {
		return nil, err
	}
	return querierpb.NewQuerierClient(c), nil
}

func (p *connPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = map[string]*grpc.ClientConn{}
}
