package log

import "testing"

const nginxLine = `10.1.0.88 - - [14/Dec/2020:22:56:24 +0000] "GET /static/img/bob.jpg HTTP/1.1" 200 60755 "-" "Mozilla/5.0"`

func TestRegexpParser(t *testing.T) {
	for _, tc := range []struct {
		name, re, stream, line, want string
	}{
		{"named groups", `(?P<method>\w+) (?P<path>\S+)`, `{}`, "GET /x 200", `{method="GET", path="/x"}`},
		{"no match leaves labels", `(?P<a>\d+)x`, `{}`, "abc", `{}`},
		{"optional group empty", `(?P<a>a)?(?P<b>b)`, `{}`, "b", `{a="", b="b"}`},
		{"unnamed ignored", `(\w+) (?P<b>\w+)`, `{}`, "x y", `{b="y"}`},
		{"clash", `(?P<app>\w+)`, `{app="z"}`, "x", `{app="z", app_extracted="x"}`},
		{"status", `HTTP/1.1" (?P<status>\d{3}) `, `{}`, nginxLine, `{status="200"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, _ := runOne(t, []Stage{mustStage(NewRegexpParser(tc.re))}, tc.stream, tc.line)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	for _, re := range []string{`w.*`, `f(.*) (foo|bar)`, `(?P<foo$>x)`, `(?P<foo>a)(?P<foo>b)`, `(`} {
		if _, err := NewRegexpParser(re); err == nil {
			t.Errorf("regexp %q accepted", re)
		}
	}
}

func TestPatternParser(t *testing.T) {
	for _, tc := range []struct {
		name, pattern, stream, line, want string
	}{
		{"nginx", `<ip> - <_> [<ts>] "<method> <path> <_>" <status> <size> <_>`, `{}`, nginxLine,
			`{ip="10.1.0.88", method="GET", path="/static/img/bob.jpg", size="60755", status="200", ts="14/Dec/2020:22:56:24 +0000"}`},
		{"leading literal must match", `GET <path>`, `{}`, "POST /x", `{}`},
		{"leading literal", `GET <path>`, `{}`, "GET /x", `{path="/x"}`},
		{"missing literal takes the rest", `<a> | <b> | <c>`, `{}`, "x | y", `{a="x", b="y"}`},
		{"trailing literal ignored after", `<a> end`, `{}`, "x end more", `{a="x"}`},
		{"clash", `<app> x`, `{app="q"}`, "v x", `{app="q", app_extracted="v"}`},
		{"angle brackets that are not captures", `<a> <-> <b>`, `{}`, "1 <-> 2", `{a="1", b="2"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, _ := runOne(t, []Stage{mustStage(NewPatternParser(tc.pattern))}, tc.stream, tc.line)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	for _, p := range []string{`<_> foo`, `no captures`, `<a><b>`, `<a> <a>`} {
		if _, err := NewPatternParser(p); err == nil {
			t.Errorf("pattern %q accepted", p)
		}
	}
}

func TestUnpackParser(t *testing.T) {
	for _, tc := range []struct {
		name, stream, line, wantLine, want string
	}{
		{"packed", `{app="a"}`, `{"_entry":"orig \"line\"","app":"x","pod":"p","n":1}`, `orig "line"`, `{app="a", app_extracted="x", pod="p"}`},
		{"not packed", `{}`, `{"a":"b"}`, `{"a":"b"}`, `{}`},
		{"not json", `{}`, `hello`, `hello`, `{__error__="JSONParserErr", __error_details__="expecting json object(6), but it is not"}`},
		{"broken json", `{}`, `{"_entry":"x`, `{"_entry":"x`, `{__error__="JSONParserErr", __error_details__="Value is string, but can't find closing '\"' symbol"}`},
		{"empty", `{}`, ``, ``, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, got, _ := runOne(t, []Stage{NewUnpackParser()}, tc.stream, tc.line)
			if line != tc.wantLine {
				t.Errorf("line %q, want %q", line, tc.wantLine)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func FuzzPatternParser(f *testing.F) {
	for _, s := range []string{`<ip> - <_> [<ts>]`, `<a> | <b>`, `GET <p>`, `<<a>>`, `<_>`} {
		f.Add(s, nginxLine)
	}
	f.Fuzz(func(t *testing.T, pattern, line string) {
		if p, err := compilePattern(pattern, false); err == nil {
			_ = p.test([]byte(line))
		}
		st, err := NewPatternParser(pattern)
		if err != nil {
			return
		}
		_, res, keep := NewPipeline([]Stage{st}).ForStream(nil).Process(0, []byte(line), nil)
		if !keep {
			t.Fatal("pattern parser dropped a line")
		}
		_ = res.String()
	})
}

func FuzzRegexpParser(f *testing.F) {
	for _, s := range []string{`(?P<a>\w+)`, `(?P<method>\w+) (?P<path>\S+)`, `(?P<a>a)?(?P<b>b)`} {
		f.Add(s, "GET /x 200")
	}
	f.Fuzz(func(t *testing.T, re, line string) {
		st, err := NewRegexpParser(re)
		if err != nil {
			return
		}
		_, res, keep := NewPipeline([]Stage{st}).ForStream(nil).Process(0, []byte(line), nil)
		if !keep {
			t.Fatal("regexp parser dropped a line")
		}
		_ = res.String()
	})
}
