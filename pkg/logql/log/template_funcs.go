package log

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// templateFuncs returns the functions Loki documents for line_format and label_format
// (template_functions.md), minus __line__ and __timestamp__ which are bound per stream.
func templateFuncs() template.FuncMap {
	rc := &regexpCache{m: map[string]*regexp.Regexp{}}
	return template.FuncMap{
		// Go strings functions under their Go names
		"ToLower":    strings.ToLower,
		"ToUpper":    strings.ToUpper,
		"Replace":    boundedReplace,
		"Trim":       strings.Trim,
		"TrimLeft":   strings.TrimLeft,
		"TrimRight":  strings.TrimRight,
		"TrimPrefix": strings.TrimPrefix,
		"TrimSuffix": strings.TrimSuffix,
		"TrimSpace":  strings.TrimSpace,
		// Sprig-style string functions (argument order: the string comes last, for pipes)
		"lower":     strings.ToLower,
		"upper":     strings.ToUpper,
		"title":     titleCase,
		"trunc":     trunc,
		"substr":    substr,
		"contains":  func(sub, s string) bool { return strings.Contains(s, sub) },
		"hasPrefix": func(p, s string) bool { return strings.HasPrefix(s, p) },
		"hasSuffix": func(p, s string) bool { return strings.HasSuffix(s, p) },
		"indent":    indent,
		"nindent": func(n int, s string) (string, error) {
			out, err := indent(n, s)
			return "\n" + out, err
		},
		"replace": func(old, new, s string) (string, error) { return boundedReplace(s, old, new, -1) },
		"repeat": func(n int, s string) (string, error) {
			if err := checkSize(n, len(s)); err != nil {
				return "", err
			}
			return strings.Repeat(s, max(n, 0)), nil
		},
		"trim":       strings.TrimSpace,
		"trimAll":    func(cut, s string) string { return strings.Trim(s, cut) },
		"trimPrefix": func(p, s string) string { return strings.TrimPrefix(s, p) },
		"trimSuffix": func(p, s string) string { return strings.TrimSuffix(s, p) },
		"alignLeft":  alignLeft,
		"alignRight": alignRight,
		"regexReplaceAll": func(re, s, repl string) (string, error) {
			r, err := rc.get(re)
			if err != nil {
				return "", err
			}
			return checkOutput(r.ReplaceAllString(s, repl))
		},
		"regexReplaceAllLiteral": func(re, s, repl string) (string, error) {
			r, err := rc.get(re)
			if err != nil {
				return "", err
			}
			return checkOutput(r.ReplaceAllLiteralString(s, repl))
		},
		"count": func(re, s string) (int, error) {
			r, err := rc.get(re)
			if err != nil {
				return 0, err
			}
			return len(r.FindAllStringIndex(s, -1)), nil
		},
		"urlencode": url.QueryEscape,
		"urldecode": url.QueryUnescape,
		"b64enc":    func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		"b64dec": func(s string) string {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return err.Error()
			}
			return string(b)
		},
		"sha256": func(s string) string {
			h := sha256.Sum256([]byte(s))
			return hex.EncodeToString(h[:])
		},
		"fromJson": func(s string) any {
			var out any
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				return ""
			}
			return out
		},
		"default": defaultValue,
		// conversions and math
		"int":     func(v any) int { return int(toInt64(v)) },
		"float64": toFloat64,
		"add":     addInt,
		"sub":     func(a, b any) int64 { return toInt64(a) - toInt64(b) },
		"mul":     mulInt,
		"div":     divInt,
		"mod":     modInt,
		"addf":    addFloat,
		"subf":    subFloat,
		"mulf":    mulFloat,
		"divf":    divFloat,
		"max":     maxInt,
		"min":     minInt,
		"maxf":    maxFloat,
		"minf":    minFloat,
		"ceil":    func(a any) float64 { return math.Ceil(toFloat64(a)) },
		"floor":   func(a any) float64 { return math.Floor(toFloat64(a)) },
		"round":   round,
		// sizes and durations
		"bytes":            func(s string) (uint64, error) { return ParseBytes(s) },
		"duration":         durationSeconds, // documented as an alias of duration_seconds
		"duration_seconds": durationSeconds,
		// dates
		"date":            formatDate,
		"toDate":          func(layout, s string) (time.Time, error) { return time.ParseInLocation(layout, s, time.Local) },
		"toDateInZone":    toDateInZone,
		"now":             time.Now,
		"unixEpoch":       func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) },
		"unixEpochMillis": func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) },
		"unixEpochNanos":  func(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) },
		"unixToTime":      unixToTime,
	}
}

