package querier

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

type tailFrame struct {
	Streams []struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	} `json:"streams"`
}

func readFrame(t *testing.T, ctx context.Context, c *websocket.Conn) []string {
	t.Helper()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("frame type %v", typ)
	}
	var f tailFrame
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	var lines []string
	for _, s := range f.Streams {
		for _, v := range s.Values {
			lines = append(lines, s.Stream["app"]+":"+v[1])
		}
	}
	return lines
}

func TestTail(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 2), rf: 2, store: store, tailPoll: 10 * time.Millisecond, maxTails: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/loki/api/v1/tail?" + url.Values{"query": {`{app="a"}`}, "limit": {"2"}}.Encode()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	// The backlog, oldest first, in frames of at most limit lines, each line once although
	// it sits in two replicas (and the store).
	var got []string
	for len(got) < 3 {
		got = append(got, readFrame(t, ctx, c)...)
	}
	if strings.Join(got, ",") != "a:a1 ok,a:a2 error,a:a3 ok" {
		t.Fatalf("backlog %v", got)
	}

	// A second tail is over the limit of one.
	if _, resp, err := websocket.Dial(ctx, u, nil); err == nil || resp == nil || resp.StatusCode != 400 {
		t.Fatalf("second tail: %v %v", resp, err)
	}

	// A new line (and one with the same timestamp as the last one sent) arrives alone.
	last := ts(1)
	ing.add(labels.FromStrings("app", "a", "env", "prod"),
		iter.Entry{Timestamp: last, Line: "a3b same time"}, iter.Entry{Timestamp: last + 1, Line: "a4 new"})
	got = nil
	for len(got) < 2 {
		got = append(got, readFrame(t, ctx, c)...)
	}
	if strings.Join(got, ",") != "a:a3b same time,a:a4 new" {
		t.Fatalf("new lines %v", got)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
}

func TestTailBadRequests(t *testing.T) {
	e := newEnv(t, envOpts{store: &memSource{}})
	for _, tc := range []struct{ params url.Values }{
		{url.Values{"query": {`{app="a"`}}},
		{url.Values{"query": {`{app="a"}`}, "delay_for": {"6"}}},
		{url.Values{"query": {`{app="a"}`}, "limit": {"0"}}},
		{url.Values{"query": {`count_over_time({app="a"}[1m])`}}},
	} {
		code, body, _ := e.get(t, "/loki/api/v1/tail", tc.params)
		if code != 400 {
			t.Fatalf("%v: %d %s", tc.params, code, body)
		}
	}
}
