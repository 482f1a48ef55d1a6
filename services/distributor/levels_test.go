package distributor

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

func TestLevelFromLine(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		if got := levelFromLine(line, testLevelFields); got != want {
			t.Fatalf("levelFromLine(%q) = %q, want %q", line, got, want)
		}
	}
	f(`{"level":"info","msg":"x"}`, "info")
	f(`{"msg":"an error happened","level" : "WARNING"}`, "warn")
	f(`{"severity":"ERROR","msg":"x"}`, "error")
	f(`{"level":"custom"}`, "custom")
	f(`{"level":3,"msg":"error"}`, "error") // a numeric level falls back to words
	f(`ts=1 level=debug msg="x"`, "debug")
	f(`level=err msg="boom"`, "error")
	f(`ts=1 lvl="fatal" msg=x`, "critical")
	f(`ts=1 loglevel=info msg=x`, "info") // not a level key; the word still says info
	f(`2026-11-25 12:00:00 ERROR something broke`, "error")
	f(`[WARN] disk almost full`, "warn")
	f(`GET /index.html 200`, "unknown")
	f(`information about errors`, "unknown") // words must match whole
	f(``, "unknown")
	f(`Trace: entering`, "trace")
}

func TestAddDetectedLevels(t *testing.T) {
	st := &logproto.StreamAdapter{Entries: []*logproto.EntryAdapter{
		{Line: `{"level":"error"}`},
		{Line: `plain`, StructuredMetadata: []*logproto.LabelPairAdapter{{Name: "severity", Value: "Warning"}}},
		{Line: `x`, StructuredMetadata: []*logproto.LabelPairAdapter{{Name: DetectedLevelField, Value: "mine"}}},
		{Line: `error in line`, StructuredMetadata: []*logproto.LabelPairAdapter{{Name: "severity_text", Value: "DEBUG"}}},
	}}
	addDetectedLevels(labels.FromStrings("app", "a"), st, testLevelFields)
	want := []string{"error", "warn", "mine", "debug"}
	for i, e := range st.Entries {
		sm := e.StructuredMetadata
		if got := sm[len(sm)-1]; got.Name != DetectedLevelField || got.Value != want[i] {
			t.Fatalf("entry %d: %v", i, sm)
		}
		n := 0
		for _, p := range sm {
			if p.Name == DetectedLevelField {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("entry %d has %d detected_level fields", i, n)
		}
	}
	// A level label decides for every entry.
	st = &logproto.StreamAdapter{Entries: []*logproto.EntryAdapter{{Line: `{"level":"error"}`}}}
	addDetectedLevels(labels.FromStrings("level", "DEBUG"), st, testLevelFields)
	if v := st.Entries[0].StructuredMetadata[0].Value; v != "debug" {
		t.Fatalf("level label: %q", v)
	}
}

func TestPushDetectsLevels(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		h := newHarness(t, 1, 1, func(_ *Config, l *validation.Limits) { l.DiscoverLogLevels = enabled })
		if code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, `level=warn msg=x`)), "application/json", "t1"); code != 204 {
			t.Fatalf("%d %s", code, body)
		}
		sm := h.ingesters[0].got[0].Entries[0].StructuredMetadata
		if enabled && (len(sm) != 1 || sm[0].Name != DetectedLevelField || sm[0].Value != "warn") {
			t.Fatalf("enabled: %v", sm)
		}
		if !enabled && len(sm) != 0 {
			t.Fatalf("disabled: %v", sm)
		}
	}
}
