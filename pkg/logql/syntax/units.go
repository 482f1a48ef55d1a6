package syntax

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

var durationUnits = []struct {
	name string
	d    time.Duration
}{
	// Longest names first so "ms" wins over "m".
	{"ms", time.Millisecond},
	{"us", time.Microsecond},
	{"µs", time.Microsecond},
	{"ns", time.Nanosecond},
	{"y", 365 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

var errBadDuration = errors.New("not a valid duration string")

// parseDuration accepts the union of Prometheus durations (1d, 2w, 1y, 1h30m) and Go durations
// (1.5h, 300ms, 10us), which is what LogQL accepts in ranges, offsets and label filters.
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errBadDuration
	}
	var total float64
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (isDigit(rest[i]) || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, errBadDuration
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, errBadDuration
		}
		rest = rest[i:]
		matched := false
		for _, u := range durationUnits {
			if strings.HasPrefix(rest, u.name) {
				total += v * float64(u.d)
				rest = rest[len(u.name):]
				matched = true
				break
			}
		}
		if !matched {
			return 0, errBadDuration
		}
	}
	if total > math.MaxInt64 {
		return 0, errors.New("duration out of range")
	}
	return time.Duration(total), nil
}

// formatDuration renders d in the compact Prometheus form (1h30m, 5m, 250ms) that parseDuration
// reads back exactly.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	units := []struct {
		name string
		d    time.Duration
	}{
		{"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour},
		{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond},
		{"us", time.Microsecond}, {"ns", time.Nanosecond},
	}
	for _, u := range units {
		if n := d / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			d -= n * u.d
		}
	}
	return b.String()
}

var byteUnits = map[string]float64{
	"b": 1, "": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20, // "1m" lexes as a duration first
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
	"p": 1e15, "pb": 1e15, "pi": 1 << 50, "pib": 1 << 50,
	"e": 1e18, "eb": 1e18, "ei": 1 << 60, "eib": 1 << 60,
}

// parseBytes reads a human byte size such as 20KB, 1.5KiB or 3MB (case-insensitive; KB is 1000,
// KiB is 1024), the forms LogQL's bytes label filters accept.
func parseBytes(s string) (uint64, error) {
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	if i == 0 {
		return 0, errors.New("not a valid byte size")
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, errors.New("not a valid byte size")
	}
	mult, ok := byteUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok {
		return 0, errors.New("not a valid byte size")
	}
	v *= mult
	if v >= math.MaxUint64 {
		return 0, errors.New("byte size out of range")
	}
	return uint64(v), nil
}
