package log

import (
	"fmt"
	"strconv"

	"github.com/skaldlogs/skald/pkg/labels"
)

// LabelExtractionExpr is one `name="expression"` parameter of `json` or `logfmt`.
type LabelExtractionExpr struct {
	Identifier string // label to set
	Expression string // json: a path like `a.b[0]` or `["x y"].z`; logfmt: a key
}

// jsonPathStep is a key (index < 0) or an array index.
type jsonPathStep struct {
	key   string
	index int
}

// parseJSONPath parses Loki's JSON path syntax: fields separated by '.', `["quoted key"]`
// and `[N]` array indexes, e.g. `pod.deployment.params[0]`, `["field with space"]`.
func parseJSONPath(s string) ([]jsonPathStep, error) {
	var out []jsonPathStep
	i := 0
	expectField := true // at start, or after '.'
	for i < len(s) {
		c := s[i]
		switch {
		case c == '[':
			j := i + 1
			if j < len(s) && s[j] == '"' {
				k := j + 1
				for k < len(s) && s[k] != '"' {
					if s[k] == '\\' {
						k++
					}
					k++
				}
				if k >= len(s) {
					return nil, fmt.Errorf("syntax error: unterminated string at %d", j)
				}
				key, err := strconv.Unquote(s[j : k+1])
				if err != nil {
					return nil, fmt.Errorf("syntax error: invalid string at %d", j)
				}
				if k+1 >= len(s) || s[k+1] != ']' {
					return nil, fmt.Errorf("syntax error: expecting ']' at %d", k+1)
				}
				out = append(out, jsonPathStep{key: key, index: -1})
				i = k + 2
			} else {
				k := j
				for k < len(s) && s[k] >= '0' && s[k] <= '9' {
					k++
				}
				if k == j || k >= len(s) || s[k] != ']' {
					return nil, fmt.Errorf("syntax error: expecting an index or a string and ']' at %d", j)
				}
				n, err := strconv.Atoi(s[j:k])
				if err != nil {
					return nil, fmt.Errorf("syntax error: invalid index at %d", j)
				}
				out = append(out, jsonPathStep{index: n})
				i = k + 1
			}
			expectField = false
		case c == '.':
			if expectField {
				return nil, fmt.Errorf("syntax error: unexpected '.' at %d", i)
			}
			expectField = true
			i++
		case isPathFieldChar(c):
			if !expectField {
				return nil, fmt.Errorf("syntax error: unexpected field at %d", i)
			}
			k := i
			for k < len(s) && isPathFieldChar(s[k]) {
				k++
			}
			out = append(out, jsonPathStep{key: s[i:k], index: -1})
			i = k
			expectField = false
		default:
			return nil, fmt.Errorf("syntax error: unexpected %q at %d", c, i)
		}
	}
	if len(out) == 0 || expectField {
		return nil, fmt.Errorf("syntax error: unexpected end of expression")
	}
	return out, nil
}

func isPathFieldChar(c byte) bool {
	return c == '_' || c == '-' || c == '$' || c == '@' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

// jsonExprParser is `| json a="x.y", b="arr[0]"`.
type jsonExprParser struct {
	ids    []string
	paths  [][]jsonPathStep
	keyBuf []byte
	valBuf []byte
	fixBuf []byte
	names  []string // per stream: ids with "_extracted" applied; nil until first use
}

// NewJSONExpressionParser returns `| json id="path", …`. A path that is missing in a line
// sets the label to ""; an object or array value is kept as its JSON text.
func NewJSONExpressionParser(exprs []LabelExtractionExpr) (Stage, error) {
	p := &jsonExprParser{}
	for _, e := range exprs {
		path, err := parseJSONPath(e.Expression)
		if err != nil {
			return nil, fmt.Errorf("cannot parse expression [%s]: %w", e.Expression, err)
		}
		if !labels.IsValidName(e.Identifier) {
			return nil, fmt.Errorf("invalid extracted label name '%s'", e.Identifier)
		}
		p.ids = append(p.ids, e.Identifier)
		p.paths = append(p.paths, path)
	}
	return p, nil
}

func (p *jsonExprParser) forStream() Stage {
	return &jsonExprParser{ids: p.ids, paths: p.paths}
}

func (p *jsonExprParser) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if len(line) == 0 {
		return line, true
	}
	if p.names == nil {
		p.names = make([]string, len(p.ids))
		for i, id := range p.ids {
			p.names[i] = id
			if lbs.BaseHas(id) {
				p.names[i] = id + duplicateSuffix
			}
		}
	}
	start := skipWS(line, 0)
	if start >= len(line) || (line[start] != '{' && line[start] != '[' && line[start] != '"') {
		lbs.SetErr(ErrJSON)
		return line, true
	}
	for i, path := range p.paths {
		v, typ, found, err := p.lookup(line, start, path)
		if err != nil {
			lbs.SetErr(ErrJSON)
			lbs.SetErrorDetails(err.Error())
			return line, true
		}
		if !found {
			if _, ok := lbs.Get(p.ids[i]); !ok {
				lbs.Set(ParsedCategory, p.ids[i], "")
			}
			continue
		}
		lbs.Set(ParsedCategory, p.names[i], p.value(v, typ, lbs))
	}
	return line, true
}

