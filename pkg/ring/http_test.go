package ring

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/proto/ringpb"
)

type fakeSource struct {
	st     *ringpb.RingState
	forgot []string
}

func (f *fakeSource) State() *ringpb.RingState { return f.st }

func (f *fakeSource) Forget(_ context.Context, id string) error {
	if id == "nope" {
		return errors.New("no leader")
	}
	f.forgot = append(f.forgot, id)
	return nil
}

func TestRingHTTP(t *testing.T) {
	now := time.Now()
	src := &fakeSource{st: &ringpb.RingState{
		LeaderId: "a", FromId: "b", Index: 42,
		Members: []*ringpb.Member{
			{Id: "a", Addr: "a:9095", State: ringpb.State_ACTIVE, Tokens: []uint32{1, 2}, HeartbeatUnixNano: now.UnixNano()},
			{Id: "b", Addr: "b:9095", State: ringpb.State_LEAVING, Tokens: []uint32{3}, HeartbeatUnixNano: now.Add(-time.Hour).UnixNano()},
		},
		Peers: []*ringpb.Peer{{Id: "a", Addr: "a:9095", RaftAddr: "a:9096"}},
	}}
	h := NewHTTPHandler(src, time.Minute, slog.New(slog.DiscardHandler))
	do := func(method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, tc := range []struct {
		target string
		hdr    map[string]string
	}{{"/ring?format=json", nil}, {"/ring", map[string]string{"Accept": "application/json"}}} {
		rec := do("GET", tc.target, "", tc.hdr)
		var page RingPage
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatalf("%s: %v: %s", tc.target, err, rec.Body)
		}
		if page.Leader != "a" || page.Index != 42 || len(page.Members) != 2 || !page.Peers[0].Leader {
			t.Fatalf("page %+v", page)
		}
		if m := page.Members[0]; m.State != "ACTIVE" || !m.Healthy || m.Tokens != 2 {
			t.Errorf("member a %+v", m)
		}
		if m := page.Members[1]; m.State != "LEAVING" || m.Healthy || m.HeartbeatAgeSeconds < 3599 {
			t.Errorf("member b %+v", m)
		}
	}

	rec := do("GET", "/ring", "", nil)
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"Raft leader: <b id=\"leader\">a</b>", "UNHEALTHY", "LEAVING", `name="forget" value="b"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("content type %q", ct)
	}

	form := func(id string) string { return url.Values{"forget": {id}}.Encode() }
	ctype := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if rec := do("POST", "/ring", form("b"), ctype); rec.Code != http.StatusSeeOther {
		t.Errorf("forget: %d", rec.Code)
	}
	if rec := do("POST", "/ring?format=json", form("c"), ctype); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "success") {
		t.Errorf("forget json: %d %s", rec.Code, rec.Body)
	}
	if rec := do("POST", "/ring", form("nope"), ctype); rec.Code != http.StatusInternalServerError {
		t.Errorf("failed forget: %d", rec.Code)
	}
	if rec := do("POST", "/ring", "", ctype); rec.Code != http.StatusBadRequest {
		t.Errorf("empty forget: %d", rec.Code)
	}
	if rec := do("DELETE", "/ring", "", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("delete: %d", rec.Code)
	}
	if strings.Join(src.forgot, ",") != "b,c" {
		t.Errorf("forgot %v", src.forgot)
	}
}
