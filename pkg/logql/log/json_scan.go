package log

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON scanner below works on the raw line without building any tree, so parsing a
// line allocates nothing. Its error texts are the ones Loki reports in __error_details__.
var (
	errJSONMalformedObject = errors.New("Value looks like object, but can't find closing '}' symbol") //nolint:staticcheck // Loki's text
	errJSONMalformed       = errors.New("Malformed JSON error")                                       //nolint:staticcheck // Loki's text
	errJSONMalformedString = errors.New("Value is string, but can't find closing '\"' symbol")        //nolint:staticcheck // Loki's text
	errJSONMalformedArray  = errors.New("Value is array, but can't find closing ']' symbol")          //nolint:staticcheck // Loki's text
	errJSONUnknownValue    = errors.New("Unknown value type")                                         //nolint:staticcheck // Loki's text
	errJSONMalformedValue  = errors.New("Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol")
	errJSONBadEscape       = errors.New("Encountered an invalid escape sequence in a string") //nolint:staticcheck // Loki's text
	errJSONTooDeep         = errors.New("Malformed JSON error: nesting too deep")             //nolint:staticcheck // guards the stack
)

// maxJSONDepth bounds recursion so that hostile input cannot exhaust the stack.
const maxJSONDepth = 1000

type jsonType int

const (
	jsonString jsonType = iota
	jsonNumber
	jsonBool
	jsonNull
	jsonObject
	jsonArray
)

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString scans the string starting at data[i] == '"'. It returns the index after the
// closing quote and whether the content holds escapes. A backslash escapes the byte after it,
// so the closing quote is the first '"' not taken by one. Eight bytes are checked at a time
// for '"' or '\\' (values are mostly short: a call to the vectorised IndexByte per string
// costs more than it saves).
func scanString(data []byte, i int) (int, bool, error) {
	esc := false
	j := i + 1
	for j+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[j:])
		m := zeroBytes(w^(swarOnes*'"')) | zeroBytes(w^(swarOnes*'\\'))
		if m == 0 {
			j += 8
			continue
		}
		// The lowest flagged byte is exact (false positives only follow a true match).
		j += bits.TrailingZeros64(m) / 8
		if data[j] == '"' {
			return j + 1, esc, nil
		}
		esc = true
		j += 2
	}
	for j < len(data) {
		switch data[j] {
		case '"':
			return j + 1, esc, nil
		case '\\':
			esc = true
			j += 2
		default:
			j++
		}
	}
	return 0, false, errJSONMalformedString
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// zeroBytes flags (high bit) the zero bytes of w; the lowest flag is exact.
func zeroBytes(w uint64) uint64 { return (w - swarOnes) &^ w & swarHigh }

// scanValue scans any value starting at data[i] (no leading space) and returns its end and
// type.
func scanValue(data []byte, i, depth int) (int, jsonType, error) {
	if i >= len(data) {
		return 0, 0, errJSONMalformed
	}
	switch c := data[i]; {
	case c == '"':
		end, _, err := scanString(data, i)
		return end, jsonString, err
	case c == '{':
		end, err := skipComposite(data, i, '{', '}', depth)
		return end, jsonObject, err
	case c == '[':
		end, err := skipComposite(data, i, '[', ']', depth)
		return end, jsonArray, err
	case c == 't' || c == 'f' || c == 'n':
		end := scanToken(data, i)
		switch string(data[i:end]) {
		case "true", "false":
			return end, jsonBool, nil
		case "null":
			return end, jsonNull, nil
		}
		return 0, 0, errJSONUnknownValue
	case c == '-' || (c >= '0' && c <= '9'):
		end := scanToken(data, i)
		for _, b := range data[i:end] {
			if !(b >= '0' && b <= '9' || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E') {
				return 0, 0, errJSONMalformedValue
			}
		}
		return end, jsonNumber, nil
	}
	return 0, 0, errJSONUnknownValue
}

func scanToken(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
			return i
		}
		i++
	}
	return i
}

// skipComposite skips an object or array, honouring strings (brackets inside strings do not
// count).
func skipComposite(data []byte, i int, open, closing byte, depth int) (int, error) {
	if depth > maxJSONDepth {
		return 0, errJSONTooDeep
	}
	level := 0
	for j := i; j < len(data); j++ {
		switch data[j] {
		case '"':
			end, _, err := scanString(data, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{', '[':
			level++
			if level > maxJSONDepth {
				return 0, errJSONTooDeep
			}
		case '}', ']':
			level--
			if level == 0 {
				if data[j] != closing {
					break
				}
				return j + 1, nil
			}
		}
	}
	if open == '{' {
		return 0, errJSONMalformedObject
	}
	return 0, errJSONMalformedArray
}

// appendUnescaped appends the decoded content of a JSON string (without quotes) to dst.
func appendUnescaped(dst, s []byte) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(s) {
			return dst, errJSONBadEscape
		}
		switch s[i] {
		case '"', '\\', '/':
			dst = append(dst, s[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n := decodeU(s[i+1:])
			if n == 0 {
				return dst, errJSONBadEscape
			}
			i += n
			if utf16.IsSurrogate(r) {
				if len(s) > i+2 && s[i+1] == '\\' && s[i+2] == 'u' {
					r2, n2 := decodeU(s[i+3:])
					if n2 > 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
							i += 2 + n2
						}
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, errJSONBadEscape
		}
	}
	return dst, nil
}

func decodeU(s []byte) (rune, int) {
	if len(s) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0
		}
	}
	return r, 4
}

// appendSanitized appends key mapped to the label charset: surrounding spaces trimmed, every
// rune outside [a-zA-Z0-9_] replaced by '_'.
func appendSanitized(dst, key []byte) []byte {
	if isCleanKey(key) {
		return append(dst, key...)
	}
	for len(key) > 0 && isSpace(key[0]) {
		key = key[1:]
	}
	for len(key) > 0 && isSpace(key[len(key)-1]) {
		key = key[:len(key)-1]
	}
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
				dst = append(dst, c)
			} else {
				dst = append(dst, '_')
			}
			i++
			continue
		}
		_, n := utf8.DecodeRune(key[i:])
		dst = append(dst, '_')
		i += n
	}
	return dst
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// SanitizeLabelKey maps a parsed key to a valid label name the way parsers do: spaces trimmed,
// invalid characters replaced by '_', and a leading digit prefixed with '_'.
func SanitizeLabelKey(key string) string {
	b := appendSanitized(nil, []byte(key))
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// validUTF8Value reports whether a parsed value is kept as is: Loki replaces invalid UTF-8
// and U+FFFD (Prometheus label values reject them) with spaces, see spaceInvalidUTF8.
func validUTF8Value(v []byte) bool {
	for i := 0; i < len(v); {
		if v[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError {
			return false
		}
		i += n
	}
	return true
}

// isCleanKey reports whether key needs no sanitising (the common case).
func isCleanKey(key []byte) bool {
	for _, c := range key {
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// spaceInvalidUTF8 appends v to dst with every invalid byte and every U+FFFD replaced by a
// space, as Loki's parsers do.
func spaceInvalidUTF8(dst, v []byte) []byte {
	for i := 0; i < len(v); {
		if v[i] < utf8.RuneSelf {
			dst = append(dst, v[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, v[i:i+n]...)
		}
		i += n
	}
	return dst
}
