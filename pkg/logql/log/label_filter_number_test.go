package log

import (
	"math"
	"strconv"
	"testing"
)

var parseFloatCases = []string{"0", "7", "007", "500", "503", "999999999999999", "9999999999999999", "1e3", "-5", "+5", "1.5", "", "abc", "5x", " 5", "0x10", "Inf", "NaN", "1_000"}

func checkParseFloat(t *testing.T, s string) {
	t.Helper()
	got, gerr := parseFloat(s)
	want, werr := strconv.ParseFloat(s, 64)
	if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) ||
		(gerr == nil && got != want && !(math.IsNaN(got) && math.IsNaN(want))) {
		t.Errorf("%q: got %v %v, want %v %v", s, got, gerr, want, werr)
	}
}

func TestParseFloat(t *testing.T) {
	for _, s := range parseFloatCases {
		checkParseFloat(t, s)
	}
}

// FuzzParseFloat holds the integer shortcut to strconv.ParseFloat.
func FuzzParseFloat(f *testing.F) {
	for _, s := range parseFloatCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkParseFloat(t, s) })
}
