package distributor

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/validation"
)

// FuzzPushHandler sends arbitrary JSON bodies through the whole push path (decode, label
// parsing, validation, service name and level discovery, replication): it must never panic and
// must answer 204 or a 4xx, never a 5xx, when the ingesters are healthy.
func FuzzPushHandler(f *testing.F) {
	for _, s := range []string{
		jsonPush(jsonStream(`{"env":"prod","app":"api"}`, "hello", `{"level":"warn"}`, "level=error x")),
		jsonPush(jsonStream(`{"a b":"1"}`, "bad"), jsonStream(`{}`, "bad")),
		`{"streams":[{"stream":{"a":"1"},"values":[["1","x",{"level":"debug"}]]}]}`,
		`{"streams":[]}`, `{`, `{"streams":[{"stream":{"level":"ERR"},"values":[["1700000000000000000","x"]]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := newHarness(&testing.T{}, 1, 1, func(_ *Config, l *validation.Limits) {
			l.RejectOldSamples = false
			l.CreationGracePeriod = validation.Duration(1 << 62)
		})
		code, msg := h.post(t, string(body), "application/json", "t1")
		if code != 204 && (code < 400 || code >= 500) {
			t.Fatalf("status %d: %s", code, msg)
		}
	})
}

// FuzzLevelFromLine checks that level detection never panics and always names a level.
func FuzzLevelFromLine(f *testing.F) {
	for _, s := range []string{`{"level":"info"}`, `level=err msg="boom"`, `ts=1 lvl="fatal"`, `[WARN] x`, `{"level" : "`, `level="`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if levelFromLine(line, testLevelFields) == "" {
			t.Fatalf("no level for %q", line)
		}
	})
}
