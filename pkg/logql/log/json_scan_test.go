package log

import (
	"bytes"
	"testing"
)

// scanStringIndexRef is the previous (IndexByte) scanner scanString must agree with: the closing quote
// is the first '"' preceded by an even run of backslashes.
func scanStringIndexRef(data []byte, i int) (int, bool, error) {
	esc := false
	for j := i + 1; ; {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, false, errJSONMalformedString
		}
		q := j + k
		if !esc && bytes.IndexByte(data[j:q], '\\') >= 0 {
			esc = true
		}
		n := 0
		for p := q - 1; p > i && data[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, esc, nil
		}
		j = q + 1
	}
}

var scanStringCases = []string{
	`""`, `"a"`, `"abcdefgh"`, `"abcdefghijklmnopq"`, `"abc`, `"`, `"\"`, `"\\"`, `"\\\"x"`,
	`"abcdefg\"hijklmnop"rest`, `"abcdefgh\\"`, `"\\\\\\\\\\\\\\\\\\"`, `"1234567\`, `"12345678\"`,
	`"a\nb\u00e9c" , "x"`, "\"\xff\xfe\x00\x80\"", `"""`, `"           \"           "`,
}

func TestScanStringWords(t *testing.T) {
	for _, c := range scanStringCases {
		checkScanString(t, c)
	}
}

func checkScanString(t *testing.T, s string) {
	t.Helper()
	data := []byte(s)
	if len(data) == 0 || data[0] != '"' {
		data = append([]byte{'"'}, data...)
	}
	e1, esc1, err1 := scanString(data, 0)
	e2, esc2, err2 := scanStringIndexRef(data, 0)
	if e1 != e2 || esc1 != esc2 || err1 != err2 {
		t.Errorf("%q: got %d %v %v, want %d %v %v", data, e1, esc1, err1, e2, esc2, err2)
	}
}

// FuzzScanStringWords holds the word-at-a-time scanner to the reference scanner.
func FuzzScanStringWords(f *testing.F) {
	for _, c := range scanStringCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) { checkScanString(t, s) })
}
