package loghttp

import (
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/skaldlogs/skald/pkg/labels"
)

// jsonWriter appends JSON to a buffer and hands it to w whenever it grows past flushSize, so
// a response of any size costs one bounded buffer and no reflection. The first write error
// sticks and ends all further writing.
type jsonWriter struct {
	w   io.Writer
	buf []byte
	err error
}

const flushSize = 32 << 10

func (j *jsonWriter) maybeFlush() {
	if len(j.buf) >= flushSize {
		j.flush()
	}
}

func (j *jsonWriter) flush() {
	if j.err == nil && len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
	}
	j.buf = j.buf[:0]
}

func (j *jsonWriter) raw(s string) { j.buf = append(j.buf, s...) }
func (j *jsonWriter) byte(c byte)  { j.buf = append(j.buf, c) }
func (j *jsonWriter) str(s string) { j.buf = appendString(j.buf, s) }
func (j *jsonWriter) int(n int64)  { j.buf = strconv.AppendInt(j.buf, n, 10) }
func (j *jsonWriter) labels(ls labels.Labels) {
	j.buf = appendLabels(j.buf, ls)
}

// appendLabels writes a label set as a JSON object.
func appendLabels(dst []byte, ls labels.Labels) []byte {
	dst = append(dst, '{')
	for i, l := range ls {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, l.Name)
		dst = append(dst, ':')
		dst = appendString(dst, l.Value)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Like encoding/json it replaces invalid UTF-8 with
// U+FFFD and escapes U+2028/U+2029; unlike it, it leaves <, > and & alone (as Loki's encoder
// does), which keeps log lines readable and the encoder fast.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// safeASCII marks the ASCII bytes that go into a JSON string as they are.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
