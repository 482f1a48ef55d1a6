package syntax

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// validQueries parse, and String renders the given canonical form (or the input when empty).
var validQueries = []struct{ in, want string }{
	{`{app="foo"}`, ``},
	{`{app="foo", env!="dev", pod=~"p-.*", ns!~"kube.*"}`, ``},
	{`{ app = "foo" }`, `{app="foo"}`},
	{"{app=`raw\\d`}", `{app="raw\\d"}`},
	{`{app="foo"} |= "err"`, ``},
	{`{app="foo"} |= "a" or "b" != "c" |~ "x.*y" !~ "(?i)z"`, ``},
	{`{app="foo"} |> "<_> level=error <_>" !> "<_> debug <_>"`, ``},
	{`{app="foo"} |= ip("192.168.0.0/24") != ip("10.0.0.1")`, ``},
	{`{app="foo"} | json`, ``},
	{`{app="foo"} | json a="x.y", b="arr[0]", c`, ``},
	{`{app="foo"} | logfmt`, ``},
	{`{app="foo"} | logfmt --strict --keep-empty a="b", c`, ``},
	{`{app="foo"} | regexp "(?P<ip>\\S+) (?P<m>\\w+)"`, ``},
	{`{app="foo"} | pattern "<ip> - <_> [<ts>]"`, ``},
	{`{app="foo"} | unpack`, ``},
	{`{app="foo"} | decolorize`, ``},
	{`{app="foo"} | line_format "{{.a}} {{__line__}}"`, ``},
	{`{app="foo"} | label_format a=b, c="{{.d}}"`, ``},
	{`{app="foo"} | drop a, b="v", c=~"re.*"`, ``},
	{`{app="foo"} | keep a, b!="v"`, ``},
	{`{app="foo"} | json | status >= 500`, `{app="foo"} | json | status>=500`},
	{`{app="foo"} | logfmt | duration > 10ms`, `{app="foo"} | logfmt | duration>10ms`},
	{`{app="foo"} | logfmt | latency >= 1.5h`, `{app="foo"} | logfmt | latency>=1h30m`},
	{`{app="foo"} | logfmt | size > 20KB`, `{app="foo"} | logfmt | size>20KB`},
	{`{app="foo"} | logfmt | size <= 1.5KiB`, `{app="foo"} | logfmt | size<=1.5KiB`},
	{`{app="foo"} | json | a="1", b!="2"`, `{app="foo"} | json | a="1" and b!="2"`},
	{`{app="foo"} | json | a="1" b="2"`, `{app="foo"} | json | a="1" and b="2"`},
	{`{app="foo"} | json | a="1" or b="2" and c="3"`, `{app="foo"} | json | a="1" or b="2" and c="3"`},
	{`{app="foo"} | json | (a="1" or b="2") and c="3"`, `{app="foo"} | json | (a="1" or b="2") and c="3"`},
	{`{app="foo"} | json | a="1" b="2", c="3" or d=4`, `{app="foo"} | json | a="1" and (b="2" and (c="3" or d==4))`},
	{`{app="foo"} | json | a="1" or b="2", c="3"`, `{app="foo"} | json | a="1" or b="2" and c="3"`},
	{`{app="foo"} | json | a="1" and b="2" or c="3"`, `{app="foo"} | json | a="1" and b="2" or c="3"`},
	{`{app="foo"} | json | a="1" (b="2" or c="3")`, `{app="foo"} | json | a="1" and (b="2" or c="3")`},
	{`{app="foo"} | json | a = 1 | b == -2.5 | c != 3`, `{app="foo"} | json | a==1 | b==-2.5 | c!=3`},
	{`{app="foo"} | json | __error__=""`, ``},
	{`{app="foo"} | logfmt | addr = ip("10.0.0.1-10.0.0.9")`, `{app="foo"} | logfmt | addr=ip("10.0.0.1-10.0.0.9")`},
	{`{app="foo"} | logfmt | addr != ip("::1")`, `{app="foo"} | logfmt | addr!=ip("::1")`},
	{`{app="foo"} | json | duration > 1s | bytes < 10MB`, `{app="foo"} | json | duration>1s | bytes<10MB`},
	{"{app=\"foo\"} # a comment\n |= \"x\"", `{app="foo"} |= "x"`},
	{`count_over_time({app="foo"}[5m])`, `count_over_time({app="foo"} [5m])`},
	{`count_over_time({app="foo"} |= "x" [1h30m])`, `count_over_time({app="foo"} |= "x" [1h30m])`},
	{`rate({app="foo"}[5m] |= "x")`, `rate({app="foo"} |= "x" [5m])`},
	{`rate(({app="foo"} |= "x")[5m])`, `rate({app="foo"} |= "x" [5m])`},
	{`bytes_over_time({app="foo"}[1d] offset 1h)`, `bytes_over_time({app="foo"} [1d] offset 1h)`},
	{`bytes_rate({app="foo"}[30s])`, `bytes_rate({app="foo"} [30s])`},
	{`absent_over_time({app="foo"}[1w])`, `absent_over_time({app="foo"} [1w])`},
	{`sum_over_time({app="foo"} | logfmt | unwrap bytes [5m])`, `sum_over_time({app="foo"} | logfmt | unwrap bytes [5m])`},
	{`avg_over_time({app="foo"} | logfmt | unwrap duration(latency) | __error__="" [5m]) by (host)`, `avg_over_time({app="foo"} | logfmt | unwrap duration(latency) | __error__="" [5m]) by (host)`},
	{`max_over_time({app="foo"} | json | unwrap bytes(size) [5m]) without (pod)`, `max_over_time({app="foo"} | json | unwrap bytes(size) [5m]) without (pod)`},
	{`min_over_time({app="foo"} | json | unwrap duration_seconds(d) [5m])`, `min_over_time({app="foo"} | json | unwrap duration_seconds(d) [5m])`},
	{`quantile_over_time(0.99, {app="foo"} | json | unwrap latency [5m]) by (a, b)`, `quantile_over_time(0.99, {app="foo"} | json | unwrap latency [5m]) by (a, b)`},
	{`stddev_over_time({app="foo"} | json | unwrap x [5m])`, `stddev_over_time({app="foo"} | json | unwrap x [5m])`},
	{`stdvar_over_time({app="foo"} | json | unwrap x [5m] offset 5m)`, `stdvar_over_time({app="foo"} | json | unwrap x [5m] offset 5m)`},
	{`first_over_time({app="foo"} | json | unwrap x [5m])`, `first_over_time({app="foo"} | json | unwrap x [5m])`},
	{`last_over_time({app="foo"} | json | unwrap x [5m])`, `last_over_time({app="foo"} | json | unwrap x [5m])`},
	{`rate_counter({app="foo"} | json | unwrap x [5m])`, `rate_counter({app="foo"} | json | unwrap x [5m])`},
	{`rate({app="foo"} | json | unwrap x [5m])`, `rate({app="foo"} | json | unwrap x [5m])`},
	{`sum(rate({app="foo"}[5m]))`, `sum (rate({app="foo"} [5m]))`},
	{`sum by (level) (count_over_time({app="foo"}[1m]))`, `sum by (level) (count_over_time({app="foo"} [1m]))`},
	{`sum(count_over_time({app="foo"}[1m])) by (level)`, `sum by (level) (count_over_time({app="foo"} [1m]))`},
	{`avg without (pod) (rate({app="foo"}[1m]))`, `avg without (pod) (rate({app="foo"} [1m]))`},
	{`count by () (rate({app="foo"}[1m]))`, `count by () (rate({app="foo"} [1m]))`},
	{`topk(5, rate({app="foo"}[1m]))`, `topk (5, rate({app="foo"} [1m]))`},
	{`bottomk by (a) (2, rate({app="foo"}[1m]))`, `bottomk by (a) (2, rate({app="foo"} [1m]))`},
	{`sort_desc(sum by (a) (rate({app="foo"}[1m])))`, `sort_desc (sum by (a) (rate({app="foo"} [1m])))`},
	{`stddev(rate({app="foo"}[1m]))`, `stddev (rate({app="foo"} [1m]))`},
	{`1`, ``},
	{`-2.5`, ``},
	{`1 + 2 * 3`, `1 + (2 * 3)`},
	{`(1 + 2) * 3`, `(1 + 2) * 3`},
	{`2 ^ 3 ^ 2`, `2 ^ (3 ^ 2)`},
	{`1 == bool 1`, ``},
	{`vector(1)`, ``},
	{`vector(-1) + 2`, ``},
	{`sum(rate({app="foo"}[1m])) / sum(rate({app="bar"}[1m]))`, `sum (rate({app="foo"} [1m])) / sum (rate({app="bar"} [1m]))`},
	{`rate({app="foo"}[1m]) > 10`, `rate({app="foo"} [1m]) > 10`},
	{`rate({app="foo"}[1m]) > bool 10`, `rate({app="foo"} [1m]) > bool 10`},
	{`rate({app="foo"}[1m]) and on (a) rate({app="bar"}[1m])`, `rate({app="foo"} [1m]) and on (a) rate({app="bar"} [1m])`},
	{`rate({app="foo"}[1m]) or rate({app="bar"}[1m])`, `rate({app="foo"} [1m]) or rate({app="bar"} [1m])`},
	{`rate({app="foo"}[1m]) unless ignoring (b) rate({app="bar"}[1m])`, `rate({app="foo"} [1m]) unless ignoring (b) rate({app="bar"} [1m])`},
	{`rate({app="foo"}[1m]) * on (a) group_left (b) rate({app="bar"}[1m])`, `rate({app="foo"} [1m]) * on (a) group_left (b) rate({app="bar"} [1m])`},
	{`rate({app="foo"}[1m]) / ignoring (a) group_right rate({app="bar"}[1m])`, `rate({app="foo"} [1m]) / ignoring (a) group_right () rate({app="bar"} [1m])`},
	{`label_replace(rate({app="foo"}[1m]), "dst", "$1", "src", "(.*)-x")`, `label_replace(rate({app="foo"} [1m]), "dst", "$1", "src", "(.*)-x")`},
	{`sum(count_over_time({app="foo"}[1m])) or vector(0)`, `sum (count_over_time({app="foo"} [1m])) or vector(0)`},
	{`1 + 2 - 3 % 4 / 5`, `(1 + 2) - ((3 % 4) / 5)`},
	{`1 < bool 2 == bool 0`, `(1 < bool 2) == bool 0`},
}

