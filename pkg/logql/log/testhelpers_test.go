package log

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// runOne runs stages over one line of a stream given in selector form and returns the output
// line, the result labels in selector form, and keep.
func runOne(t *testing.T, stages []Stage, stream, line string) (string, string, bool) {
	t.Helper()
	ls, err := labels.Parse(stream)
	if err != nil {
		t.Fatalf("parse %s: %v", stream, err)
	}
	sp := NewPipeline(stages).ForStream(ls)
	out, res, keep := sp.Process(0, []byte(line), nil)
	if !keep {
		return "", "", false
	}
	return string(out), res.String(), true
}

func mustStage(s Stage, err error) Stage {
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return s
}

func mustMatcher(t testing.TB, typ labels.MatchType, n, v string) *labels.Matcher {
	t.Helper()
	m, err := labels.NewMatcher(typ, n, v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
