package log

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// newRegexpFilter compiles an unanchored line regexp, replacing the common shapes that are
// really substring searches (`foo`, `.*foo.*`, `foo|bar`, `(?i)foo`) with byte scans, which
// are many times faster than the regexp engine. As Loki documents for |~ and !~, `.` matches
// newlines too (the regexp runs in (?s) mode).
func newRegexpFilter(re string) (Filterer, error) {
	compiled, err := regexp.Compile("(?s)" + re)
	if err != nil {
		return nil, fmt.Errorf("compile regexp %q: %w", re, err)
	}
	parsed, err := syntax.Parse(re, syntax.Perl|syntax.DotNL)
	if err != nil {
		return nil, fmt.Errorf("parse regexp %q: %w", re, err)
	}
	if f := simplifyRegexp(parsed.Simplify()); f != nil {
		return f, nil
	}
	f := &regexpFilter{re: compiled, src: re}
	// Literals every match must contain reject most lines before the regexp engine runs.
	for _, l := range regexpRequiredLiterals(re) {
		if len(l) > 0 {
			f.lits = append(f.lits, []byte(l))
		}
	}
	return f, nil
}

// simplifyRegexp returns a filter equivalent to an unanchored match of r, or nil.
func simplifyRegexp(r *syntax.Regexp) Filterer {
	r = stripCaptures(r)
	if r.Op == syntax.OpConcat {
		subs := r.Sub
		// Leading and trailing `.*` do not change an unanchored match.
		for len(subs) > 0 && isDotStar(subs[0]) {
			subs = subs[1:]
		}
		for len(subs) > 0 && isDotStar(subs[len(subs)-1]) {
			subs = subs[:len(subs)-1]
		}
		switch len(subs) {
		case 0:
			return TrueFilter
		case 1:
			r = stripCaptures(subs[0])
		default:
			return nil
		}
	}
	switch r.Op {
	case syntax.OpEmptyMatch:
		return TrueFilter
	case syntax.OpLiteral:
		return literalFilter(r)
	case syntax.OpStar:
		if isDotStar(r) {
			return TrueFilter
		}
	case syntax.OpPlus:
		if r.Sub[0].Op == syntax.OpAnyChar {
			return existsFilter{} // `.+` in (?s) mode: any non-empty line
		}
	case syntax.OpAlternate:
		var fs []Filterer
		for _, s := range r.Sub {
			s = stripCaptures(s)
			if s.Op != syntax.OpLiteral {
				return nil
			}
			f := literalFilter(s)
			if f == nil {
				return nil
			}
			fs = append(fs, f)
		}
		return NewOrFilter(fs...)
	}
	return nil
}

func stripCaptures(r *syntax.Regexp) *syntax.Regexp {
	for r.Op == syntax.OpCapture {
		r = r.Sub[0]
	}
	return r
}

func isDotStar(r *syntax.Regexp) bool {
	r = stripCaptures(r)
	return r.Op == syntax.OpStar && len(r.Sub) == 1 &&
		(r.Sub[0].Op == syntax.OpAnyChar || r.Sub[0].Op == syntax.OpAnyCharNotNL)
}

func literalFilter(r *syntax.Regexp) Filterer {
	s := string(r.Rune)
	if r.Flags&syntax.FoldCase == 0 {
		return newContainsFilter(s)
	}
	for _, c := range r.Rune {
		if c >= utf8.RuneSelf {
			return nil // Unicode case folding: leave it to the regexp engine
		}
	}
	return newFoldFilter(s)
}

// foldFilter is a case-insensitive substring search for an ASCII literal, matching what
// `(?i)lit` matches.
type foldFilter struct {
	lower []byte
	// Go's (?i) folds k with U+212A KELVIN SIGN and s with U+017F LONG S; lines that may hold
	// those go to the regexp engine so that the answer stays exact.
	unicodeRisk bool
	re          *regexp.Regexp
}

func newFoldFilter(lit string) Filterer {
	if lit == "" {
		return TrueFilter
	}
	lower := bytes.ToLower([]byte(lit))
	f := &foldFilter{lower: lower}
	if bytes.ContainsAny(lower, "ks") {
		f.unicodeRisk = true
		f.re = regexp.MustCompile("(?i)" + regexp.QuoteMeta(lit))
	}
	return f
}

func (f *foldFilter) Filter(line []byte) bool {
	if containsFoldASCII(line, f.lower) {
		return true
	}
	if f.unicodeRisk && (bytes.IndexByte(line, 0xe2) >= 0 || bytes.IndexByte(line, 0xc5) >= 0) {
		return f.re.Match(line)
	}
	return false
}

// containsFoldASCII reports whether line contains lower (ASCII, lower-case) ignoring ASCII
// case. Candidate starts are found with the vectorised IndexByte for each case of the first
// byte; each index is reused until passed, so the scan stays linear.
func containsFoldASCII(line, lower []byte) bool {
	n := len(lower)
	if n > len(line) {
		return false
	}
	lo := lower[0]
	up := lo
	if lo >= 'a' && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	nextLo, nextUp := -2, -2 // -2: not searched yet; -1: none left
	for pos := 0; pos+n <= len(line); {
		nextLo = nextIndex(line, lo, pos, nextLo)
		if up != lo {
			nextUp = nextIndex(line, up, pos, nextUp)
		} else {
			nextUp = nextLo
		}
		c := nextLo
		if c < 0 || (nextUp >= 0 && nextUp < c) {
			c = nextUp
		}
		if c < 0 || c+n > len(line) {
			return false
		}
		if equalFoldASCII(line[c+1:c+n], lower[1:]) {
			return true
		}
		pos = c + 1
	}
	return false
}

// nextIndex returns the first index >= pos of c in line, reusing prev when still ahead.
func nextIndex(line []byte, c byte, pos, prev int) int {
	if prev == -1 || prev >= pos {
		return prev
	}
	if i := bytes.IndexByte(line[pos:], c); i >= 0 {
		return pos + i
	}
	return -1
}

func equalFoldASCII(s, lower []byte) bool {
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// regexpRequiredLiterals returns the case-sensitive literals that any match of re contains.
func regexpRequiredLiterals(re string) []string {
	parsed, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil
	}
	var out []string
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpPlus:
			walk(r.Sub[0])
		case syntax.OpLiteral:
			if r.Flags&syntax.FoldCase == 0 {
				out = append(out, string(r.Rune))
			}
		}
	}
	walk(parsed.Simplify())
	return out
}
