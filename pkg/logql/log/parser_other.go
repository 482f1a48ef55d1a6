package log

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/skaldlogs/skald/pkg/labels"
)

var errMissingCapture = errors.New("at least one named capture must be supplied")

// regexpParser is `| regexp "(?P<name>re)"`.
type regexpParser struct {
	re    *regexp.Regexp
	names []string // per subexpression; "" for unnamed
	// per stream
	final []string
}

// NewRegexpParser returns `| regexp "re"`: each named group becomes a label (when the regexp
// matches; a line that does not match is kept unchanged).
func NewRegexpParser(re string) (Stage, error) {
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, fmt.Errorf("compile regexp %q: %w", re, err)
	}
	names := r.SubexpNames()
	seen := map[string]bool{}
	named := 0
	for _, n := range names {
		if n == "" {
			continue
		}
		if !labels.IsValidName(n) {
			return nil, fmt.Errorf("invalid extracted label name '%s'", n)
		}
		if seen[n] {
			return nil, fmt.Errorf("duplicate extracted label name '%s'", n)
		}
		seen[n] = true
		named++
	}
	if named == 0 {
		return nil, errMissingCapture
	}
	return &regexpParser{re: r, names: names}, nil
}

func (p *regexpParser) forStream() Stage { return &regexpParser{re: p.re, names: p.names} }

func (p *regexpParser) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if p.final == nil {
		p.final = make([]string, len(p.names))
		for i, n := range p.names {
			if n != "" {
				p.final[i] = parsedName(n, lbs)
			}
		}
	}
	m := p.re.FindSubmatchIndex(line)
	if m == nil {
		return line, true
	}
	for i, n := range p.final {
		if n == "" {
			continue
		}
		var v []byte
		if m[2*i] >= 0 {
			v = line[m[2*i]:m[2*i+1]]
		}
		lbs.Set(ParsedCategory, n, lbs.internValue(v))
	}
	return line, true
}

// patternParser is `| pattern "<ip> - <_> [<ts>]"`.
type patternParser struct {
	p     *compiledPattern
	final []string
	caps  [][]byte
}

// NewPatternParser returns `| pattern "…"`: literals are matched left to right and each
// named capture takes the text up to the next literal.
func NewPatternParser(pattern string) (Stage, error) {
	p, err := compilePattern(pattern, true)
	if err != nil {
		return nil, err
	}
	return &patternParser{p: p}, nil
}

func (s *patternParser) forStream() Stage { return &patternParser{p: s.p} }

func (s *patternParser) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if s.final == nil {
		s.final = make([]string, len(s.p.names))
		for i, n := range s.p.names {
			s.final[i] = parsedName(n, lbs)
		}
		s.caps = make([][]byte, len(s.p.names))
	}
	n := s.p.match(line, s.caps)
	for i := 0; i < n; i++ {
		lbs.Set(ParsedCategory, s.final[i], lbs.internValue(s.caps[i]))
	}
	return line, true
}

// PackedEntryKey is the key under which Promtail's pack stage stores the original line.
const PackedEntryKey = "_entry"

var errUnexpectedJSONObject = errors.New("expecting json object(6), but it is not")

// unpackParser is `| unpack`.
type unpackParser struct {
	lineBuf []byte
	valBuf  []byte
	keyBuf  []byte
	pending []labels.Label
	keys    keyInterner
}

// NewUnpackParser returns `| unpack`, which reverses Promtail's pack stage: the string value of
// `_entry` becomes the line and every other string field a label. Labels are only added when
// the object holds `_entry`.
func NewUnpackParser() Stage { return &unpackParser{} }

func (u *unpackParser) forStream() Stage { return &unpackParser{} }

func (u *unpackParser) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if len(line) == 0 {
		return line, true
	}
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		lbs.SetErr(ErrJSON)
		lbs.SetErrorDetails(errUnexpectedJSONObject.Error())
		return line, true
	}
	u.pending = u.pending[:0]
	u.keys.reset()
	entry, packed, err := u.unpack(line, i, lbs)
	if err != nil {
		lbs.SetErr(ErrJSON)
		lbs.SetErrorDetails(err.Error())
		return line, true
	}
	if !packed {
		return line, true
	}
	for _, l := range u.pending {
		lbs.Set(ParsedCategory, l.Name, l.Value)
	}
	return entry, true
}

func (u *unpackParser) unpack(data []byte, i int, lbs *LabelsBuilder) ([]byte, bool, error) {
	var entry []byte
	packed := false
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) {
			return nil, false, errJSONMalformedObject
		}
		if data[i] == '}' {
			return entry, packed, nil
		}
		if data[i] != '"' {
			return nil, false, errJSONMalformedObject
		}
		kEnd, kEsc, err := scanString(data, i)
		if err != nil {
			return nil, false, err
		}
		key := data[i+1 : kEnd-1]
		if kEsc {
			if u.keyBuf, err = appendUnescaped(u.keyBuf[:0], key); err != nil {
				return nil, false, err
			}
			key = u.keyBuf
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return nil, false, errJSONMalformed
		}
		i = skipWS(data, i+1)
		end, typ, err := scanValue(data, i, 0)
		if err != nil {
			return nil, false, err
		}
		if typ == jsonString {
			raw := data[i+1 : end-1]
			if string(key) == PackedEntryKey {
				if u.lineBuf, err = appendUnescaped(u.lineBuf[:0], raw); err != nil {
					return nil, false, err
				}
				entry, packed = u.lineBuf, true
			} else {
				name := u.keys.get(key, func() string {
					n := string(key)
					if lbs.BaseHas(n) {
						n += duplicateSuffix
					}
					return n
				})
				var v string
				if u.valBuf, err = appendUnescaped(u.valBuf[:0], raw); err == nil {
					if !validUTF8Value(u.valBuf) {
						u.valBuf = spaceInvalidUTF8(nil, u.valBuf)
					}
					v = lbs.internValue(u.valBuf)
				}
				u.pending = append(u.pending, labels.Label{Name: name, Value: v})
			}
		}
		i = skipWS(data, end)
		if i >= len(data) {
			return nil, false, errJSONMalformedObject
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return entry, packed, nil
		default:
			return nil, false, errJSONMalformedObject
		}
	}
}
