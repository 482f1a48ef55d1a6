package logcli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/loghttp"
)

func TestTail(t *testing.T) {
	var gotQuery, gotTenant, gotDelay string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/loki/api/v1/tail" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("delay_for") == "9" {
			http.Error(w, "delay_for can't be greater than 5", http.StatusBadRequest)
			return
		}
		gotQuery, gotTenant, gotDelay = r.URL.Query().Get("query"), r.Header.Get("X-Scope-OrgID"), r.URL.Query().Get("delay_for")
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for _, frame := range [][]loghttp.Stream{
			{{Labels: labels.FromStrings("app", "a"), Entries: []iter.Entry{{Timestamp: 1e9, Line: "one"}, {Timestamp: 2e9, Line: "two"}}}},
			{{Labels: labels.FromStrings("app", "b"), Entries: []iter.Entry{{Timestamp: 3e9, Line: "three"}}}},
		} {
			var b bytes.Buffer
			_ = loghttp.EncodeTailResponse(&b, frame, nil)
			if err := c.Write(r.Context(), websocket.MessageText, b.Bytes()); err != nil {
				return
			}
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}))
	defer srv.Close()
	out, _, err := runCmd(t, srv, map[string]string{"LOKI_ORG_ID": "t1"}, "--tail", "--delay-for=2", "--timezone=UTC", `{app=~"a|b"}`)
	if err != nil {
		t.Fatal(err)
	}
	want := "1970-01-01T00:00:01Z {app=\"a\"} one\n1970-01-01T00:00:02Z {app=\"a\"} two\n1970-01-01T00:00:03Z {app=\"b\"} three\n"
	if out != want || gotQuery != `{app=~"a|b"}` || gotTenant != "t1" || gotDelay != "2" {
		t.Fatalf("out %q query %q tenant %q delay %q", out, gotQuery, gotTenant, gotDelay)
	}
	if _, _, err := runCmd(t, srv, map[string]string{"LOKI_ORG_ID": "t1"}, "--tail", "--delay-for=9", `{a="b"}`); err == nil || !bytesContains(err.Error(), "delay_for can't be greater than 5") {
		t.Fatalf("bad delay: %v", err)
	}
	if _, _, err := runCmd(t, srv, nil, "--tail", "--labels"); err == nil {
		t.Fatal("--tail --labels accepted")
	}
}

func bytesContains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }
