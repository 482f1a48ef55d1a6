package ingester

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

type fixedLimits validation.Limits

func (f *fixedLimits) For(string) *validation.Limits { return (*validation.Limits)(f) }

func TestStreamAndRateLimits(t *testing.T) {
	cfg := testConfig()
	ing, err := New(cfg, Deps{}, nil, nil)
	if err == nil || ing != nil {
		t.Fatal("New without NATS and store succeeded")
	}
	s := natstest.RunServer(t)
	h := startDeps(t, Deps{NATS: natstest.Connect(t, s), Store: newMemStore(),
		Limits: &fixedLimits{MaxGlobalStreamsPerUser: 2, PerStreamRateLimit: 100, PerStreamRateLimitBurst: 150}}, cfg)
	for k := range 2 {
		if err := push(t, h.ing, "t", fmt.Sprintf(`{app="%d"}`, k), entry(1, "x")); err != nil {
			t.Fatal(err)
		}
	}
	// A third stream is over the limit (429); an existing one in the same push is stored.
	_, err = h.ing.Push(ctxFor("t"), &logproto.PushRequest{Streams: []*logproto.StreamAdapter{
		{Labels: `{app="2"}`, Entries: []*logproto.EntryAdapter{entry(1, "refused")}},
		{Labels: `{app="0"}`, Entries: []*logproto.EntryAdapter{entry(2, "kept")}},
	}})
	want := `maximum active stream limit exceeded when trying to create stream {app="2"}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: 't'`
	if status.Code(err) != codes.ResourceExhausted || status.Convert(err).Message() != want {
		t.Fatalf("stream limit: %v", err)
	}
	if got := queryLines(t, h.ing, "t", `{app=~".+"}`, 0, 10, 0, iter.Forward); len(got) != 3 {
		t.Fatalf("stored %q", got)
	}
	// Another tenant has its own count.
	if err := push(t, h.ing, "u", `{app="2"}`, entry(1, "x")); err != nil {
		t.Fatal(err)
	}
	// Per-stream rate: a burst of 150 bytes, then 100 bytes/s.
	err = push(t, h.ing, "u", `{app="2"}`, entry(2, strings.Repeat("y", 200)))
	if status.Code(err) != codes.ResourceExhausted || !strings.HasPrefix(status.Convert(err).Message(), "Per stream rate limit exceeded (limit: 100B/sec) while attempting to ingest for stream '{app=\"2\"}' totaling 200B") {
		t.Fatalf("per-stream rate: %v", err)
	}
}
