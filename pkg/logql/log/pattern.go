package log

import (
	"bytes"
	"errors"
	"fmt"
)

// Errors of pattern compilation, worded as Loki words them.
var (
	errPatternNoCapture = errors.New("at least one capture is required")
	errPatternInvalid   = errors.New("invalid expression")
)

// patternNode is a literal or a capture (name "_" for the unnamed <_>).
type patternNode struct {
	lit     []byte
	capture string
}

func (n patternNode) isCapture() bool { return n.lit == nil }

// compiledPattern is a parsed `pattern` expression: alternating literals and captures.
type compiledPattern struct {
	nodes []patternNode
	names []string // named captures in order
}

// compilePattern parses a pattern. The parser needs at least one named capture; a line
// filter (forFilter=false) only needs a valid shape.
func compilePattern(s string, forParser bool) (*compiledPattern, error) {
	p := &compiledPattern{}
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			p.nodes = append(p.nodes, patternNode{lit: lit})
			lit = nil
		}
	}
	for i := 0; i < len(s); {
		if s[i] == '<' {
			if name, n := scanCapture(s[i:]); n > 0 {
				flush()
				if len(p.nodes) > 0 && p.nodes[len(p.nodes)-1].isCapture() {
					return nil, fmt.Errorf("compile pattern %q: consecutive captures: %w", s, errPatternInvalid)
				}
				p.nodes = append(p.nodes, patternNode{capture: name})
				if name != "_" {
					for _, o := range p.names {
						if o == name {
							return nil, fmt.Errorf("compile pattern %q: duplicate capture name (%s): %w", s, name, errPatternInvalid)
						}
					}
					p.names = append(p.names, name)
				}
				i += n
				continue
			}
		}
		lit = append(lit, s[i])
		i++
	}
	flush()
	if forParser && len(p.names) == 0 {
		return nil, fmt.Errorf("compile pattern %q: %w", s, errPatternNoCapture)
	}
	return p, nil
}

// scanCapture recognises `<name>` or `<_>` at the start of s and returns the name and the
// length consumed (0 when s does not start with a capture).
func scanCapture(s string) (string, int) {
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '>':
			if i == 1 {
				return "", 0
			}
			return s[1:i], i + 1
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 1 && c >= '0' && c <= '9'):
		default:
			return "", 0
		}
	}
	return "", 0
}

// literals returns the literal parts, which every line the pattern matches contains.
func (p *compiledPattern) literals() []string {
	var out []string
	for _, n := range p.nodes {
		if !n.isCapture() {
			out = append(out, string(n.lit))
		}
	}
	return out
}

// test reports whether line matches the whole pattern: a leading literal must start the line,
// a trailing literal must end it, literals are found left to right at their first occurrence,
// and captures are never empty.
func (p *compiledPattern) test(line []byte) bool {
	if len(line) == 0 || len(p.nodes) == 0 {
		return len(line) == 0 && len(p.nodes) == 0
	}
	off := 0
	for i, n := range p.nodes {
		if n.isCapture() {
			continue
		}
		j := bytes.Index(line[off:], n.lit)
		if j < 0 || (i == 0 && j != 0) || (i != 0 && j == 0) {
			return false
		}
		off += j + len(n.lit)
	}
	endsInCapture := p.nodes[len(p.nodes)-1].isCapture()
	return endsInCapture == (off != len(line))
}

// match extracts the named captures into dst (one entry per name, in order) with Loki's
// lenient rules: a leading literal must start the line; a capture extends to the first
// occurrence of the next literal, or to the end of the line when that literal is missing
// (matching stops there); a trailing capture takes the rest. It returns how many captures
// were filled, or -1 when the line does not start with the leading literal.
func (p *compiledPattern) match(line []byte, dst [][]byte) int {
	if len(line) == 0 || len(p.nodes) == 0 {
		return -1
	}
	nodes := p.nodes
	if !nodes[0].isCapture() {
		if !bytes.HasPrefix(line, nodes[0].lit) {
			return -1
		}
		line = line[len(nodes[0].lit):]
		nodes = nodes[1:]
	}
	k := 0
	for len(nodes) > 0 {
		c := nodes[0]
		if len(nodes) == 1 {
			if c.capture != "_" {
				dst[k] = line
				k++
			}
			return k
		}
		lit := nodes[1].lit
		nodes = nodes[2:]
		i := bytes.Index(line, lit)
		if i < 0 {
			if c.capture != "_" {
				dst[k] = line
				k++
			}
			return k
		}
		if c.capture != "_" {
			dst[k] = line[:i]
			k++
		}
		line = line[i+len(lit):]
	}
	return k
}

type patternFilter struct{ p *compiledPattern }

func (f *patternFilter) Filter(line []byte) bool { return f.p.test(line) }
