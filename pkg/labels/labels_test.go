package labels

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{in: `{a="b"}`, want: `{a="b"}`},
		{in: `{ c="d", a = "b" }`, want: `{a="b", c="d"}`},
		{in: "{a=`x\"y`}", want: `{a="x\"y"}`},
		{in: `{a="\u00e9\n"}`, want: `{a="é\n"}`},
		{in: `{}`, want: `{}`},
		{in: `{a="b",}`, want: `{a="b"}`},
		{in: `{a="b", a="c"}`, err: true},
		{in: `{a=~"b"}`, err: true},
		{in: `{a="b"`, err: true},
		{in: `a="b"}`, err: true},
		{in: `{1a="b"}`, err: true},
		{in: `{a="b} `, err: true},
		{in: `{a="b"} x`, err: true},
	} {
		ls, err := Parse(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want error", tc.in, ls)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := ls.String(); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMatcher(t *testing.T) {
	f := func(typ MatchType, val, in string, want bool) {
		t.Helper()
		m := MustNewMatcher(typ, "x", val)
		if got := m.Matches(in); got != want {
			t.Errorf("%s matches %q = %v, want %v", m, in, got, want)
		}
	}
	f(MatchEqual, "a", "a", true)
	f(MatchEqual, "a", "ab", false)
	f(MatchNotEqual, "a", "b", true)
	f(MatchRegexp, "a.*", "abc", true)
	f(MatchRegexp, "b", "abc", false) // anchored
	f(MatchRegexp, ".*", "", true)
	f(MatchNotRegexp, "a|b", "b", false)
	f(MatchNotRegexp, "a|b", "c", true)
}

func TestHashStable(t *testing.T) {
	a := FromStrings("a", "b", "c", "d")
	b := FromStrings("c", "d", "a", "b")
	if a.Hash() != b.Hash() {
		t.Fatal("hash depends on input order")
	}
	if a.Hash() == FromStrings("a", "bc", "d", "").Hash() {
		t.Fatal("hash ignores separators")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{a="b"}`, `{a="b", c="d"}`, "{a=`b`}", `{}`, `{a="\x00"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(ls.String())
		if err != nil {
			t.Fatalf("reparse %q: %v", ls.String(), err)
		}
		if !Equal(ls, again) {
			t.Fatalf("round trip %q: %v != %v", s, ls, again)
		}
	})
}
