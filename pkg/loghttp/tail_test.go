package loghttp

import (
	"bytes"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

func TestEncodeTailResponse(t *testing.T) {
	f := func(streams []Stream, dropped []DroppedEntry, want string) {
		t.Helper()
		var b bytes.Buffer
		if err := EncodeTailResponse(&b, streams, dropped); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Fatalf("got  %s\nwant %s", b.String(), want)
		}
	}
	f(nil, nil, `{"streams":[]}`)
	f([]Stream{{Labels: labels.FromStrings("app", "a"), Entries: []iter.Entry{{Timestamp: 5, Line: "x"}}}}, nil,
		`{"streams":[{"stream":{"app":"a"},"values":[["5","x"]]}]}`)
	f(nil, []DroppedEntry{{Labels: labels.FromStrings("app", "a"), Timestamp: 7}},
		`{"streams":[],"dropped_entries":[{"labels":{"app":"a"},"timestamp":"7"}]}`)
}
