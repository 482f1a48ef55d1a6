package distributor

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/loggen"
	"github.com/skaldlogs/skald/pkg/validation"
)

// TestLoggenThroughDistributor pushes loggen's output in every encoding through the real push
// handler over HTTP and checks that every acknowledged line reached the ingesters once.
func TestLoggenThroughDistributor(t *testing.T) {
	for _, c := range []struct {
		enc string
		gz  bool
	}{{"protobuf", false}, {"json", false}, {"json", true}} {
		h := newHarness(t, 3, 3, func(_ *Config, l *validation.Limits) { l.IngestionRateMB = 0 })
		h.d.deps.Now = time.Now // loggen stamps lines with the wall clock
		srv := httptest.NewServer(h.d.PushHandler())
		res, err := loggen.Run(context.Background(), loggen.Config{
			URL: srv.URL, Tenant: "t1", Encoding: c.enc, Gzip: c.gz, Seed: 3, Streams: 12,
			Batch: 16 << 10, Lines: 2000, Workers: 2,
		})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.LinesAcked != 2000 || res.LinesFailed != 0 {
			t.Fatalf("%s: %v (%s)", c.enc, res, res.FirstError)
		}
		// RF 3: the last replica may land just after the 204.
		deadline := time.Now().Add(2 * time.Second)
		for len(h.allLines()) < 6000 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if n := len(h.allLines()); n != 6000 {
			t.Fatalf("%s: ingesters hold %d copies, want 2000 x 3", c.enc, n)
		}
	}
}