func TestParseRoundTrip(t *testing.T) {
	for _, tc := range validQueries {
		e, err := ParseExpr(tc.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tc.in, err)
			continue
		}
		want := tc.want
		if want == "" {
			want = tc.in
		}
		got := e.String()
		if got != want {
			t.Errorf("ParseExpr(%q).String()\n got %s\nwant %s", tc.in, got, want)
			continue
		}
		again, err := ParseExpr(got)
		if err != nil {
			t.Errorf("reparse %q: %v", got, err)
			continue
		}
		if again.String() != got {
			t.Errorf("round trip of %q: %q", got, again.String())
		}
		if !sameTree(e, again) {
			t.Errorf("round trip of %q changed the tree", got)
		}
	}
}

// sameTree compares two trees by their structure, ignoring compiled regexps.
func sameTree(a, b Expr) bool {
	return reflect.DeepEqual(treeString(a), treeString(b))
}

func treeString(e Expr) string {
	var b strings.Builder
	Walk(e, func(x Expr) {
		b.WriteString(reflect.TypeOf(x).String())
		b.WriteString(":")
		b.WriteString(x.String())
		b.WriteString(";")
	})
	return b.String()
}

func TestParseErrors(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		_, err := ParseExpr(in)
		if err == nil {
			t.Errorf("ParseExpr(%q): no error, want %q", in, want)
			return
		}
		if !IsParseError(err) {
			t.Errorf("ParseExpr(%q): %T is not a parse error", in, err)
		}
		if err.Error() != want {
			t.Errorf("ParseExpr(%q)\n got %s\nwant %s", in, err, want)
		}
	}
	f(`{app="foo"`, `parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,`)
	f(`{app="foo"} |= test`, `parse error at line 1, col 16: syntax error: unexpected IDENTIFIER, expecting STRING or ip`)
	f(`{app=foo}`, `parse error at line 1, col 6: syntax error: unexpected IDENTIFIER, expecting STRING`)
	f(`{foo!="bar"}`, `parse error : `+errEmptyMatchersMsg)
	f(`{app=~".*"}`, `parse error : `+errEmptyMatchersMsg)
	f(`{}`, `parse error : `+errEmptyMatchersMsg)
	f(`count_over_time({app=~".*"}[5m])`, `parse error : `+errEmptyMatchersMsg)
	f(`sum_over_time({app="foo"} | json [5m])`, `parse error : invalid aggregation sum_over_time without unwrap`)
	f(`count_over_time({app="foo"} | json | unwrap x [5m])`, `parse error : invalid aggregation count_over_time with unwrap`)
	f(`count_over_time({app="foo"}[5m]) by (a)`, `parse error : grouping not allowed for count_over_time aggregation`)
	f(`rate({app="foo"})`, `parse error at line 1, col 17: syntax error: unexpected ), expecting RANGE`)
	f(`rate({app="foo"}[5minutes])`, `parse error at line 1, col 17: syntax error: invalid range "5minutes": not a valid duration string`)
	f(`1 > 2`, `parse error : comparisons between scalars must use BOOL modifier`)
	f(`{app="foo"} + 1`, `parse error at line 1, col 13: syntax error: unexpected +, log queries cannot be operands of binary operations`)
	f(`sum({app="foo"})`, `parse error at line 1, col 5: syntax error: unexpected {, sum needs a metric query`)
	f(`topk(0, rate({app="foo"}[1m]))`, `parse error : invalid parameter (must be greater than 0) topk(0`)
	f(`topk(1.5, rate({app="foo"}[1m]))`, `parse error : invalid parameter topk(1.5,`)
	f(`{app="foo"} |~ "("`, "parse error at line 1, col 16: syntax error: invalid regex \"(\": error parsing regexp: missing closing ): `(`")
	f(`{app="foo"} | regexp "(.*)"`, `parse error at line 1, col 22: syntax error: at least one named capture must be supplied`)
	f(`{app="foo"} | json | a > "x"`, `parse error at line 1, col 26: syntax error: unexpected STRING, expecting NUMBER or DURATION or BYTES`)
	f(`{app="foo"} | label_format a=b, a=c`, `parse error at line 1, col 33: syntax error: multiple label name 'a' in label_format`)
	f(`{app="foo"} "x"`, `parse error at line 1, col 13: syntax error: unexpected STRING`)
	f(`{app="foo} `, `parse error at line 1, col 6: literal not terminated`)
	f("{app=\"foo\"}\n |= `x", `parse error at line 2, col 5: literal not terminated`)
	f(`{app="foo"} | unwrap x`, `parse error at line 1, col 15: syntax error: unexpected UNWRAP`)
	f(`rate({app="foo"}[1m]) + on(a) 1`, `parse error : vector matching only allowed between vectors`)
	f(`1 and 2`, `parse error : set operator "and" not allowed in binary scalar expression`)
	f(`label_replace(rate({app="foo"}[1m]), "1x", "", "a", "b")`, `parse error : invalid destination label name in label_replace(): 1x`)
	f(`sum(rate({app="foo"}[1m])) @ 5`, `parse error at line 1, col 28: syntax error: unexpected character: '@'`)
	f(`count_over_time({app="foo"}[5m:1m])`, `parse error at line 1, col 28: syntax error: invalid range "5m:1m": not a valid duration string`)
	f(``, `parse error at line 1, col 1: syntax error: unexpected $end`)
	f(strings.Repeat("(", 300)+"1"+strings.Repeat(")", 300), `parse error at line 1, col 257: syntax error: expression nested too deeply`)
}

