package syntax

import "testing"

// FuzzParseExpr checks that the parser never panics and that whatever it accepts renders to
// text that parses back to the same rendering.
func FuzzParseExpr(f *testing.F) {
	for _, tc := range validQueries {
		f.Add(tc.in)
	}
	for _, s := range []string{`{app="foo"`, `{app="foo"} |= test`, `1 > 2`, `rate({a="b"}[5m:1m])`, "{a=`x", `{a="b"} | json | x > 1KB or (y="1", z=~"a")`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := ParseExpr(q)
		if err != nil {
			if !IsParseError(err) {
				t.Fatalf("ParseExpr(%q): error %T is not a *ParseError", q, err)
			}
			return
		}
		s := e.String()
		again, err := ParseExpr(s)
		if err != nil {
			t.Fatalf("ParseExpr(%q) rendered %q which does not parse: %v", q, s, err)
		}
		if again.String() != s {
			t.Fatalf("round trip of %q: %q then %q", q, s, again.String())
		}
	})
}
