package ring

import (
	"math/rand/v2"
	"slices"
)

// freeTokens returns n random tokens, sorted, that are neither in taken nor repeated.
func freeTokens(n int, taken map[uint32]bool, rnd *rand.Rand) []uint32 {
	out := make([]uint32, 0, n)
	seen := make(map[uint32]bool, n)
	for len(out) < n {
		t := rnd.Uint32()
		if taken[t] || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
