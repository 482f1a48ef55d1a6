package index

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxLiteralSet bounds how many literal strings a regex may expand to before the lookup falls
// back to testing every value of the label.
const maxLiteralSet = 256

// regexPlan is how a regex matcher is answered from the sorted values of a label: a small set of
// exact strings (direct lookups), or a literal prefix (a range of the sorted values, each then
// tested unless the rest is ".*"), or a plain suffix or substring test of every value, or else
// the regex run on every value.
type regexPlan struct {
	allValues bool     // ".*" or ".+": every value of the label matches
	literals  []string // sorted, unique; valid when isSet
	isSet     bool
	prefix    string
	prefixAll bool   // the regex is prefix followed by ".*": every value in the range matches
	suffix    string // the regex is ".*" + suffix
	contains  string // the regex is ".*" + contains + ".*"
}

// planRegex analyses the body of an anchored matcher regex (Matcher.Value). Flags mirror
// labels.NewMatcher, which compiles "^(?s:" + value + ")$".
func planRegex(expr string) regexPlan {
	re, err := syntax.Parse(expr, syntax.Perl|syntax.DotNL)
	if err != nil {
		return regexPlan{}
	}
	re = re.Simplify()
	if isAnyStar(re) || isAnyPlus(re) {
		return regexPlan{allValues: true} // every stored value is non-empty, so ".+" is ".*" here
	}
	if set, ok := literalSet(re); ok {
		slices.Sort(set)
		return regexPlan{literals: slices.Compact(set), isSet: true}
	}
	prefix, rest := literalPrefix(re)
	if prefix != "" {
		return regexPlan{prefix: prefix, prefixAll: rest != nil && isAnyStar(rest)}
	}
	// ".*foo" and ".*foo.*" (common in Grafana variables) need no regex at all.
	if re.Op == syntax.OpConcat && (len(re.Sub) == 2 || len(re.Sub) == 3) && isAnyStar(re.Sub[0]) {
		lit := re.Sub[1]
		if lit.Op == syntax.OpLiteral && lit.Flags&syntax.FoldCase == 0 {
			if len(re.Sub) == 2 {
				return regexPlan{suffix: string(lit.Rune)}
			}
			if isAnyStar(re.Sub[2]) {
				return regexPlan{contains: string(lit.Rune)}
			}
		}
	}
	return regexPlan{}
}

// literalSet returns every string re matches when that is a small finite set of exact strings.
func literalSet(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpCapture:
		return literalSet(re.Sub[0])
	case syntax.OpCharClass:
		n := 0
		for i := 0; i < len(re.Rune); i += 2 {
			n += int(re.Rune[i+1]-re.Rune[i]) + 1
			if n > 16 {
				return nil, false
			}
		}
		var out []string
		for i := 0; i < len(re.Rune); i += 2 {
			for c := re.Rune[i]; c <= re.Rune[i+1]; c++ {
				out = append(out, string(c))
			}
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			s, ok := literalSet(sub)
			if !ok || len(out)+len(s) > maxLiteralSet {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			s, ok := literalSet(sub)
			if !ok || len(out)*len(s) > maxLiteralSet {
				return nil, false
			}
			next := make([]string, 0, len(out)*len(s))
			for _, a := range out {
				for _, b := range s {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

// literalPrefix returns the literal text every match starts with and the regex after it (nil if
// nothing follows).
func literalPrefix(re *syntax.Regexp) (string, *syntax.Regexp) {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	lit := func(r *syntax.Regexp) (string, bool) {
		if r.Op == syntax.OpLiteral && r.Flags&syntax.FoldCase == 0 {
			return string(r.Rune), true
		}
		return "", false
	}
	if s, ok := lit(re); ok {
		return s, nil
	}
	if re.Op != syntax.OpConcat {
		return "", re
	}
	var b strings.Builder
	i := 0
	for ; i < len(re.Sub); i++ {
		s, ok := lit(re.Sub[i])
		if !ok {
			break
		}
		b.WriteString(s)
	}
	switch len(re.Sub) - i {
	case 0:
		return b.String(), nil
	case 1:
		return b.String(), re.Sub[i]
	}
	return b.String(), &syntax.Regexp{Op: syntax.OpConcat, Sub: re.Sub[i:]}
}

// isAnyPlus reports whether re is ".+" matching newlines too.
func isAnyPlus(re *syntax.Regexp) bool {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return re.Op == syntax.OpPlus && isAnyChar(re.Sub[0])
}

func isAnyChar(re *syntax.Regexp) bool {
	return re.Op == syntax.OpAnyChar ||
		(re.Op == syntax.OpCharClass && len(re.Rune) == 2 && re.Rune[0] == 0 && re.Rune[1] == utf8.MaxRune)
}

// isAnyStar reports whether re is ".*" matching newlines too.
func isAnyStar(re *syntax.Regexp) bool {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return re.Op == syntax.OpStar && isAnyChar(re.Sub[0])
}
