package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a byte size such as 512MiB, 2GiB, 100MB or 1048576 (binary and decimal units).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("parse size %q: want a number with an optional unit (KiB, MiB, GiB, MB, GB)", s)
	}
	if v := f * float64(mult); v < 1<<62 {
		return int64(v), nil
	}
	return 0, fmt.Errorf("parse size %q: too large", s)
}
