package log

import (
	"net/netip"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestLabelFilters(t *testing.T) {
	num := func(op LabelFilterOp, n string, v float64) Stage { return NewNumericLabelFilter(op, n, v) }
	dur := func(op LabelFilterOp, n string, d time.Duration) Stage { return NewDurationLabelFilter(op, n, d) }
	byt := func(op LabelFilterOp, n string, b uint64) Stage { return NewBytesLabelFilter(op, n, b) }
	str := func(typ labels.MatchType, n, v string) Stage { return NewStringLabelFilter(mustMatcher(t, typ, n, v)) }
	ip := func(op LabelFilterOp, n, p string) Stage { return mustStage(NewIPLabelFilter(p, n, op)) }
	for _, tc := range []struct {
		name   string
		filter Stage
		line   string
		keep   bool
		want   string
	}{
		{"num >= keep", num(LabelFilterGreaterThanOrEqual, "status", 500), `status=500`, true, `{status="500"}`},
		{"num >= drop", num(LabelFilterGreaterThanOrEqual, "status", 500), `status=404`, false, ``},
		{"num > float", num(LabelFilterGreaterThan, "v", 1.5), `v=1.6`, true, `{v="1.6"}`},
		{"num ==", num(LabelFilterEqual, "v", 2), `v=2.0`, true, `{v="2.0"}`},
		{"num !=", num(LabelFilterNotEqual, "v", 2), `v=2.0`, false, ``},
		{"num <", num(LabelFilterLesserThan, "v", 2), `v=1`, true, `{v="1"}`},
		{"num <=", num(LabelFilterLesserThanOrEqual, "v", 2), `v=3`, false, ``},
		{"num missing label drops", num(LabelFilterGreaterThan, "nope", 1), `v=3`, false, ``},
		{"num conversion error", num(LabelFilterGreaterThan, "v", 1), `v=abc`, true,
			`{__error__="LabelFilterErr", __error_details__="strconv.ParseFloat: parsing \"abc\": invalid syntax", v="abc"}`},
		{"duration keep", dur(LabelFilterGreaterThan, "d", 10*time.Millisecond), `d=15ms`, true, `{d="15ms"}`},
		{"duration drop", dur(LabelFilterGreaterThan, "d", 10*time.Millisecond), `d=1.5us`, false, ``},
		{"duration hours", dur(LabelFilterGreaterThanOrEqual, "d", 90*time.Minute), `d=1.5h`, true, `{d="1.5h"}`},
		{"duration error", dur(LabelFilterGreaterThan, "d", time.Second), `d=fast`, true,
			`{__error__="LabelFilterErr", __error_details__="time: invalid duration \"fast\"", d="fast"}`},
		{"bytes keep", byt(LabelFilterGreaterThan, "s", 1000), `s=1.5KiB`, true, `{s="1.5KiB"}`},
		{"bytes drop", byt(LabelFilterGreaterThan, "s", 20000), `s=20KB`, false, ``},
		{"bytes equal", byt(LabelFilterEqual, "s", 20000), `s=20KB`, true, `{s="20KB"}`},
		{"bytes plain", byt(LabelFilterLesserThan, "s", 2048), `s=1024`, true, `{s="1024"}`},
		{"string =", str(labels.MatchEqual, "level", "error"), `level=error`, true, `{level="error"}`},
		{"string = missing is empty", str(labels.MatchEqual, "level", ""), `a=1`, true, `{a="1"}`},
		{"string !~", str(labels.MatchNotRegexp, "level", "err.*"), `level=error`, false, ``},
		{"and", NewAndLabelFilter(num(LabelFilterGreaterThan, "a", 1), str(labels.MatchEqual, "b", "x")), `a=2 b=x`, true, `{a="2", b="x"}`},
		{"and drop", NewAndLabelFilter(num(LabelFilterGreaterThan, "a", 1), str(labels.MatchEqual, "b", "x")), `a=2 b=y`, false, ``},
		{"or", NewOrLabelFilter(num(LabelFilterGreaterThan, "a", 5), str(labels.MatchEqual, "b", "x")), `a=2 b=x`, true, `{a="2", b="x"}`},
		{"or drop", NewOrLabelFilter(num(LabelFilterGreaterThan, "a", 5), str(labels.MatchEqual, "b", "x")), `a=2 b=y`, false, ``},
		// a or (b and c): built by the parser with `and` binding tighter
		{"precedence", NewOrLabelFilter(str(labels.MatchEqual, "a", "1"), NewAndLabelFilter(str(labels.MatchEqual, "b", "1"), str(labels.MatchEqual, "c", "1"))), `a=0 b=1 c=1`, true, `{a="0", b="1", c="1"}`},
		{"ip label =", ip(LabelFilterEqual, "addr", "10.0.0.0/8"), `addr=10.1.2.3`, true, `{addr="10.1.2.3"}`},
		{"ip label = miss", ip(LabelFilterEqual, "addr", "10.0.0.0/8"), `addr=11.1.2.3`, false, ``},
		{"ip label != range", ip(LabelFilterNotEqual, "addr", "192.168.0.1-192.168.0.9"), `addr=192.168.0.10`, true, `{addr="192.168.0.10"}`},
		{"ip label v6", ip(LabelFilterEqual, "addr", "2001:db8::/32"), `addr=2001:db8::1`, true, `{addr="2001:db8::1"}`},
		{"ip label not an ip", ip(LabelFilterEqual, "addr", "10.0.0.1"), `addr=foo`, false, ``},
		{"ip label with port", ip(LabelFilterEqual, "addr", "10.0.0.1"), `addr=10.0.0.1:8080`, true, `{addr="10.0.0.1:8080"}`},
		{"ip label missing", ip(LabelFilterNotEqual, "addr", "10.0.0.1"), `x=1`, false, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, keep := runOne(t, []Stage{NewLogfmtParser(false, false), tc.filter}, `{}`, tc.line)
			if keep != tc.keep {
				t.Fatalf("keep = %v, want %v", keep, tc.keep)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestErrorLabelSemantics(t *testing.T) {
	noErr := NewStringLabelFilter(mustMatcher(t, labels.MatchEqual, ErrorLabel, ""))
	// `| json | __error__=""` drops lines that are not JSON
	if _, _, keep := runOne(t, []Stage{NewJSONParser(), noErr}, `{}`, `not json`); keep {
		t.Error("__error__=\"\" kept a line with a JSON error")
	}
	if _, _, keep := runOne(t, []Stage{NewJSONParser(), noErr}, `{}`, `{"a":1}`); !keep {
		t.Error("__error__=\"\" dropped a good line")
	}
	// numeric filters let errored lines through: only string matchers decide on them
	num := NewNumericLabelFilter(LabelFilterGreaterThan, "status", 500)
	if _, got, keep := runOne(t, []Stage{NewJSONParser(), num}, `{}`, `not json`); !keep || got == "{}" {
		t.Errorf("numeric filter on an errored line: keep=%v labels=%s", keep, got)
	}
	ipf := mustStage(NewIPLabelFilter("10.0.0.0/8", "addr", LabelFilterEqual))
	if _, _, keep := runOne(t, []Stage{NewJSONParser(), ipf}, `{}`, `not json`); !keep {
		t.Error("ip label filter dropped an errored line")
	}
	// dropping __error__ clears it
	drop := NewDropLabels([]LabelMatch{{Name: ErrorLabel}, {Name: ErrorDetailsLabel}})
	if _, got, _ := runOne(t, []Stage{NewJSONParser(), drop}, `{a="b"}`, `not json`); got != `{a="b"}` {
		t.Errorf("drop __error__: %s", got)
	}
	// structured metadata is visible to filters
	sp := NewPipeline([]Stage{NewStringLabelFilter(mustMatcher(t, labels.MatchEqual, "trace_id", "abc"))}).ForStream(labels.FromStrings("app", "x"))
	_, res, keep := sp.Process(0, []byte("line"), labels.FromStrings("trace_id", "abc"))
	if !keep || res.String() != `{app="x", trace_id="abc"}` || res.StructuredMetadata().String() != `{trace_id="abc"}` || res.Stream().String() != `{app="x"}` {
		t.Errorf("structured metadata: keep=%v %v", keep, res)
	}
	if _, _, keep := sp.Process(0, []byte("line"), labels.FromStrings("trace_id", "xyz")); keep {
		t.Error("structured metadata filter kept a non-matching entry")
	}
}

func TestIPLineFilter(t *testing.T) {
	f := func(pattern string, negate bool, line string, want bool) {
		t.Helper()
		flt, err := NewIPLineFilter(pattern, negate)
		if err != nil {
			t.Fatal(err)
		}
		if got := flt.Filter([]byte(line)); got != want {
			t.Errorf("ip(%q) negate=%v on %q = %v, want %v", pattern, negate, line, got, want)
		}
	}
	f("192.168.0.1", false, "from 192.168.0.1 to x", true)
	f("192.168.0.1", false, "from 192.168.0.11 to x", false)
	f("192.168.0.1", false, "addr=192.168.0.1:8080", true)
	f("192.168.0.0/24", false, "client 192.168.0.77 ok", true)
	f("192.168.0.0/24", false, "client 192.168.1.77 ok", false)
	f("192.168.0.0/24", true, "client 192.168.1.77 ok", true)
	f("10.0.0.1-10.0.0.9", false, "[10.0.0.5]", true)
	f("10.0.0.1-10.0.0.9", false, "10.0.0.10", false)
	f("::1", false, "peer [::1]:443", true)
	f("2001:db8::/32", false, "src=2001:db8:0:0:1::1 ok", true)
	f("2001:db8::/32", false, "no ip here: deadbeef 12:30", false)
	f("1.2.3.4", false, "version1.2.3.4", false)
	for _, bad := range []string{"999.1.1.1", "1.2.3.4/99", "10.0.0.9-10.0.0.1", "x"} {
		if _, err := NewIPLineFilter(bad, false); err == nil {
			t.Errorf("ip(%q) accepted", bad)
		}
	}
}

// FuzzPlausibleIP checks that the cheap shape check never rejects an address netip accepts.
func FuzzPlausibleIP(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "::1", "2001:db8::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "0.0.0.0", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return
		}
		if !plausibleIP([]byte(s)) {
			t.Fatalf("plausibleIP rejects %q", s)
		}
	})
}
