package validation

import "testing"

// FuzzParseUnits checks that the unit parsers never panic and that a parsed duration renders
// to a string that parses back to the same value.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []string{"256KB", "3MB", "1GiB", "1.5mb", "1024", "1w", "30d1h", "10m", "1h30m0s", "500ms", "0", "", "m10", "-1MB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseByteSize(s)
		d, err := ParseDuration(s)
		if err != nil || d < 0 {
			return
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, int64(d), d.String(), int64(back), err)
		}
	})
}

// FuzzParseOverrides checks that no runtime file makes the loader panic.
func FuzzParseOverrides(f *testing.F) {
	for _, s := range []string{
		"overrides:\n  t1:\n    ingestion_rate_mb: 10\n    max_line_size: 1MB\n",
		"overrides:\n  t1:\n    no_such: 1\n", "overrides: [1, 2]\n", "", "overrides:\n  t: {discover_service_name: [a, b]}\n",
	} {
		f.Add([]byte(s))
	}
	def := Defaults()
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseOverrides(b, def)
	})
}
