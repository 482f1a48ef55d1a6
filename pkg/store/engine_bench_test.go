package store

import (
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/logql"
)

// BenchmarkEngineOverStore runs whole metric queries through the engine over the store, as the
// querier does: what issue 4's count query costs end to end.
func BenchmarkEngineOverStore(b *testing.B) {
	rd, raw := benchStore(b, 1<<30)
	for _, q := range []string{
		`sum by (level) (count_over_time({env="prod"}[1m]))`,
		`sum(count_over_time({env="prod"} | json | status >= 500 [5m]))`,
	} {
		b.Run(q, func(b *testing.B) {
			eng := logql.NewEngine(logql.EngineOpts{}, rd, nil)
			step := time.Minute
			if len(q) > 60 {
				step = 5 * time.Minute
			}
			p := logql.Params{Query: q, Start: base + int64(step), End: base + 3600*sec, Step: step}
			b.SetBytes(raw)
			for b.Loop() {
				if _, err := eng.Exec(tctx("t1"), p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
