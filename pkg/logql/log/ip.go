package log

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"unsafe"
)

// ipMatcher matches addresses against one ip("...") argument: a single address, a range
// "a-b" or a CIDR prefix, IPv4 or IPv6.
type ipMatcher struct {
	single netip.Addr
	lo, hi netip.Addr
	prefix netip.Prefix
	kind   int // 0 single, 1 range, 2 prefix
}

func newIPMatcher(pattern string) (*ipMatcher, error) {
	p := strings.TrimSpace(pattern)
	switch {
	case strings.Contains(p, "/"):
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("parse ip pattern %q: %w", pattern, err)
		}
		return &ipMatcher{prefix: pr.Masked(), kind: 2}, nil
	case strings.Contains(p, "-"):
		a, b, _ := strings.Cut(p, "-")
		lo, err := netip.ParseAddr(strings.TrimSpace(a))
		if err != nil {
			return nil, fmt.Errorf("parse ip range %q: %w", pattern, err)
		}
		hi, err := netip.ParseAddr(strings.TrimSpace(b))
		if err != nil {
			return nil, fmt.Errorf("parse ip range %q: %w", pattern, err)
		}
		if lo.Is4() != hi.Is4() || hi.Less(lo) {
			return nil, fmt.Errorf("parse ip range %q: invalid range", pattern)
		}
		return &ipMatcher{lo: lo, hi: hi, kind: 1}, nil
	}
	a, err := netip.ParseAddr(p)
	if err != nil {
		return nil, fmt.Errorf("parse ip %q: %w", pattern, err)
	}
	return &ipMatcher{single: a, kind: 0}, nil
}

func (m *ipMatcher) matches(a netip.Addr) bool {
	a = a.Unmap()
	switch m.kind {
	case 0:
		return a == m.single.Unmap()
	case 1:
		return a.Is4() == m.lo.Is4() && !a.Less(m.lo) && !m.hi.Less(a)
	}
	return m.prefix.Contains(a)
}

// matchesBytes parses b as an address and tests it.
func (m *ipMatcher) matchesBytes(b []byte) bool {
	if !plausibleIP(b) {
		return false // saves ParseAddr, whose errors allocate, on times, versions and such
	}
	// ParseAddr does not keep its input in the returned Addr (no zone here), so the string
	// may alias b.
	a, err := netip.ParseAddr(unsafe.String(&b[0], len(b)))
	if err != nil {
		return false
	}
	return m.matches(a)
}

func isIPChar(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':'
}

// ipLineFilter is `|= ip("…")` (or `!= ip("…")`): the line holds an address in the set.
type ipLineFilter struct {
	m *ipMatcher
}

// NewIPLineFilter returns the line filter `|= ip(pattern)`, or `!= ip(pattern)` when negate.
// Every address-like token in the line is tested; "1.2.3.4:80" counts as 1.2.3.4.
func NewIPLineFilter(pattern string, negate bool) (Filterer, error) {
	m, err := newIPMatcher(pattern)
	if err != nil {
		return nil, err
	}
	var f Filterer = &ipLineFilter{m: m}
	if negate {
		f = NewNotFilter(f)
	}
	return f, nil
}

func (f *ipLineFilter) Filter(line []byte) bool {
	for i := 0; i < len(line); {
		if !isIPChar(line[i]) {
			i++
			continue
		}
		j := i
		hasSep := false
		for j < len(line) && isIPChar(line[j]) {
			hasSep = hasSep || line[j] == '.' || line[j] == ':'
			j++
		}
		// a token glued to letters (e.g. "x1.2.3.4") is not an address
		glued := (i > 0 && isWordByte(line[i-1])) || (j < len(line) && isWordByte(line[j]))
		if hasSep && !glued && f.matchToken(line[i:j]) {
			return true
		}
		i = j
	}
	return false
}

func isWordByte(c byte) bool {
	return (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_'
}

func (f *ipLineFilter) matchToken(tok []byte) bool {
	tok = trimIPToken(tok)
	if f.m.matchesBytes(tok) {
		return true
	}
	// IPv4 followed by a port: "10.0.0.1:8080"
	for k, c := range tok {
		if c == ':' {
			return f.m.matchesBytes(trimIPToken(tok[:k]))
		}
		if !(c >= '0' && c <= '9' || c == '.') {
			break
		}
	}
	return false
}

func trimIPToken(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}

// ipLabelFilter is `| name = ip("…")` / `| name != ip("…")`.
type ipLabelFilter struct {
	m      *ipMatcher
	name   string
	negate bool
}

// NewIPLabelFilter returns `| name = ip(pattern)` (op LabelFilterEqual) or `!=`
// (LabelFilterNotEqual). The value is scanned for addresses as a line is ("10.0.0.1:80"
// matches 10.0.0.1). An absent label never matches; an entry with an error passes, as with
// the other non-string filters.
func NewIPLabelFilter(pattern, name string, op LabelFilterOp) (Stage, error) {
	if op != LabelFilterEqual && op != LabelFilterNotEqual {
		return nil, fmt.Errorf("ip label filter: only = and != are supported, got %s", op)
	}
	m, err := newIPMatcher(pattern)
	if err != nil {
		return nil, err
	}
	return &ipLabelFilter{m: m, name: name, negate: op == LabelFilterNotEqual}, nil
}

func (f *ipLabelFilter) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if lbs.HasErr() {
		return line, true
	}
	v, ok := lbs.Get(f.name)
	if !ok {
		return line, false
	}
	lf := ipLineFilter{m: f.m}
	match := lf.Filter(unsafe.Slice(unsafe.StringData(v), len(v)))
	return line, match != f.negate
}

// plausibleIP is a cheap shape check run before netip.ParseAddr: dotted quads of 1-3 digits,
// or colon groups of at most 4 hex digits (eight of them, or fewer with "::"), optionally
// ending in a dotted quad.
func plausibleIP(b []byte) bool {
	if len(b) < 2 || len(b) > 45 {
		return false
	}
	colons := bytes.Count(b, []byte{':'})
	if colons == 0 {
		return plausibleIPv4(b)
	}
	if colons < 2 {
		return false
	}
	// the part after the last colon may be a dotted quad ("::ffff:1.2.3.4")
	lastColon := bytes.LastIndexByte(b, ':')
	head, last := b[:lastColon+1], b[lastColon+1:]
	hasV4 := bytes.IndexByte(last, '.') >= 0
	if hasV4 {
		if !plausibleIPv4(last) {
			return false
		}
		head = head[:len(head)-1]
	} else {
		head = b
	}
	groups, n := 1, 0
	for _, c := range head {
		switch {
		case c == ':':
			groups++
			n = 0
		case (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
			n++
			if n > 4 {
				return false
			}
		default:
			return false
		}
	}
	if bytes.Contains(b, []byte("::")) {
		return true
	}
	if hasV4 {
		return groups == 6
	}
	return groups == 8
}

func plausibleIPv4(b []byte) bool {
	parts, digits := 1, 0
	for _, c := range b {
		switch {
		case c == '.':
			if digits == 0 {
				return false
			}
			parts++
			digits = 0
		case c >= '0' && c <= '9':
			digits++
			if digits > 3 {
				return false
			}
		default:
			return false
		}
	}
	return parts == 4 && digits > 0
}
