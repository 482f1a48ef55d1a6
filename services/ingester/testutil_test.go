package ingester

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// memStore is a ChunkStore in memory that can be made to fail. Like pkg/store, it addresses
// chunks by content: writing an identical chunk again replaces it.
type memStore struct {
	mu     sync.Mutex
	chunks map[string][]FlushChunk
	keys   map[string]bool
	fail   bool
	writes int
}

func newMemStore() *memStore {
	return &memStore{chunks: map[string][]FlushChunk{}, keys: map[string]bool{}}
}

func (m *memStore) WriteChunks(_ context.Context, tenant string, cs []FlushChunk) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("store down")
	}
	for _, c := range cs {
		h := xxhash.New()
		for _, e := range c.Entries {
			fmt.Fprintf(h, "%d\x00%s\x00", e.Timestamp, e.Line)
		}
		key := fmt.Sprintf("%s/%s/%d-%d-%x", tenant, c.Labels, c.MinT, c.MaxT, h.Sum64())
		m.writes++
		if m.keys[key] {
			continue
		}
		m.keys[key] = true
		c.Entries = append([]iter.Entry(nil), c.Entries...)
		m.chunks[tenant] = append(m.chunks[tenant], c)
	}
	return nil
}

func (m *memStore) setFail(f bool) {
	m.mu.Lock()
	m.fail = f
	m.mu.Unlock()
}

// lines returns "labels|line" of every stored entry of tenant, sorted.
func (m *memStore) lines(tenant string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, c := range m.chunks[tenant] {
		for _, e := range c.Entries {
			out = append(out, c.Labels.String()+"|"+e.Line)
		}
	}
	sort.Strings(out)
	return out
}

type harness struct {
	nc     *nats.Conn
	ing    *Ingester
	cancel context.CancelFunc
	done   chan error
}

func testConfig() Config {
	c := DefaultConfig()
	c.FlushCheckPeriod = time.Hour // tests flush explicitly
	c.WAL.RequestTimeout = 5 * time.Second
	return c
}

// start runs an ingester on s and store and waits until it is ready.
func start(t testing.TB, s *server.Server, store ChunkStore, cfg Config) *harness {
	t.Helper()
	return startOn(t, natstest.Connect(t, s), store, cfg)
}

// startOn runs an ingester whose WAL uses nc and waits until it is ready.
func startOn(t testing.TB, nc *nats.Conn, store ChunkStore, cfg Config) *harness {
	t.Helper()
	return startDeps(t, Deps{NATS: nc, Store: store}, cfg)
}

// startDeps runs an ingester with deps and waits until it is ready.
func startDeps(t testing.TB, deps Deps, cfg Config) *harness {
	t.Helper()
	nc := deps.NATS
	ing, err := New(cfg, deps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{nc: nc, ing: ing, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- ing.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for ing.Ready() != nil {
		select {
		case err := <-h.done:
			t.Fatalf("ingester stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("ingester not ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Cleanup(func() { h.stop() })
	return h
}

func (h *harness) stop() error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	h.cancel = nil
	return <-h.done
}

func ctxFor(tenantID string) context.Context {
	return tenant.InjectContext(context.Background(), tenantID)
}

func entry(ts int64, line string) *logproto.EntryAdapter {
	return &logproto.EntryAdapter{Timestamp: timestamppb.New(time.Unix(0, ts)), Line: line}
}

func push(t testing.TB, ing *Ingester, tenantID, lbls string, es ...*logproto.EntryAdapter) error {
	t.Helper()
	_, err := ing.Push(ctxFor(tenantID), &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: lbls, Entries: es}}})
	return err
}

// queryLines runs a log query over the ingester's memory and returns "labels|line" in order.
func queryLines(t testing.TB, ing *Ingester, tenantID, q string, from, through int64, limit uint32, dir iter.Direction) []string {
	t.Helper()
	sel, err := syntax.ParseLogSelector(q, true)
	if err != nil {
		t.Fatal(err)
	}
	it, err := ing.SelectLogs(ctxFor(tenantID), logql.SelectLogParams{Selector: sel, Start: from, End: through, Limit: limit, Direction: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out []string
	for it.Next() {
		out = append(out, fmt.Sprintf("%s|%s", it.Labels(), it.At().Line))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
