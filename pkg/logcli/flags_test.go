package logcli

import (
	"io"
	"strings"
	"testing"
)

// FuzzParseArgs checks that no argument list makes the flag parsing panic and that whatever
// it accepts is a complete request.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		`{env="prod"}`, `--forward -o raw {a="b"}`, "--labels app", `--series {a="b"}`, "--instant vector(1)",
		"--from=2026-11-25T10:00:00Z --to=2026-11-25T11:00:00Z x", "-o yaml x", "--limit=-1 x", "--help",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		o, err := parseArgs(strings.Fields(line), io.Discard, func(string) string { return "" })
		if err != nil {
			return
		}
		if !o.labels && o.query == "" {
			t.Fatalf("%q: accepted without a query", line)
		}
		if o.limit < 0 {
			t.Fatalf("%q: negative limit", line)
		}
	})
}
