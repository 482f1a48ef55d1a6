package index

import (
	"slices"
	"testing"
)

func TestPlanRegex(t *testing.T) {
	cases := []struct {
		expr      string
		all       bool
		literals  []string // nil: not a literal set
		prefix    string
		prefixAll bool
		suffix    string
		contains  string
	}{
		{expr: "abc", literals: []string{"abc"}},
		{expr: "a|b|c", literals: []string{"a", "b", "c"}},
		{expr: "(api|web)-(1|2)", literals: []string{"api-1", "api-2", "web-1", "web-2"}},
		{expr: "app-[1-3]", literals: []string{"app-1", "app-2", "app-3"}},
		{expr: "|x", literals: []string{"", "x"}},
		{expr: "x?", literals: nil},
		{expr: "foo.*", prefix: "foo", prefixAll: true},
		{expr: "foo.+", prefix: "foo"},
		{expr: "foo.*bar", prefix: "foo"},
		{expr: "(?i)foo", literals: nil},
		{expr: ".*", all: true},
		{expr: ".+", all: true},
		{expr: "(.+)", all: true},
		{expr: ".?"},
		{expr: "[a-z]+", literals: nil},
		{expr: "(", literals: nil}, // invalid: no plan, never a panic
		{expr: ".*foo", suffix: "foo"},
		{expr: ".*foo.*", contains: "foo"},
		{expr: "(?i).*foo.*"},
		{expr: ".*foo.+"},
		{expr: ".+foo"},
	}
	for _, c := range cases {
		p := planRegex(c.expr)
		if p.allValues != c.all {
			t.Errorf("planRegex(%q).allValues = %v, want %v", c.expr, p.allValues, c.all)
			continue
		}
		if c.literals != nil {
			if !p.isSet || !slices.Equal(p.literals, c.literals) {
				t.Errorf("planRegex(%q) = %+v, want literals %q", c.expr, p, c.literals)
			}
			continue
		}
		if p.isSet || p.prefix != c.prefix || p.prefixAll != c.prefixAll || p.suffix != c.suffix || p.contains != c.contains {
			t.Errorf("planRegex(%q) = %+v, want prefix %q all=%v", c.expr, p, c.prefix, c.prefixAll)
		}
	}
}
