package loghttp

import (
	"net/http/httptest"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

func TestWriteLegacyStreams(t *testing.T) {
	rec := httptest.NewRecorder()
	err := WriteLegacyStreams(rec, []Stream{{Labels: labels.FromStrings("app", "a", "env", "b"),
		Entries: []iter.Entry{{Timestamp: 1700000000123456789, Line: "x\"y"}, {Timestamp: 0, Line: ""}}}})
	want := `{"streams":[{"labels":"{app=\"a\", env=\"b\"}","entries":[{"ts":"2023-11-14T22:13:20.123456789Z","line":"x\"y"},{"ts":"1970-01-01T00:00:00Z","line":""}]}]}` + "\n"
	if err != nil || rec.Body.String() != want {
		t.Fatalf("%v\n%s\nwant\n%s", err, rec.Body.String(), want)
	}
}