func TestParseLogSelector(t *testing.T) {
	sel, err := ParseLogSelector(`{app="foo", env!="dev"} |= "needle" |~ "x" |= "other" | json |= "late"`, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(sel.Matchers()); got != 2 {
		t.Fatalf("matchers: %d", got)
	}
	if got, want := sel.RequiredLiterals(), []string{"needle", "x", "other", "late"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("RequiredLiterals = %q, want %q", got, want)
	}
	sel, err = ParseLogSelector(`{app="foo"} |~ "timeout.*db" |> "<_> level=error <_>" !~ "x" |~ "(?i)abc"`, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"timeout", "db", " level=error "} {
		found := false
		for _, l := range sel.RequiredLiterals() {
			found = found || l == want
		}
		if !found {
			t.Errorf("RequiredLiterals = %q, missing %q", sel.RequiredLiterals(), want)
		}
	}
	sel, err = ParseLogSelector(`{app="foo"} |= "a" or "b" |= "c" | line_format "x" |= "d"`, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sel.RequiredLiterals(), []string{"c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("RequiredLiterals = %q, want %q", got, want)
	}
	if _, err := ParseLogSelector(`{app=~".*"}`, false); err != nil {
		t.Fatalf("unvalidated selector: %v", err)
	}
	if _, err := ParseLogSelector(`{app=~".*"}`, true); err == nil {
		t.Fatal("validated empty-compatible selector: no error")
	}
	if _, err := ParseLogSelector(`rate({app="x"}[1m])`, true); err == nil {
		t.Fatal("metric query as log selector: no error")
	}
}

func TestParseSampleExpr(t *testing.T) {
	se, err := ParseSampleExpr(`count_over_time({app="foo"} |= "x" [5m] offset 1m)`)
	if err != nil {
		t.Fatal(err)
	}
	ra := se.(*RangeAggregationExpr)
	if ra.Left.Interval != 5*time.Minute || ra.Left.Offset != time.Minute {
		t.Fatalf("range %v offset %v", ra.Left.Interval, ra.Left.Offset)
	}
	if se.Selector().String() != `{app="foo"} |= "x"` {
		t.Fatalf("selector %s", se.Selector())
	}
	if _, err := ParseSampleExpr(`sum(count_over_time({app="foo"}[5m]))`); err == nil {
		t.Fatal("vector aggregation as sample expr: no error")
	}
}

func TestUnits(t *testing.T) {
	d := func(in string, want time.Duration) {
		t.Helper()
		got, err := parseDuration(in)
		if err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, err := parseDuration(formatDuration(got)); err != nil || back != got {
			t.Errorf("formatDuration(%v) = %q does not read back", got, formatDuration(got))
		}
	}
	d("5m", 5*time.Minute)
	d("1h30m", 90*time.Minute)
	d("1.5h", 90*time.Minute)
	d("250ms", 250*time.Millisecond)
	d("10us", 10*time.Microsecond)
	d("10µs", 10*time.Microsecond)
	d("3ns", 3)
	d("1d", 24*time.Hour)
	d("2w", 14*24*time.Hour)
	d("1y", 365*24*time.Hour)
	b := func(in string, want uint64) {
		t.Helper()
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	b("20KB", 20000)
	b("1.5KiB", 1536)
	b("3MB", 3000000)
	b("1GiB", 1<<30)
	b("10b", 10)
	b("7B", 7)
	b("2M", 2000000)
}

func TestCompileErrors(t *testing.T) {
	f := func(in, wantPrefix string) {
		t.Helper()
		_, err := ParseExpr(in)
		if err == nil || !IsParseError(err) || !strings.HasPrefix(err.Error(), wantPrefix) {
			t.Errorf("ParseExpr(%q) = %v, want a parse error starting %q", in, err, wantPrefix)
		}
	}
	f(`{app="a"} | line_format "{{ .pod"`, `parse error : stage '| line_format "{{ .pod"' : `)
	f(`count_over_time({app="a"} | label_format x="{{" [5m])`, `parse error : stage '| label_format x="{{"' : `)
	f(`{app="a"} | pattern "<a><b>"`, `parse error : stage '| pattern "<a><b>"' : `)
	f(`{app="a"} |= ip("nope")`, `parse error : stage '|= ip("nope")' : `)
	f(`{app="a"} | x = ip("1.2.3")`, `parse error : stage '| x=ip("1.2.3")' : `)
}
