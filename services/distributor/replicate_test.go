package distributor

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

func failWith(err error) func(context.Context) error {
	return func(context.Context) error { return err }
}

// hang blocks until the send context ends, as a dead ingester does.
func hang(ctx context.Context) error {
	<-ctx.Done()
	return status.Error(codes.DeadlineExceeded, ctx.Err().Error())
}

func TestQuorum(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "connection refused")
	cases := []struct {
		name   string
		fails  []func(context.Context) error // per ingester; nil = healthy
		status int
		text   string
	}{
		{"all healthy", []func(context.Context) error{nil, nil, nil}, 204, ""},
		{"one down keeps quorum", []func(context.Context) error{failWith(unavailable), nil, nil}, 204, ""},
		{"one hung keeps quorum", []func(context.Context) error{hang, nil, nil}, 204, ""},
		{"two down lose quorum", []func(context.Context) error{failWith(unavailable), failWith(unavailable), nil}, 503, "push to ingesters failed: connection refused"},
		{"plain error is 500", []func(context.Context) error{failWith(errors.New("boom")), failWith(errors.New("boom")), nil}, 500, "push to ingesters failed: boom"},
		{"two hung time out", []func(context.Context) error{hang, hang, nil}, 503, "push to ingesters failed"},
		{"invalid argument is 400", []func(context.Context) error{
			failWith(status.Error(codes.InvalidArgument, "entry out of order")), failWith(status.Error(codes.InvalidArgument, "entry out of order")), nil}, 400, "entry out of order"},
		{"resource exhausted is 429", []func(context.Context) error{
			failWith(status.Error(codes.ResourceExhausted, "Per stream rate limit exceeded")), nil, failWith(status.Error(codes.ResourceExhausted, "Per stream rate limit exceeded"))}, 429, "Per stream rate limit exceeded"},
		{"5xx wins over 4xx", []func(context.Context) error{
			failWith(status.Error(codes.InvalidArgument, "bad")), failWith(unavailable), failWith(unavailable)}, 503, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A hung replica must not delay a push that has its quorum: with a 2 s remote
			// timeout, waiting for it would take 2 s.
			timeout := 2 * time.Second
			if c.name == "two hung time out" {
				timeout = 200 * time.Millisecond
			}
			h := newHarness(t, 3, 3, func(cfg *Config, _ *validation.Limits) { cfg.RemoteTimeout = timeout })
			for i, f := range c.fails {
				h.ingesters[i].fail = f
			}
			start := time.Now()
			code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x"), jsonStream(`{"a":"2"}`, "y")), "application/json", "t1")
			if code != c.status || !strings.Contains(body, c.text) {
				t.Fatalf("got %d %q, want %d %q", code, body, c.status, c.text)
			}
			if c.status == 204 && time.Since(start) > time.Second {
				t.Fatalf("a push with quorum waited %v for a hung replica", time.Since(start))
			}
		})
	}
}

func TestReplicationSpreadsStreams(t *testing.T) {
	h := newHarness(t, 5, 3, nil)
	var streams []string
	for i := 0; i < 50; i++ {
		streams = append(streams, jsonStream(`{"app":"a`+strings.Repeat("x", i)+`"}`, "line"))
	}
	if code, body := h.post(t, jsonPush(streams...), "application/json", "t1"); code != 204 {
		t.Fatalf("%d %s", code, body)
	}
	// The push returns at quorum; the last replicas may land a moment later.
	var total, used int
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
		total, used = 0, 0
		for _, f := range h.ingesters {
			n := len(f.lines())
			total += n
			if n > 0 {
				used++
			}
		}
		if total == 150 || time.Now().After(deadline) {
			break
		}
	}
	if total != 150 {
		t.Fatalf("%d copies stored, want 50 streams x RF 3", total)
	}
	if used < 4 {
		t.Fatalf("streams reached only %d of 5 ingesters", used)
	}
	// Each stream's copies sit on three distinct ingesters.
	for i := 0; i < 50; i++ {
		want := `{app="a` + strings.Repeat("x", i) + `", service_name="a` + strings.Repeat("x", i) + `"} line`
		n := 0
		for _, f := range h.ingesters {
			for _, l := range f.lines() {
				if l == want {
					n++
				}
			}
		}
		if n != 3 {
			t.Fatalf("stream %d stored %d times", i, n)
		}
	}
}

