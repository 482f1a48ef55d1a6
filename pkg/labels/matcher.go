package labels

import (
	"fmt"
	"regexp"
	"strconv"
)

// MatchType is the operator of a Matcher.
type MatchType int

const (
	MatchEqual MatchType = iota
	MatchNotEqual
	MatchRegexp
	MatchNotRegexp
)

func (t MatchType) String() string {
	switch t {
	case MatchEqual:
		return "="
	case MatchNotEqual:
		return "!="
	case MatchRegexp:
		return "=~"
	case MatchNotRegexp:
		return "!~"
	}
	panic(fmt.Sprintf("BUG: unknown match type %d", int(t)))
}

// Matcher tests one label's value. Regexes are RE2 and fully anchored, as in Loki and Prometheus.
// A Matcher is safe for concurrent use.
type Matcher struct {
	Type  MatchType
	Name  string
	Value string

	re *regexp.Regexp
}

// NewMatcher builds a matcher, compiling the regex for the regexp types.
func NewMatcher(t MatchType, name, value string) (*Matcher, error) {
	m := &Matcher{Type: t, Name: name, Value: value}
	if t == MatchRegexp || t == MatchNotRegexp {
		re, err := regexp.Compile("^(?s:" + value + ")$")
		if err != nil {
			return nil, err
		}
		m.re = re
	}
	return m, nil
}

// MustNewMatcher is NewMatcher for constants in code and tests.
func MustNewMatcher(t MatchType, name, value string) *Matcher {
	m, err := NewMatcher(t, name, value)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return m
}

// Matches reports whether v satisfies the matcher.
func (m *Matcher) Matches(v string) bool {
	switch m.Type {
	case MatchEqual:
		return v == m.Value
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp:
		return m.re.MatchString(v)
	case MatchNotRegexp:
		return !m.re.MatchString(v)
	}
	panic(fmt.Sprintf("BUG: unknown match type %d", int(m.Type)))
}

// Regexp returns the compiled anchored regex of a regexp matcher, or nil.
func (m *Matcher) Regexp() *regexp.Regexp { return m.re }

func (m *Matcher) String() string {
	return m.Name + m.Type.String() + strconv.Quote(m.Value)
}

// MatchesLabels reports whether every matcher matches ls (an absent label reads as "").
func MatchesLabels(ms []*Matcher, ls Labels) bool {
	for _, m := range ms {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}
