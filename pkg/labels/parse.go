package labels

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Parse parses the selector form of a label set, {a="b", c="d"}, as agents send it in a push.
// Only equality pairs are allowed. The result is sorted; duplicate names are an error.
func Parse(s string) (Labels, error) {
	ms, err := ParseMatchers(s)
	if err != nil {
		return nil, err
	}
	out := make(Labels, 0, len(ms))
	for _, m := range ms {
		if m.Type != MatchEqual {
			return nil, fmt.Errorf("unexpected %s in label set, expected =", m.Type)
		}
		out = append(out, Label{m.Name, m.Value})
	}
	sort.Stable(out)
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return nil, fmt.Errorf("duplicate label name: %q", out[i].Name)
		}
	}
	return out, nil
}

// ParseMatchers parses {a="b", c=~"d.*"} into matchers, in the order written. Values are Go or
// backtick-quoted strings. It is a small dedicated parser so that the push path does not need
// the LogQL parser.
func ParseMatchers(s string) ([]*Matcher, error) {
	p := parser{s: s}
	p.skipSpace()
	if !p.consume('{') {
		return nil, p.errorf("expected {")
	}
	var out []*Matcher
	for {
		p.skipSpace()
		if p.consume('}') {
			break
		}
		if len(out) > 0 {
			if !p.consume(',') {
				return nil, p.errorf("expected , or }")
			}
			p.skipSpace()
			if p.consume('}') { // trailing comma, as Prometheus accepts
				break
			}
		}
		name := p.ident()
		if name == "" {
			return nil, p.errorf("expected label name")
		}
		p.skipSpace()
		t, ok := p.op()
		if !ok {
			return nil, p.errorf("expected one of =, !=, =~, !~")
		}
		p.skipSpace()
		val, err := p.quoted()
		if err != nil {
			return nil, err
		}
		m, err := NewMatcher(t, name, val)
		if err != nil {
			return nil, p.errorf("invalid regex %q: %v", val, err)
		}
		out = append(out, m)
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return nil, p.errorf("unexpected trailing text")
	}
	return out, nil
}

type parser struct {
	s   string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("1:%d: parse error: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

func (p *parser) consume(c byte) bool {
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) ident() string {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (p.pos > start && c >= '0' && c <= '9') {
			p.pos++
			continue
		}
		break
	}
	return p.s[start:p.pos]
}

func (p *parser) op() (MatchType, bool) {
	rest := p.s[p.pos:]
	switch {
	case strings.HasPrefix(rest, "=~"):
		p.pos += 2
		return MatchRegexp, true
	case strings.HasPrefix(rest, "!~"):
		p.pos += 2
		return MatchNotRegexp, true
	case strings.HasPrefix(rest, "!="):
		p.pos += 2
		return MatchNotEqual, true
	case strings.HasPrefix(rest, "="):
		p.pos++
		return MatchEqual, true
	}
	return 0, false
}

func (p *parser) quoted() (string, error) {
	if p.pos >= len(p.s) {
		return "", p.errorf("expected quoted string")
	}
	q := p.s[p.pos]
	switch q {
	case '`':
		end := strings.IndexByte(p.s[p.pos+1:], '`')
		if end < 0 {
			return "", p.errorf("unterminated raw string")
		}
		v := p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return v, nil
	case '"':
		i := p.pos + 1
		for i < len(p.s) {
			if p.s[i] == '\\' {
				i += 2
				continue
			}
			if p.s[i] == '"' {
				break
			}
			i++
		}
		if i >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		v, err := strconv.Unquote(p.s[p.pos : i+1])
		if err != nil {
			return "", p.errorf("invalid string %s", p.s[p.pos:i+1])
		}
		p.pos = i + 1
		return v, nil
	}
	return "", p.errorf("expected quoted string")
}
