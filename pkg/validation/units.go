package validation

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ByteSize is a size in bytes written like Loki's: 256KB, 3MB, 1GiB or a plain integer. Units
// are powers of two, as in Loki.
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1},
}

// ParseByteSize parses s as a ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("parse byte size %q: want a number with an optional unit such as KB, MB or GB", s)
	}
	return ByteSize(f * float64(mult)), nil
}

func (b ByteSize) String() string {
	switch v := int64(b); {
	case v != 0 && v%(1<<30) == 0:
		return strconv.FormatInt(v>>30, 10) + "GB"
	case v != 0 && v%(1<<20) == 0:
		return strconv.FormatInt(v>>20, 10) + "MB"
	case v != 0 && v%(1<<10) == 0:
		return strconv.FormatInt(v>>10, 10) + "KB"
	default:
		return strconv.FormatInt(v, 10) + "B"
	}
}

// Set implements flag.Value.
func (b *ByteSize) Set(s string) error {
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// UnmarshalYAML accepts a number or a string with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error { return b.Set(n.Value) }

// MarshalYAML renders the unit form.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// Duration is a duration written like Prometheus's and Loki's: 1w, 30d1h, 10m, 500ms, 0s.
type Duration time.Duration

var durUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
	"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
	"us": time.Microsecond, "µs": time.Microsecond, "ns": time.Nanosecond,
}

// ParseDuration parses s as a Duration: a sequence of integer and unit pairs.
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, nil
	}
	if t == "" {
		return 0, fmt.Errorf("parse duration %q: empty", s)
	}
	var total time.Duration
	for t != "" {
		i := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		j := i
		for j < len(t) && (t[j] < '0' || t[j] > '9') {
			j++
		}
		if i == 0 || j == i {
			return 0, fmt.Errorf("parse duration %q: want e.g. 1w, 30d1h, 10m or 500ms", s)
		}
		n, err := strconv.ParseInt(t[:i], 10, 64)
		unit, ok := durUnits[t[i:j]]
		if err != nil || !ok {
			return 0, fmt.Errorf("parse duration %q: want e.g. 1w, 30d1h, 10m or 500ms", s)
		}
		total += time.Duration(n) * unit
		t = t[j:]
	}
	return Duration(total), nil
}

// String renders the largest exact units, e.g. 1w, 30d1h, 10m, 0s.
func (d Duration) String() string {
	v := time.Duration(d)
	if v == 0 {
		return "0s"
	}
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
		v = -v
	}
	// Years and weeks only when exact, as Prometheus renders them: 721h is 30d1h, not 4w2d1h.
	for _, u := range []struct {
		name  string
		d     time.Duration
		exact bool
	}{{"y", 365 * 24 * time.Hour, true}, {"w", 7 * 24 * time.Hour, true}, {"d", 24 * time.Hour, false}, {"h", time.Hour, false}, {"m", time.Minute, false}, {"s", time.Second, false}, {"ms", time.Millisecond, false}} {
		if u.exact && v%u.d != 0 {
			continue
		}
		if v >= u.d {
			b.WriteString(strconv.FormatInt(int64(v/u.d), 10))
			b.WriteString(u.name)
			v %= u.d
		}
	}
	if v > 0 {
		b.WriteString(strconv.FormatInt(int64(v), 10) + "ns")
	}
	return b.String()
}

// Set implements flag.Value.
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML accepts the Prometheus duration form.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error { return d.Set(n.Value) }

// MarshalYAML renders the Prometheus duration form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// StringList is a comma-separated list flag that is a YAML sequence in files.
type StringList []string

func (l StringList) String() string { return strings.Join(l, ",") }

// Set implements flag.Value: the whole list is replaced.
func (l *StringList) Set(s string) error {
	*l = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// Time is an instant written in RFC3339; the zero Time is written as an empty string.
type Time time.Time

func (t Time) String() string {
	if time.Time(t).IsZero() {
		return ""
	}
	return time.Time(t).Format(time.RFC3339)
}

// Set implements flag.Value.
func (t *Time) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		*t = Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("parse time %q: want RFC3339, e.g. 2026-11-25T12:00:00Z", s)
	}
	*t = Time(v)
	return nil
}

// UnmarshalYAML accepts RFC3339.
func (t *Time) UnmarshalYAML(n *yaml.Node) error { return t.Set(n.Value) }

// MarshalYAML renders RFC3339.
func (t Time) MarshalYAML() (any, error) { return t.String(), nil }
