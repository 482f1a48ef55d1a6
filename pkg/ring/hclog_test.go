package ring

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestHCLogAdapter(t *testing.T) {
	var buf bytes.Buffer
	l := newHCLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})), "raft")
	l.Debug("hidden")
	l.Named("net").With("peer", "a").Warn("Failed To Contact", "error", "boom", "dangling")
	l.Info("entering follower state")
	out := buf.String()
	for _, want := range []string{"level=WARN", "msg=\"failed to contact\"", "raft_logger=raft.net", "peer=a", "err=boom", "dangling=MISSING", "level=INFO", "entering follower state"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hidden") {
		t.Error("debug logged at info level")
	}
	if !l.IsWarn() || l.IsDebug() || l.Name() != "raft" || l.GetLevel() != hclog.Debug {
		t.Error("level queries")
	}
	l.StandardLogger(nil).Print("from std logger")
	if !strings.Contains(buf.String(), "from std logger") {
		t.Error("standard logger not routed")
	}
}
