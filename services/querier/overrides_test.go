package querier

import (
	"flag"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/validation"
)

func TestOverridesLimits(t *testing.T) {
	var defaults validation.Limits
	defaults.RegisterFlags(flag.NewFlagSet("x", flag.ContinueOnError))
	o, err := validation.NewOverrides(defaults, validation.RuntimeConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := OverridesLimits(o)
	if l.MaxEntriesLimitPerQuery("t") != 5000 || l.MaxQuerySeries("t") != 500 ||
		l.MaxQueryLength("t") != 30*24*time.Hour+time.Hour || l.QueryTimeout("t") != time.Minute {
		t.Fatalf("%d %d %v %v", l.MaxEntriesLimitPerQuery("t"), l.MaxQuerySeries("t"), l.MaxQueryLength("t"), l.QueryTimeout("t"))
	}
}
