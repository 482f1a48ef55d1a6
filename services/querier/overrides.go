package querier

import (
	"time"

	"github.com/skaldlogs/skald/pkg/validation"
)

// OverridesLimits adapts the per-tenant runtime overrides (reloaded without a restart) to the
// querier's Limits.
func OverridesLimits(o *validation.Overrides) Limits { return overridesLimits{o} }

type overridesLimits struct{ o *validation.Overrides }

func (l overridesLimits) MaxEntriesLimitPerQuery(t string) int {
	return l.o.For(t).MaxEntriesLimitPerQuery
}
func (l overridesLimits) MaxQuerySeries(t string) int { return l.o.For(t).MaxQuerySeries }
func (l overridesLimits) MaxQueryLength(t string) time.Duration {
	return time.Duration(l.o.For(t).MaxQueryLength)
}
func (l overridesLimits) QueryTimeout(t string) time.Duration {
	return time.Duration(l.o.For(t).QueryTimeout)
}