func (p *jsonExprParser) value(raw []byte, typ jsonType, lbs *LabelsBuilder) string {
	switch typ {
	case jsonNull:
		return ""
	case jsonString:
		var err error
		p.valBuf, err = appendUnescaped(p.valBuf[:0], raw[1:len(raw)-1])
		if err != nil {
			return ""
		}
		if !validUTF8Value(p.valBuf) {
			p.fixBuf = spaceInvalidUTF8(p.fixBuf[:0], p.valBuf)
			return lbs.internValue(p.fixBuf)
		}
		return lbs.internValue(p.valBuf)
	}
	return lbs.internValue(raw)
}

// lookup walks path from the value at data[i] and returns the raw bytes of the value found.
func (p *jsonExprParser) lookup(data []byte, i int, path []jsonPathStep) ([]byte, jsonType, bool, error) {
	for _, step := range path {
		i = skipWS(data, i)
		if i >= len(data) {
			return nil, 0, false, errJSONMalformed
		}
		var err error
		var found bool
		if step.index >= 0 {
			if data[i] != '[' {
				return nil, 0, false, nil
			}
			i, found, err = p.findIndex(data, i, step.index)
		} else {
			if data[i] != '{' {
				return nil, 0, false, nil
			}
			i, found, err = p.findKey(data, i, step.key)
		}
		if err != nil || !found {
			return nil, 0, false, err
		}
	}
	i = skipWS(data, i)
	end, typ, err := scanValue(data, i, 0)
	if err != nil {
		return nil, 0, false, err
	}
	return data[i:end], typ, true, nil
}

// findKey returns the start of the value of key in the object at data[i].
func (p *jsonExprParser) findKey(data []byte, i int, key string) (int, bool, error) {
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) {
			return 0, false, errJSONMalformedObject
		}
		if data[i] == '}' {
			return 0, false, nil
		}
		if data[i] != '"' {
			return 0, false, errJSONMalformedObject
		}
		kEnd, kEsc, err := scanString(data, i)
		if err != nil {
			return 0, false, err
		}
		k := data[i+1 : kEnd-1]
		if kEsc {
			if p.keyBuf, err = appendUnescaped(p.keyBuf[:0], k); err != nil {
				return 0, false, err
			}
			k = p.keyBuf
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, false, errJSONMalformed
		}
		i = skipWS(data, i+1)
		if string(k) == key {
			return i, true, nil
		}
		end, _, err := scanValue(data, i, 0)
		if err != nil {
			return 0, false, err
		}
		i = skipWS(data, end)
		if i < len(data) && data[i] == ',' {
			i++
		}
	}
}

// findIndex returns the start of element n of the array at data[i].
func (p *jsonExprParser) findIndex(data []byte, i, n int) (int, bool, error) {
	i++
	for k := 0; ; k++ {
		i = skipWS(data, i)
		if i >= len(data) {
			return 0, false, errJSONMalformedArray
		}
		if data[i] == ']' {
			return 0, false, nil
		}
		if k == n {
			return i, true, nil
		}
		end, _, err := scanValue(data, i, 0)
		if err != nil {
			return 0, false, err
		}
		i = skipWS(data, end)
		if i < len(data) && data[i] == ',' {
			i++
		}
	}
}
