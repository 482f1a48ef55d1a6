package querier

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/logcli"
)

// TestLogcliAgainstQuerier runs `skald query` against the querier's HTTP API: the two ends of
// Loki's wire format written here must understand each other.
func TestLogcliAgainstQuerier(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 3), rf: 3, store: store})
	f := func(want string, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		args = append([]string{"--addr=" + e.srv.URL, "--to=2026-11-25T12:00:00Z", "--timezone=UTC", "-q"}, args...)
		if err := logcli.Run(context.Background(), args, &out, &errb); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, errb.String())
		}
		if out.String() != want {
			t.Fatalf("%v:\n%s\nwant\n%s", args, out.String(), want)
		}
	}
	f("2026-11-25T11:59:00Z {app=\"a\", env=\"prod\"} a3 ok\n2026-11-25T11:58:00Z {app=\"a\", env=\"prod\"} a2 error\n2026-11-25T11:57:00Z {app=\"a\", env=\"prod\"} a1 ok\n", `{app="a"}`)
	f("a2 error\nb1 error\n", "--forward", "-o", "raw", `{env=~".+"} |= "error"`)
	f("app\nenv\n", "--labels")
	f("{app=\"b\", env=\"dev\"}\n", "--series", `{env="dev"}`)
	var out bytes.Buffer
	if err := logcli.Run(context.Background(), []string{"--addr=" + e.srv.URL, "--instant", "--to=2026-11-25T12:00:00Z", `sum(count_over_time({env=~".+"}[1h]))`}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"4"`) {
		t.Fatalf("instant: %s", out.String())
	}
}

func TestLogcliTailAgainstQuerier(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 2), rf: 2, store: store, tailPoll: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out, errb bytes.Buffer
	err := logcli.Run(ctx, []string{"--addr=" + e.srv.URL, "--tail", "-o", "raw", "--from=2026-11-25T11:00:00Z", `{app="a"}`}, &out, &errb)
	if err != nil {
		t.Fatalf("%v (%s)", err, errb.String())
	}
	if out.String() != "a1 ok\na2 error\na3 ok\n" {
		t.Fatalf("tail printed %q", out.String())
	}
}