func TestSlowReplicaStillGetsItsCopy(t *testing.T) {
	h := newHarness(t, 3, 3, nil)
	release := make(chan struct{})
	var done atomic.Bool
	h.ingesters[2].fail = func(ctx context.Context) error {
		<-release
		done.Store(ctx.Err() == nil)
		return nil
	}
	if code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "t1"); code != 204 {
		t.Fatalf("%d %s", code, body)
	}
	close(release) // the client has its 204; the third replica must still be written
	deadline := time.Now().Add(2 * time.Second)
	for len(h.ingesters[2].lines()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if len(h.ingesters[2].lines()) != 1 || !done.Load() {
		t.Fatal("the slow replica's send was cancelled with the client request")
	}
}

func TestEmptyRing(t *testing.T) {
	h := newHarness(t, 0, 1, nil)
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "t1")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "empty ring") {
		t.Fatalf("%d %s", code, body)
	}
}

func TestClientFactoryError(t *testing.T) {
	h := newHarness(t, 1, 1, nil)
	h.d.deps.IngesterClient = func(string) (logproto.PusherClient, error) { return nil, errors.New("dial failed") }
	code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x")), "application/json", "t1")
	if code != 500 || !strings.Contains(body, "dial failed") {
		t.Fatalf("%d %s", code, body)
	}
}

func TestGRPCPush(t *testing.T) {
	h := newHarness(t, 1, 1, nil)
	req := func(labels string) *logproto.PushRequest {
		return &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: labels,
			Entries: []*logproto.EntryAdapter{{Timestamp: timestampOf(testNow), Line: "grpc"}}}}}
	}
	if _, err := h.d.Push(context.Background(), req(`{a="1"}`)); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no tenant: %v", err)
	}
	ctx := tenant.InjectContext(context.Background(), "t1")
	if _, err := h.d.Push(ctx, req(`{a="1"}`)); err != nil {
		t.Fatal(err)
	}
	if got := h.allLines(); len(got) != 1 || got[0] != `{a="1", service_name="unknown_service"} grpc` {
		t.Fatalf("%q", got)
	}
	_, err := h.d.Push(ctx, req(`{a=`))
	if s, _ := status.FromError(err); s.Code() != codes.InvalidArgument || !strings.Contains(s.Message(), "error parsing labels '{a='") {
		t.Fatalf("bad labels: %v", err)
	}
	h.ingesters[0].fail = failWith(status.Error(codes.Unavailable, "down"))
	if _, err := h.d.Push(ctx, req(`{a="1"}`)); status.Code(err) != codes.Unavailable {
		t.Fatalf("ingester down: %v", err)
	}
}

func TestClientCancel(t *testing.T) {
	h := newHarness(t, 1, 1, nil)
	h.ingesters[0].fail = hang
	ctx, cancel := context.WithCancel(tenant.InjectContext(context.Background(), "t1"))
	cancel()
	err := h.d.PushTenant(ctx, "t1", &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: `{a="1"}`,
		Entries: []*logproto.EntryAdapter{{Timestamp: timestampOf(testNow), Line: "x"}}}}})
	var pe *PushError
	if !errors.As(err, &pe) || pe.Status != 499 {
		t.Fatalf("%v", err)
	}
}

func TestTokenFor(t *testing.T) {
	// Must be the ring's hash of tenant+labels, so every component agrees on a stream's owner.
	for _, c := range [][2]string{{"t1", `{a="1"}`}, {"", ""}, {"tenant", `{app="api", env="prod"}`}} {
		if TokenFor(c[0], c[1]) != ringTokenFor(c[0]+c[1]) {
			t.Fatalf("TokenFor(%q, %q) differs from ring.TokenFor", c[0], c[1])
		}
	}
}
