package log

import (
	"regexp"
	"testing"
)

func TestLineFilter(t *testing.T) {
	f := func(op LineFilterOp, matches []string, line string, want bool) {
		t.Helper()
		flt, err := NewLineFilterOr(op, matches...)
		if err != nil {
			t.Fatalf("%s %q: %v", op, matches, err)
		}
		if got := flt.Filter([]byte(line)); got != want {
			t.Errorf("%s %q on %q = %v, want %v", op, matches, line, got, want)
		}
	}
	one := func(s string) []string { return []string{s} }
	f(LineMatchEqual, one("err"), "an error here", true)
	f(LineMatchEqual, one("err"), "all good", false)
	f(LineMatchEqual, one(""), "anything", true)
	f(LineMatchNotEqual, one("err"), "an error here", false)
	f(LineMatchNotEqual, one("err"), "all good", true)
	f(LineMatchEqual, []string{"foo", "bar"}, "xbarx", true)
	f(LineMatchEqual, []string{"foo", "bar"}, "xbazx", false)
	f(LineMatchNotEqual, []string{"foo", "bar"}, "xbarx", false)
	f(LineMatchNotEqual, []string{"foo", "bar"}, "xbazx", true)
	// regexps: unanchored, literal fast paths must agree with the regexp engine
	f(LineMatchRegexp, one("a.*b"), "xxaxxbxx", true)
	f(LineMatchRegexp, one("a.*b"), "xxbxxaxx", false)
	f(LineMatchRegexp, one("foo"), "a foo b", true)
	f(LineMatchRegexp, one(".*foo.*"), "a foo b", true)
	f(LineMatchRegexp, one(".*foo.*"), "a fo b", false)
	f(LineMatchRegexp, one("foo|bar"), "a bar b", true)
	f(LineMatchRegexp, one("(foo|bar)"), "a baz b", false)
	f(LineMatchRegexp, one("(?i)ERROR"), "an error here", true)
	f(LineMatchRegexp, one("(?i)error"), "AN ERROR HERE", true)
	f(LineMatchRegexp, one("(?i)error"), "AN ERRR HERE", false)
	f(LineMatchRegexp, one("(?i)status"), "STATU\u017f", true) // long s folds to s in Go
	f(LineMatchRegexp, one("(?i)ok"), "o\u212a", true)         // Kelvin sign folds to k
	f(LineMatchRegexp, one("(?i)ok"), "oj", false)
	f(LineMatchRegexp, one("a.b"), "a\nb", true) // Loki documents that . matches newlines in line filters
	f(LineMatchRegexp, one("^foo"), "foo bar", true)
	f(LineMatchRegexp, one("^foo"), "bar foo", false)
	f(LineMatchRegexp, one(""), "x", true)
	f(LineMatchRegexp, one(".+"), "x", true)
	f(LineMatchRegexp, one(".+"), "", false)
	f(LineMatchRegexp, one("(.+)"), "\n", true)
	f(LineMatchNotRegexp, one("a.*b"), "xxaxxbxx", false)
	f(LineMatchNotRegexp, []string{"foo", "ba+r"}, "baaar", false)
	f(LineMatchNotRegexp, []string{"foo", "ba+r"}, "bzr", true)
	// patterns: whole-line match, captures non-empty
	f(LineMatchPattern, one("<_> level=error <_>"), "ts=1 level=error msg=x", true)
	f(LineMatchPattern, one("<_> level=error <_>"), "ts=1 level=info msg=x", false)
	f(LineMatchPattern, one("<_> level=error <_>"), "level=error msg=x", false)
	f(LineMatchPattern, one("<_> bar"), "foo bar baz", false)
	f(LineMatchPattern, one("<_> baz"), "foo bar baz", true)
	f(LineMatchPattern, one("foo <_>"), "foo bar baz", true)
	f(LineMatchPattern, one("bar <_>"), "foo bar baz", false)
	f(LineMatchNotPattern, one("<_> level=error <_>"), "ts=1 level=info msg=x", true)
}

func TestRequiredLiterals(t *testing.T) {
	f := func(flt Filterer, want ...string) {
		t.Helper()
		got := RequiredLiterals(flt)
		if len(got) != len(want) {
			t.Fatalf("RequiredLiterals = %q, want %q", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("RequiredLiterals = %q, want %q", got, want)
			}
		}
	}
	must := func(op LineFilterOp, m ...string) Filterer {
		flt, err := NewLineFilterOr(op, m...)
		if err != nil {
			t.Fatal(err)
		}
		return flt
	}
	f(must(LineMatchEqual, "abc"), "abc")
	f(NewAndFilter(must(LineMatchEqual, "abc"), must(LineMatchNotEqual, "x"), must(LineMatchEqual, "def")), "abc", "def")
	f(must(LineMatchEqual, "a", "b"))
	f(must(LineMatchRegexp, "(?i)abc"))
	f(must(LineMatchRegexp, "GET .* 500"), "GET ", " 500")
	f(must(LineMatchPattern, "<_> level=error <_>"), " level=error ")
}

func TestLineFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		op LineFilterOp
		m  string
	}{
		{LineMatchRegexp, "(a"},
		{LineMatchNotRegexp, "a**"},
		{LineMatchPattern, "<a><b>"},
	} {
		if _, err := NewLineFilter(tc.op, tc.m); err == nil {
			t.Errorf("%s %q: no error", tc.op, tc.m)
		}
	}
}

// FuzzRegexpFilter checks the literal fast paths against the regexp engine.
func FuzzRegexpFilter(f *testing.F) {
	for _, s := range []string{".+", "foo", ".*foo.*", "foo|bar", "(?i)error", "(?i)ok", "(?i)status", "a.*b", "^foo", "(foo)", "", "(?i)k|s"} {
		f.Add(s, "an ERROR with foo and o\u212a and statu\u017f")
	}
	f.Fuzz(func(t *testing.T, re, line string) {
		want, err := regexp.Compile("(?s)" + re)
		if err != nil {
			return
		}
		flt, err := newRegexpFilter(re)
		if err != nil {
			t.Fatalf("regexp %q compiles but the filter does not: %v", re, err)
		}
		if got := flt.Filter([]byte(line)); got != want.MatchString(line) {
			t.Fatalf("filter %q on %q = %v, regexp says %v", re, line, got, !got)
		}
	})
}

func FuzzPatternFilter(f *testing.F) {
	for _, s := range []string{"<_> level=error <_>", "<_> bar", "foo <_>", "a<_>b<_>c"} {
		f.Add(s, "ts=1 level=error msg=x foo bar")
	}
	f.Fuzz(func(t *testing.T, pattern, line string) {
		if flt, err := NewLineFilter(LineMatchPattern, pattern); err == nil {
			_ = flt.Filter([]byte(line))
		}
	})
}