// maxTemplateOutput bounds what one function may build, so that a query such as
// {{ repeat 1000000000000 "x" }} fails with TemplateFormatErr instead of exhausting memory.
const maxTemplateOutput = 1 << 20

var errTemplateOutputTooLarge = errors.New("result exceeds 1MiB")

func checkSize(n, unit int) error {
	if n > 0 && unit > 0 && n > maxTemplateOutput/unit {
		return errTemplateOutputTooLarge
	}
	if n > maxTemplateOutput {
		return errTemplateOutputTooLarge
	}
	return nil
}

func checkOutput(s string) (string, error) {
	if len(s) > maxTemplateOutput {
		return "", errTemplateOutputTooLarge
	}
	return s, nil
}

// boundedReplace is strings.Replace that refuses to build more than maxTemplateOutput bytes.
func boundedReplace(s, old, new string, n int) (string, error) {
	if len(new) > len(old) {
		count := strings.Count(s, old)
		if n >= 0 && n < count {
			count = n
		}
		if len(s)+count*(len(new)-len(old)) > max(maxTemplateOutput, len(s)) {
			return "", errTemplateOutputTooLarge
		}
	}
	return strings.Replace(s, old, new, n), nil
}

// regexpCache keeps the regexps of regexReplaceAll/count compiled across entries; templates
// of all streams share it.
type regexpCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

func (c *regexpCache) get(re string) (*regexp.Regexp, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[re]; ok {
		return r, nil
	}
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, err
	}
	if len(c.m) < 64 {
		c.m[re] = r
	}
	return r, nil
}

func titleCase(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		defer func() { prev = r }()
		if unicode.IsSpace(prev) || prev == '-' || prev == '_' {
			return unicode.ToTitle(r)
		}
		return r
	}, s)
}

func trunc(c int, s string) string {
	switch {
	case c < 0 && len(s)+c > 0:
		return s[len(s)+c:]
	case c >= 0 && len(s) > c:
		return s[:c]
	}
	return s
}

func substr(start, end int, s string) string {
	if start < 0 {
		start = 0
	}
	if start > len(s) {
		return ""
	}
	if end < 0 || end > len(s) {
		return s[start:]
	}
	if end < start {
		return ""
	}
	return s[start:end]
}

func indent(n int, s string) (string, error) {
	if err := checkSize(n, strings.Count(s, "\n")+1); err != nil {
		return "", err
	}
	pad := strings.Repeat(" ", max(n, 0))
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad), nil
}

func alignLeft(n int, s string) (string, error) {
	if err := checkSize(n, 1); err != nil {
		return "", err
	}
	l := utf8.RuneCountInString(s)
	if n < 0 || n == l {
		return s, nil
	}
	if n > l {
		return s + strings.Repeat(" ", n-l), nil
	}
	return string([]rune(s)[:n]), nil
}

func alignRight(n int, s string) (string, error) {
	if err := checkSize(n, 1); err != nil {
		return "", err
	}
	l := utf8.RuneCountInString(s)
	if n < 0 || n == l {
		return s, nil
	}
	if n > l {
		return strings.Repeat(" ", n-l) + s, nil
	}
	return string([]rune(s)[l-n:]), nil
}

// defaultValue is `default d v`: v unless it is empty (zero, "", nil).
func defaultValue(d any, given ...any) any {
	if len(given) == 0 || isEmptyValue(given[0]) {
		return d
	}
	return given[0]
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case int:
		return x == 0
	case int64:
		return x == 0
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return int64(x)
	case float64:
		return int64(x)
	case bool:
		if x {
			return 1
		}
		return 0
	case string:
		s := strings.TrimSpace(x)
		// "12.0" converts, "12.5" does not (as in Sprig's cast)
		if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
			s = s[:i]
		}
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0
		}
		return n
	case time.Duration:
		return int64(x)
	}
	return 0
}

