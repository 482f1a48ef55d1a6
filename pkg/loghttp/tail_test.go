package loghttp

import (
	"bytes"
	"strings"
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
		gotS, gotD, err := DecodeTailResponse(&b)
		if err != nil || len(gotS) != len(streams) || len(gotD) != len(dropped) {
			t.Fatalf("decode: %v %v %v", gotS, gotD, err)
		}
	}
	f(nil, nil, `{"streams":[]}`)
	f([]Stream{{Labels: labels.FromStrings("app", "a"), Entries: []iter.Entry{{Timestamp: 5, Line: "x"}}}}, nil,
		`{"streams":[{"stream":{"app":"a"},"values":[["5","x"]]}]}`)
	f(nil, []DroppedEntry{{Labels: labels.FromStrings("app", "a"), Timestamp: 7}},
		`{"streams":[],"dropped_entries":[{"labels":{"app":"a"},"timestamp":"7"}]}`)
}

// FuzzDecodeTailResponse: no frame makes the decoder panic, and what it accepts encodes again.
func FuzzDecodeTailResponse(f *testing.F) {
	for _, s := range []string{`{"streams":[]}`, `{"streams":[{"stream":{"app":"a"},"values":[["5","x"]]}]}`,
		`{"streams":[],"dropped_entries":[{"labels":{"app":"a"},"timestamp":"7"}]}`, `{}`, `[`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		streams, dropped, err := DecodeTailResponse(strings.NewReader(s))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := EncodeTailResponse(&b, streams, dropped); err != nil {
			t.Fatal(err)
		}
		if _, _, err := DecodeTailResponse(&b); err != nil {
			t.Fatalf("%q: re-decode: %v", s, err)
		}
	})
}
