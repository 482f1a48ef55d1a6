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

// TestOwnEntriesSharesMetadata: entries repeating a recent entry's metadata share one owned
// copy; every entry still reads its own set, and nothing aliases the request.
func TestOwnEntriesSharesMetadata(t *testing.T) {
	buf := make([]byte, 0, 256)
	s := aliased(buf, "detected_level", "info", "error", "trace_id", "abc")
	info := labels.Labels{{Name: s[0], Value: s[1]}}
	errs := labels.Labels{{Name: s[0], Value: s[2]}}
	both := labels.Labels{{Name: s[0], Value: s[1]}, {Name: s[3], Value: s[4]}}
	sets := []labels.Labels{info, errs, info, both, nil, errs, info, both}
	for k := range 20 { // more distinct sets than recentSets remembers
		sets = append(sets, labels.Labels{{Name: "n", Value: string(rune('a' + k))}})
	}
	sets = append(sets, info)
	es := make([]iter.Entry, len(sets))
	want := make([]labels.Labels, len(sets))
	for k, sm := range sets {
		es[k] = iter.Entry{Timestamp: int64(k), Line: "l", StructuredMetadata: sm}
		for _, l := range sm {
			want[k] = append(want[k], labels.Label{Name: string([]byte(l.Name)), Value: string([]byte(l.Value))})
		}
	}
	ownEntries(es)
	for k := range buf[:cap(buf)] {
		buf[:cap(buf)][k] = '#'
	}
	for k := range es {
		if !labels.Equal(es[k].StructuredMetadata, want[k]) {
			t.Fatalf("entry %d metadata %v, want %v", k, es[k].StructuredMetadata, want[k])
		}
	}
	if &es[2].StructuredMetadata[0] != &es[0].StructuredMetadata[0] || &es[7].StructuredMetadata[0] != &es[3].StructuredMetadata[0] {
		t.Error("repeated metadata sets not shared")
	}
	if &es[1].StructuredMetadata[0] == &es[0].StructuredMetadata[0] {
		t.Error("different sets shared")
	}
}

func TestMetadataSets(t *testing.T) {
	var m metadataSets
	pairs := func(kv ...string) []*logproto.LabelPairAdapter {
		var out []*logproto.LabelPairAdapter
		for k := 0; k < len(kv); k += 2 {
			out = append(out, &logproto.LabelPairAdapter{Name: kv[k], Value: kv[k+1]})
		}
		return out
	}
	if m.convert(nil) != nil {
		t.Fatal("no metadata converted to labels")
	}
	info := m.convert(pairs("detected_level", "info"))
	warn := m.convert(pairs("detected_level", "warn"))
	if again := m.convert(pairs("detected_level", "info")); &again[0] != &info[0] {
		t.Error("a recent set converted anew")
	}
	if !labels.Equal(warn, labels.Labels{{Name: "detected_level", Value: "warn"}}) || &warn[0] == &info[0] {
		t.Errorf("warn converted to %v", warn)
	}
	two := m.convert(pairs("detected_level", "info", "trace_id", "x"))
	if !labels.Equal(two, labels.Labels{{Name: "detected_level", Value: "info"}, {Name: "trace_id", Value: "x"}}) {
		t.Errorf("two pairs converted to %v", two)
	}
	for k := range 10 { // push info out of the recent sets
		m.convert(pairs("n", string(rune('a'+k))))
	}
	if again := m.convert(pairs("detected_level", "info")); &again[0] == &info[0] || !labels.Equal(again, info) {
		t.Errorf("after eviction: %v (shared %v)", again, &again[0] == &info[0])
	}
}
