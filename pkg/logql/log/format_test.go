package log

import (
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestLineFormat(t *testing.T) {
	for _, tc := range []struct {
		name, tmpl, line, want, wantLabels string
	}{
		{"labels", `{{.level}}: {{.msg}}`, `level=info msg=hi`, `info: hi`, `{app="a", level="info", msg="hi"}`},
		{"stream label", `{{.app}}`, `x=1`, `a`, `{app="a", x="1"}`},
		{"missing is empty", `[{{.nope}}]`, `x=1`, `[]`, `{app="a", x="1"}`},
		{"__line__", `{{ __line__ | ToUpper }}`, `x=1`, `X=1`, `{app="a", x="1"}`},
		{"__timestamp__", `{{ __timestamp__ | unixEpoch }}`, `x=1`, `1700000000`, `{app="a", x="1"}`},
		{"error", `{{ div 1 0 }}`, `x=1`, `x=1`, `{__error__="TemplateFormatErr", __error_details__="template: line:1:3: executing \"line\" at <div 1 0>: error calling div: integer divide by zero", app="a", x="1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lf := mustStage(NewLineFormatter(tc.tmpl))
			sp := NewPipeline([]Stage{NewLogfmtParser(false, false), lf}).ForStream(labels.FromStrings("app", "a"))
			out, res, keep := sp.Process(1700000000*int64(time.Second), []byte(tc.line), nil)
			if !keep {
				t.Fatal("dropped")
			}
			if string(out) != tc.want {
				t.Errorf("line %q, want %q", out, tc.want)
			}
			if res.String() != tc.wantLabels {
				t.Errorf("labels %s, want %s", res, tc.wantLabels)
			}
		})
	}
	if _, err := NewLineFormatter(`{{.a`); err == nil {
		t.Error("bad template accepted")
	}
}

func TestTemplateFunctions(t *testing.T) {
	f := func(tmpl, want string) {
		t.Helper()
		lf, err := NewLineFormatter(tmpl)
		if err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		sp := NewPipeline([]Stage{NewLogfmtParser(false, false), lf}).ForStream(nil)
		out, res, _ := sp.Process(0, []byte(`s="Hello World" n=7 f=2.5 ts=1700000000 sz=1.5KiB ip=10.0.0.1 j="{\"a\":{\"b\":3}}"`), nil)
		if e := res.Labels().Get(ErrorDetailsLabel); e != "" {
			t.Errorf("%s: error %s", tmpl, e)
		}
		if string(out) != want {
			t.Errorf("%s = %q, want %q", tmpl, out, want)
		}
	}
	f(`{{ .s | ToLower }}`, "hello world")
	f(`{{ .s | ToUpper }}`, "HELLO WORLD")
	f(`{{ .s | lower }}`, "hello world")
	f(`{{ .s | upper }}`, "HELLO WORLD")
	f(`{{ "hello world" | title }}`, "Hello World")
	f(`{{ Replace .s "o" "0" -1 }}`, "Hell0 W0rld")
	f(`{{ replace "o" "0" .s }}`, "Hell0 W0rld")
	f(`{{ Trim "  x  " " " }}`, "x")
	f(`{{ TrimLeft "xxy" "x" }}`, "y")
	f(`{{ TrimRight "yxx" "x" }}`, "y")
	f(`{{ TrimPrefix .s "Hello " }}`, "World")
	f(`{{ TrimSuffix .s " World" }}`, "Hello")
	f(`{{ TrimSpace "  x " }}`, "x")
	f(`{{ trim "  x " }}`, "x")
	f(`{{ trimAll "-" "--x--" }}`, "x")
	f(`{{ trimPrefix "He" .s }}`, "llo World")
	f(`{{ trimSuffix "ld" .s }}`, "Hello Wor")
	f(`{{ trunc 5 .s }}`, "Hello")
	f(`{{ trunc -5 .s }}`, "World")
	f(`{{ substr 0 5 .s }}`, "Hello")
	f(`{{ substr 6 -1 .s }}`, "World")
	f(`{{ contains "World" .s }}`, "true")
	f(`{{ hasPrefix "Hello" .s }}`, "true")
	f(`{{ hasSuffix "Hello" .s }}`, "false")
	f(`{{ repeat 3 "ab" }}`, "ababab")
	f(`{{ indent 2 "a\nb" }}`, "  a\n  b")
	f(`{{ nindent 2 "a" }}`, "\n  a")
	f(`{{ regexReplaceAll "o(.)" .s "0${1}" }}`, "Hell0 W0rld")
	f(`{{ regexReplaceAllLiteral "o(.)" .s "0${1}" }}`, "Hell0${1}W0${1}ld")
	f(`{{ count "o" .s }}`, "2")
	f(`{{ urlencode "a b&c" }}`, "a+b%26c")
	f(`{{ urldecode "a+b%26c" }}`, "a b&c")
	f(`{{ b64enc "hi" }}`, "aGk=")
	f(`{{ b64dec "aGk=" }}`, "hi")
	f(`{{ sha256 "a" }}`, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
	f(`{{ alignLeft 7 "abc" }}|`, "abc    |")
	f(`{{ alignLeft 2 "abc" }}`, "ab")
	f(`{{ alignRight 5 "abc" }}`, "  abc")
	f(`{{ alignRight 2 "abc" }}`, "bc")
	f(`{{ default "x" .nope }}`, "x")
	f(`{{ default "x" .s }}`, "Hello World")
	f(`{{ add .n 3 }}`, "10")
	f(`{{ sub .n 3 }}`, "4")
	f(`{{ mul .n 3 2 }}`, "42")
	f(`{{ div .n 2 }}`, "3")
	f(`{{ mod .n 4 }}`, "3")
	f(`{{ addf .f 1 }}`, "3.5")
	f(`{{ subf .f 1 }}`, "1.5")
	f(`{{ mulf .f 2 }}`, "5")
	f(`{{ divf .f 2 }}`, "1.25")
	f(`{{ max 1 .n 3 }}`, "7")
	f(`{{ min 1 .n 3 }}`, "1")
	f(`{{ maxf 1.5 .f }}`, "2.5")
	f(`{{ minf 1.5 .f }}`, "1.5")
	f(`{{ ceil .f }}`, "3")
	f(`{{ floor .f }}`, "2")
	f(`{{ round 2.456 2 }}`, "2.46")
	f(`{{ int "12" }}`, "12")
	f(`{{ float64 "1.5" }}`, "1.5")
	f(`{{ bytes .sz }}`, "1536")
	f(`{{ duration "1m30s" }}`, "90")
	f(`{{ duration_seconds "250ms" }}`, "0.25")
	f(`{{ add 3 2 5 }}`, "10")
	f(`{{ addf 3.5 2 5 }}`, "10.5")
	f(`{{ subf 5.5 2 1.5 }}`, "2")
	f(`{{ divf 10 2 4 }}`, "1.25")
	f(`{{ mulf 5.5 2 2.5 }}`, "27.5")
	f(`{{ round 123.88571428571 5 .2 }}`, "123.88572")
	f(`{{ round 123.555555 3 }}`, "123.556")
	f(`{{ ceil 123.001 }}`, "124")
	f(`{{ count "a|b" "abab" }}`, "4")
	f(`{{ trimAll "$" "$5.00" }}`, "5.00")
	f(`{{ "19723" | unixToTime | unixEpoch }}`, "1704067200")
	f(`{{ fromJson "not json" }}`, "")
	f(`{{ if eq "a" "a" }}yes{{end}}`, "yes")
	for _, huge := range []string{`{{ repeat 1000000000000 "x" }}`, `{{ alignLeft 100000000 "x" }}`, `{{ indent 100000000 "x" }}`,
		`{{ Replace (Replace (Replace (repeat 1000 "ab") "" "0123456789" -1) "" "0123456789" -1) "" "0123456789" -1 }}`,
		`{{ replace "a" "0123456789" (replace "a" "aaaaaaaaaa" (replace "a" "aaaaaaaaaa" (repeat 100000 "a"))) }}`} {
		lf := mustStage(NewLineFormatter(huge))
		_, res, _ := NewPipeline([]Stage{lf}).ForStream(nil).Process(0, []byte("x"), nil)
		if res.Labels().Get(ErrorLabel) != ErrTemplateFormat {
			t.Errorf("%s: no TemplateFormatErr", huge)
		}
	}
	f(`{{ .ts | unixToTime | unixEpoch }}`, "1700000000")
	f(`{{ "1700000000123" | unixToTime | unixEpochMillis }}`, "1700000000123")
	f(`{{ "1700000000123456789" | unixToTime | unixEpochNanos }}`, "1700000000123456789")
	f(`{{ toDateInZone "2006-01-02" "UTC" "2024-03-01" | unixEpoch }}`, "1709251200")
	f(`{{ date "2006" (toDateInZone "2006-01-02" "UTC" "2024-03-01") }}`, "2024")
	f(`{{ (fromJson .j).a.b }}`, "3")
	f(`{{ printf "%05d" 42 }}`, "00042")
}

func TestLabelFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		fmts []LabelFmt
		want string
	}{
		{"rename parsed", []LabelFmt{{Name: "lvl", Value: "level", Rename: true}}, `{app="a", lvl="info", msg="hi"}`},
		{"rename stream", []LabelFmt{{Name: "service", Value: "app", Rename: true}}, `{level="info", msg="hi", service="a"}`},
		{"rename missing", []LabelFmt{{Name: "x", Value: "nope", Rename: true}}, `{app="a", level="info", msg="hi"}`},
		{"template", []LabelFmt{{Name: "combo", Value: "{{.app}}-{{.level}}"}}, `{app="a", combo="a-info", level="info", msg="hi"}`},
		{"overwrite stream label", []LabelFmt{{Name: "app", Value: "{{.app | ToUpper}}"}}, `{app="A", level="info", msg="hi"}`},
		{"several", []LabelFmt{{Name: "lvl", Value: "level", Rename: true}, {Name: "m", Value: "{{.msg}}!"}}, `{app="a", lvl="info", m="hi!", msg="hi"}`},
		{"template error", []LabelFmt{{Name: "x", Value: `{{ div 1 0 }}`}}, `{__error__="TemplateFormatErr", __error_details__="template: label:1:3: executing \"label\" at <div 1 0>: error calling div: integer divide by zero", app="a", level="info", msg="hi"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := mustStage(NewLabelsFormatter(tc.fmts))
			_, got, _ := runOne(t, []Stage{NewLogfmtParser(false, false), st}, `{app="a"}`, `level=info msg=hi`)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, err := NewLabelsFormatter([]LabelFmt{{Name: "a", Value: "b", Rename: true}, {Name: "a", Value: "c", Rename: true}}); err == nil {
		t.Error("duplicate destination accepted")
	}
}

func TestDropKeepDecolorize(t *testing.T) {
	re := func(n, v string) *labels.Matcher { return mustMatcher(t, labels.MatchRegexp, n, v) }
	eq := func(n, v string) *labels.Matcher { return mustMatcher(t, labels.MatchEqual, n, v) }
	for _, tc := range []struct {
		name   string
		stage  Stage
		stream string
		line   string
		want   string
	}{
		{"drop names", NewDropLabels([]LabelMatch{{Name: "level"}, {Name: "app"}}), `{app="a", env="p"}`, `level=info msg=hi`, `{env="p", msg="hi"}`},
		{"drop matcher", NewDropLabels([]LabelMatch{{Name: "level", Matcher: eq("level", "debug")}}), `{}`, `level=info`, `{level="info"}`},
		{"drop regexp matcher", NewDropLabels([]LabelMatch{{Name: "level", Matcher: re("level", "in.*")}}), `{}`, `level=info`, `{}`},
		{"keep names", NewKeepLabels([]LabelMatch{{Name: "level"}, {Name: "env"}}), `{app="a", env="p"}`, `level=info msg=hi`, `{env="p", level="info"}`},
		{"keep matcher", NewKeepLabels([]LabelMatch{{Name: "level", Matcher: eq("level", "debug")}, {Name: "msg"}}), `{app="a"}`, `level=info msg=hi`, `{msg="hi"}`},
		{"keep keeps errors", NewKeepLabels([]LabelMatch{{Name: "app"}}), `{app="a", b="c"}`, `x="unterminated`, `{app="a"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, _ := runOne(t, []Stage{NewLogfmtParser(false, false), tc.stage}, tc.stream, tc.line)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	_, got, _ := runOne(t, []Stage{NewJSONParser(), NewKeepLabels([]LabelMatch{{Name: "app"}})}, `{app="a", b="c"}`, `nope`)
	if got != `{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol", app="a"}` {
		t.Errorf("keep dropped error labels: %s", got)
	}
	line, _, _ := runOne(t, []Stage{NewDecolorizer()}, `{}`, "\x1b[31mred\x1b[0m and \x1b[1;32mbold green\x1b[0m")
	if line != "red and bold green" {
		t.Errorf("decolorize: %q", line)
	}
	line, _, _ = runOne(t, []Stage{NewDecolorizer()}, `{}`, "plain")
	if line != "plain" {
		t.Errorf("decolorize plain: %q", line)
	}
}

func FuzzLineFormat(f *testing.F) {
	for _, s := range []string{`{{.a}}`, `{{ __line__ | ToUpper }}`, `{{ div 1 0 }}`, `{{ repeat 3 .a }}`, `{{ substr 2 1 .a }}`,
		`{{ trunc -9 .a }}`, `{{ alignRight -1 .a }}`, `{{ unixToTime .a }}`, `{{ regexReplaceAll "(" .a "" }}`, `{{ round .a 400 }}`} {
		f.Add(s, "a=hello b=2")
	}
	f.Fuzz(func(t *testing.T, tmpl, line string) {
		lf, err := NewLineFormatter(tmpl)
		if err != nil {
			return
		}
		_, res, _ := NewPipeline([]Stage{NewLogfmtParser(false, false), lf}).ForStream(nil).Process(0, []byte(line), nil)
		_ = res.String()
	})
}
