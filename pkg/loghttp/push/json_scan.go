package push

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// scanner is a minimal JSON reader for the push shapes. It reads from a string that aliases the
// body, so unescaped strings are returned without a copy. It validates what it reads and skips
// unknown keys, which may hold any JSON value.
type scanner struct {
	s     string
	pos   int
	depth int
}

// maxDepth bounds the nesting that skip follows, so that a body of a million '[' is an error
// rather than a stack overflow.
const maxDepth = 256

func (sc *scanner) errorf(format string, args ...any) *Error {
	return badRequest("decode json at offset %d: "+format, append([]any{sc.pos}, args...)...)
}

func (sc *scanner) ws() {
	for sc.pos < len(sc.s) {
		switch sc.s[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (sc *scanner) peek() byte {
	sc.ws()
	if sc.pos >= len(sc.s) {
		return 0
	}
	return sc.s[sc.pos]
}

func (sc *scanner) expect(c byte) error {
	if sc.peek() != c {
		return sc.errorf("expected %q", c)
	}
	sc.pos++
	return nil
}

// null consumes a null literal if one is next.
func (sc *scanner) null() bool {
	if sc.peek() == 'n' && strings.HasPrefix(sc.s[sc.pos:], "null") {
		sc.pos += 4
		return true
	}
	return false
}

// object calls fn for each key of an object; fn must consume the value. null is an empty object.
func (sc *scanner) object(fn func(key string) error) error {
	if sc.null() {
		return nil
	}
	if err := sc.expect('{'); err != nil {
		return err
	}
	if sc.peek() == '}' {
		sc.pos++
		return nil
	}
	for {
		key, err := sc.str()
		if err != nil {
			return err
		}
		if err := sc.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch sc.peek() {
		case ',':
			sc.pos++
		case '}':
			sc.pos++
			return nil
		default:
			return sc.errorf("expected , or }")
		}
	}
}

// array calls fn for each element of an array; fn must consume the element. null is empty.
func (sc *scanner) array(fn func(i int) error) error {
	if sc.null() {
		return nil
	}
	if err := sc.expect('['); err != nil {
		return err
	}
	if sc.peek() == ']' {
		sc.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return err
		}
		switch sc.peek() {
		case ',':
			sc.pos++
		case ']':
			sc.pos++
			return nil
		default:
			return sc.errorf("expected , or ]")
		}
	}
}

// str reads a JSON string. Strings without escapes alias the input.
func (sc *scanner) str() (string, error) {
	if sc.peek() != '"' {
		return "", sc.errorf("expected string")
	}
	start := sc.pos + 1
	i := start
	ascii := true
	for i < len(sc.s) {
		c := sc.s[i]
		if c == '"' {
			v := sc.s[start:i]
			sc.pos = i + 1
			if !ascii && !utf8.ValidString(v) {
				v = strings.ToValidUTF8(v, "\uFFFD")
			}
			return v, nil
		}
		if c == '\\' {
			return sc.strEscaped(start)
		}
		if c < 0x20 {
			sc.pos = i
			return "", sc.errorf("control character in string")
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		i++
	}
	sc.pos = i
	return "", sc.errorf("unterminated string")
}

func (sc *scanner) strEscaped(start int) (string, error) {
	// Size the output from the raw extent of the string so it is allocated once.
	end := start
	for end < len(sc.s) && sc.s[end] != '"' {
		if sc.s[end] == '\\' {
			end++
		}
		end++
	}
	b := make([]byte, 0, min(end, len(sc.s))-start)
	i := start
	for i < len(sc.s) {
		c := sc.s[i]
		switch {
		case c == '"':
			sc.pos = i + 1
			out := unsafe.String(unsafe.SliceData(b), len(b))
			if !utf8.ValidString(out) {
				out = strings.ToValidUTF8(out, "\uFFFD")
			}
			return out, nil
		case c < 0x20:
			sc.pos = i
			return "", sc.errorf("control character in string")
		case c != '\\':
			// Copy the run up to the next quote or backslash in one go.
			j := i + 1
			for j < len(sc.s) && sc.s[j] != '"' && sc.s[j] != '\\' && sc.s[j] >= 0x20 {
				j++
			}
			b = append(b, sc.s[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(sc.s) {
			break
		}
		e := sc.s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, n, ok := hex4(sc.s, i)
			if !ok {
				sc.pos = i
				return "", sc.errorf("invalid \\u escape")
			}
			i = n
			if utf16.IsSurrogate(r) {
				if r2, n2, ok := hex4(sc.s, i+2); ok && strings.HasPrefix(sc.s[i:], `\u`) {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r, i = dec, n2
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			sc.pos = i - 1
			return "", sc.errorf("invalid escape \\%c", e)
		}
	}
	sc.pos = len(sc.s)
	return "", sc.errorf("unterminated string")
}

func hex4(s string, i int) (rune, int, bool) {
	if i+4 > len(s) {
		return 0, i, false
	}
	v, err := strconv.ParseUint(s[i:i+4], 16, 16)
	if err != nil {
		return 0, i, false
	}
	return rune(v), i + 4, true
}

// skip consumes any JSON value.
func (sc *scanner) skip() error {
	sc.depth++
	defer func() { sc.depth-- }()
	if sc.depth > maxDepth {
		return sc.errorf("nesting deeper than %d", maxDepth)
	}
	switch c := sc.peek(); {
	case c == '"':
		_, err := sc.str()
		return err
	case c == '{':
		return sc.object(func(string) error { return sc.skip() })
	case c == '[':
		return sc.array(func(int) error { return sc.skip() })
	case c == 't' && strings.HasPrefix(sc.s[sc.pos:], "true"):
		sc.pos += 4
	case c == 'f' && strings.HasPrefix(sc.s[sc.pos:], "false"):
		sc.pos += 5
	case c == 'n' && sc.null():
	case c == '-' || (c >= '0' && c <= '9'):
		sc.number()
	default:
		return sc.errorf("unexpected character %q", c)
	}
	return nil
}

// number consumes a number's characters (loosely: the push shapes never use numbers, and a
// malformed one is caught by the expect that follows).
func (sc *scanner) number() {
	for sc.pos < len(sc.s) && strings.IndexByte("+-0123456789.eE", sc.s[sc.pos]) >= 0 {
		sc.pos++
	}
}

// end checks that only whitespace remains.
func (sc *scanner) end() error {
	if sc.peek() != 0 {
		return sc.errorf("unexpected trailing data")
	}
	return nil
}
