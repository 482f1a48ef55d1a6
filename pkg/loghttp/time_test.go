package loghttp

import (
	"math"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	def := time.Unix(42, 0)
	f := func(in string, want time.Time, wantErr bool) {
		t.Helper()
		got, err := ParseTimestamp(in, def)
		if (err != nil) != wantErr {
			t.Fatalf("ParseTimestamp(%q) error %v, want error %v", in, err, wantErr)
		}
		if err == nil && !got.Equal(want) {
			t.Fatalf("ParseTimestamp(%q) = %v, want %v", in, got, want)
		}
		if err != nil && StatusOf(err) != 400 {
			t.Fatalf("ParseTimestamp(%q) error status %d", in, StatusOf(err))
		}
	}
	f("", def, false)
	f("4", time.Unix(4, 0), false)
	f("1700000000", time.Unix(1700000000, 0), false)
	f("1700000000123456789", time.Unix(0, 1700000000123456789), false)
	f("17000000001", time.Unix(0, 17000000001), false) // 11 digits: nanoseconds
	f("1700000000.5", time.Unix(1700000000, 500_000_000), false)
	f("1700000000.1234", time.Unix(1700000000, 123_000_000), false) // Loki rounds to ms
	f("-1", time.Unix(-1, 0), false)
	f("2026-11-25T14:00:00Z", time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC), false)
	f("2026-11-25T14:00:00.123456789+01:00", time.Date(2026, 11, 25, 13, 0, 0, 123456789, time.UTC), false)
	f("now", time.Time{}, true)
	f("1e400.", time.Time{}, true)
	f("NaN.", time.Time{}, true)
	f("99999999999999999999", time.Time{}, true)
	f("1.5e300", time.Time{}, true)
}

func TestParseDuration(t *testing.T) {
	f := func(in string, want time.Duration, wantErr bool) {
		t.Helper()
		got, err := ParseDuration(in)
		if (err != nil) != wantErr || (err == nil && got != want) {
			t.Fatalf("ParseDuration(%q) = %v, %v; want %v, error %v", in, got, err, want, wantErr)
		}
	}
	f("15", 15*time.Second, false)
	f("0.5", 500*time.Millisecond, false)
	f("0", 0, false)
	f("-3", -3*time.Second, false)
	f("250ms", 250*time.Millisecond, false)
	f("1m", time.Minute, false)
	f("1h30m", 90*time.Minute, false)
	f("2d", 48*time.Hour, false)
	f("1w", 7*24*time.Hour, false)
	f("1y", 365*24*time.Hour, false)
	f("1.5s", 1500*time.Millisecond, false) // Go's syntax
	f("1hh", 0, true)
	f("1x", 0, true)
	f("", 0, true)
	f("ms", 0, true)
	f("1e300", 0, true)
	f("999999999999999999y", 0, true)
}

func TestFormat(t *testing.T) {
	f := func(ns int64, v float64, wantT, wantV string) {
		t.Helper()
		if got := string(FormatSeconds(nil, ns)); got != wantT {
			t.Fatalf("FormatSeconds(%d) = %s, want %s", ns, got, wantT)
		}
		if got := string(FormatValue(nil, v)); got != wantV {
			t.Fatalf("FormatValue(%v) = %s, want %s", v, got, wantV)
		}
	}
	f(4e9, 2, "4", "2")
	f(1700000000_500_000_000, 0.1, "1700000000.5", "0.1")
	f(1700000000_123_999_999, 1e21, "1700000000.123", "1000000000000000000000")
	f(0, math.NaN(), "0", "NaN")
	f(-1500e6, math.Inf(1), "-1.5", "+Inf")
	f(1, math.Inf(-1), "0", "-Inf")
}
