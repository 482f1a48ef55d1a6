package ingester

import (
	"math"
	"testing"
	"unsafe"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/wal/natstest"
	"github.com/skaldlogs/skald/proto/logproto"
)

// aliased returns strings pointing into one buffer, as the push decoders hand them out.
func aliased(buf []byte, parts ...string) []string {
	buf = buf[:0]
	for _, p := range parts {
		buf = append(buf, p...)
	}
	out := make([]string, len(parts))
	off := 0
	for k, p := range parts {
		if len(p) > 0 {
			out[k] = unsafe.String(&buf[off], len(p))
		}
		off += len(p)
	}
	return out
}

func TestOwnEntries(t *testing.T) {
	buf := make([]byte, 0, 64)
	s := aliased(buf, "line one", "k", "v", "", "line three")
	es := []iter.Entry{
		{Timestamp: 1, Line: s[0], StructuredMetadata: labels.Labels{{Name: s[1], Value: s[2]}}},
		{Timestamp: 2, Line: s[3]},
		{Timestamp: 3, Line: s[4], Parsed: labels.Labels{{Name: "p", Value: "q"}}},
	}
	ownEntries(es)
	for k := range buf[:cap(buf)] {
		buf[:cap(buf)][k] = '#'
	}
	want := []iter.Entry{
		{Timestamp: 1, Line: "line one", StructuredMetadata: labels.Labels{{Name: "k", Value: "v"}}},
		{Timestamp: 2, Line: ""},
		{Timestamp: 3, Line: "line three"},
	}
	for k := range want {
		if !sameEntry(&es[k], &want[k]) || es[k].Parsed != nil {
			t.Errorf("entry %d = %+v, want %+v", k, es[k], want[k])
		}
	}
	// Appending metadata to one entry must not overwrite the next one's pairs.
	if c := cap(es[0].StructuredMetadata); c != 1 {
		t.Errorf("metadata capacity %d, want 1", c)
	}
}

// TestPushDoesNotAliasRequest: after Push returns, the stored lines and metadata no longer
// point into the request's bytes, so the request body can be freed (and reused by a pool).
func TestPushDoesNotAliasRequest(t *testing.T) {
	h := start(t, natstest.RunServer(t), newMemStore(), testConfig())
	buf := make([]byte, 0, 256)
	s := aliased(buf, "first line", "second line", "trace", "abc123")
	req := &logproto.PushRequest{Streams: []*logproto.StreamAdapter{{Labels: `{app="a"}`, Entries: []*logproto.EntryAdapter{
		entry(1, s[0]),
		{Timestamp: entry(2, "").Timestamp, Line: s[1], StructuredMetadata: []*logproto.LabelPairAdapter{{Name: s[2], Value: s[3]}}},
	}}}}
	if _, err := h.ing.Push(ctxFor("t"), req); err != nil {
		t.Fatal(err)
	}
	full := buf[:cap(buf)]
	for k := range full {
		full[k] = 'X'
	}
	got := queryLines(t, h.ing, "t", `{app="a"}`, 0, math.MaxInt64, 100, iter.Forward)
	want := []string{`{app="a"}|first line`, `{app="a", trace="abc123"}|second line`}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("lines after the request buffer was overwritten: %q, want %q", got, want)
	}
	st := h.ing.tenant("t", false).lookup(`{app="a"}`)
	st.mu.RLock()
	defer st.mu.RUnlock()
	if len(st.head) != 2 {
		t.Fatalf("head has %d entries, want 2", len(st.head))
	}
	if sm := st.head[1].StructuredMetadata; len(sm) != 1 || sm[0].Name != "trace" || sm[0].Value != "abc123" {
		t.Errorf("structured metadata after the request buffer was overwritten: %v", sm)
	}
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