func toFloat64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0
		}
		return f
	case time.Duration:
		return float64(x)
	}
	return float64(toInt64(v))
}

func durationSeconds(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	return d.Seconds(), err
}

func addInt(vs ...any) int64 {
	var sum int64
	for _, v := range vs {
		sum += toInt64(v)
	}
	return sum
}

func addFloat(vs ...any) float64 {
	var sum float64
	for _, v := range vs {
		sum += toFloat64(v)
	}
	return sum
}

func subFloat(a any, vs ...any) float64 {
	r := toFloat64(a)
	for _, v := range vs {
		r -= toFloat64(v)
	}
	return r
}

func divFloat(a any, vs ...any) float64 {
	r := toFloat64(a)
	for _, v := range vs {
		r /= toFloat64(v)
	}
	return r
}

func mulInt(a any, rest ...any) int64 {
	p := toInt64(a)
	for _, r := range rest {
		p *= toInt64(r)
	}
	return p
}

func mulFloat(a any, rest ...any) float64 {
	p := toFloat64(a)
	for _, r := range rest {
		p *= toFloat64(r)
	}
	return p
}

var errDivByZero = errors.New("integer divide by zero")

func divInt(a, b any) (int64, error) {
	d := toInt64(b)
	if d == 0 {
		return 0, errDivByZero
	}
	return toInt64(a) / d, nil
}

func modInt(a, b any) (int64, error) {
	d := toInt64(b)
	if d == 0 {
		return 0, errDivByZero
	}
	return toInt64(a) % d, nil
}

func maxInt(a any, rest ...any) int64 {
	m := toInt64(a)
	for _, r := range rest {
		m = max(m, toInt64(r))
	}
	return m
}

func minInt(a any, rest ...any) int64 {
	m := toInt64(a)
	for _, r := range rest {
		m = min(m, toInt64(r))
	}
	return m
}

func maxFloat(a any, rest ...any) float64 {
	m := toFloat64(a)
	for _, r := range rest {
		m = math.Max(m, toFloat64(r))
	}
	return m
}

func minFloat(a any, rest ...any) float64 {
	m := toFloat64(a)
	for _, r := range rest {
		m = math.Min(m, toFloat64(r))
	}
	return m
}

// round is `round v precision [roundOn]`, rounding half up at roundOn (default .5).
func round(a any, p int, rOpt ...float64) float64 {
	roundOn := .5
	if len(rOpt) > 0 {
		roundOn = rOpt[0]
	}
	val := toFloat64(a)
	pow := math.Pow(10, float64(p))
	digit := pow * val
	_, div := math.Modf(digit)
	if div >= roundOn {
		return math.Ceil(digit) / pow
	}
	return math.Floor(digit) / pow
}

func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case *time.Time:
		if x == nil {
			return time.Time{}, false
		}
		return *x, true
	case int64:
		return time.Unix(x, 0), true
	case int:
		return time.Unix(int64(x), 0), true
	case int32:
		return time.Unix(int64(x), 0), true
	}
	return time.Time{}, false
}

// formatDate is `date layout t` in the local zone; t is a time or Unix seconds.
func formatDate(layout string, v any) string {
	t, ok := toTime(v)
	if !ok {
		t = time.Now()
	}
	return t.In(time.Local).Format(layout)
}

func toDateInZone(layout, zone, s string) (time.Time, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation(layout, s, loc)
}

// unixToTime converts an epoch in days, seconds, milliseconds, microseconds or nanoseconds
// (told apart by the number of digits) to a time.
func unixToTime(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("unable to convert %q to a time: %w", s, err)
	}
	switch len(strings.TrimPrefix(s, "-")) {
	case 5:
		return time.Unix(n*86400, 0), nil
	case 10:
		return time.Unix(n, 0), nil
	case 13:
		return time.UnixMilli(n), nil
	case 16:
		return time.UnixMicro(n), nil
	case 19:
		return time.Unix(0, n), nil
	}
	return time.Time{}, fmt.Errorf("unable to convert %q to a time: unknown epoch precision", s)
}
