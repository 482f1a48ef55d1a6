package loghttp

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseTimestamp reads a timestamp as Loki does: a number with a '.' is Unix seconds with a
// fraction (rounded to the millisecond); an integer of up to 10 digits is Unix seconds and a
// longer one Unix nanoseconds; anything else must be RFC3339 or RFC3339Nano. An empty value
// yields def.
func ParseTimestamp(value string, def time.Time) (time.Time, error) {
	if value == "" {
		return def, nil
	}
	if strings.Contains(value, ".") {
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxUnixSeconds {
				return time.Time{}, badRequestf("cannot parse %q to a valid timestamp", value)
			}
			s, frac := math.Modf(f)
			frac = math.Round(frac*1000) / 1000
			return time.Unix(int64(s), int64(frac*float64(time.Second))).UTC(), nil
		}
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
			return t, nil
		}
		return time.Time{}, badRequestf("cannot parse %q to a valid timestamp", value)
	}
	digits := len(value)
	if value[0] == '-' || value[0] == '+' {
		digits--
	}
	if digits <= 10 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Unix(0, n).UTC(), nil
}

// maxUnixSeconds keeps float timestamps inside what Unix nanoseconds in an int64 can hold.
const maxUnixSeconds = float64(math.MaxInt64 / int64(time.Second))

// ParseDuration reads a duration as Loki reads step, interval and since: a float is seconds,
// otherwise a Prometheus duration (a sequence of <integer><unit> with units y, w, d, h, m, s,
// ms, e.g. "1h30m" or "250ms"). Go's fractional forms such as "1.5s" are accepted as well.
func ParseDuration(value string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(value, 64); err == nil {
		d := f * float64(time.Second)
		if math.IsNaN(d) || d >= math.MaxInt64 || d <= math.MinInt64 {
			return 0, badRequestf("cannot parse %q to a valid duration. It overflows int64", value)
		}
		return time.Duration(d), nil
	}
	if d, ok := parsePromDuration(value); ok {
		return d, nil
	}
	if d, err := time.ParseDuration(value); err == nil {
		return d, nil
	}
	return 0, badRequestf("cannot parse %q to a valid duration", value)
}

// parsePromDuration parses Prometheus's duration syntax; units must appear from the largest to
// the smallest, each at most once.
func parsePromDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	units := []struct {
		name string
		d    time.Duration
	}{
		{"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour},
		{"h", time.Hour}, {"ms", time.Millisecond}, {"m", time.Minute}, {"s", time.Second},
	}
	order := map[string]int{"y": 0, "w": 1, "d": 2, "h": 3, "m": 4, "s": 5, "ms": 6}
	var total time.Duration
	last := -1
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 18 {
			return 0, false
		}
		n, _ := strconv.ParseInt(s[:i], 10, 64)
		s = s[i:]
		var unit time.Duration
		var name string
		for _, u := range units {
			if strings.HasPrefix(s, u.name) {
				unit, name = u.d, u.name
				break
			}
		}
		if unit == 0 || order[name] <= last {
			return 0, false
		}
		last = order[name]
		s = s[len(name):]
		if n > math.MaxInt64/int64(unit) || total > math.MaxInt64-time.Duration(n)*unit {
			return 0, false
		}
		total += time.Duration(n) * unit
	}
	return total, true
}

// FormatSeconds renders a Unix-nanosecond timestamp as Loki renders metric timestamps: float
// seconds with millisecond precision and no trailing zeros ("1700000000.5", "4").
func FormatSeconds(dst []byte, ns int64) []byte {
	ms := ns / int64(time.Millisecond)
	return strconv.AppendFloat(dst, float64(ms)/1000, 'f', -1, 64)
}

// FormatValue renders a sample value as Loki (Prometheus) does: the shortest decimal form,
// "NaN", "+Inf" or "-Inf".
func FormatValue(dst []byte, v float64) []byte {
	if math.IsInf(v, 1) {
		return append(dst, "+Inf"...)
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}
