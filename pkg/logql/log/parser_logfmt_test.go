package log

import "testing"

func TestLogfmtParser(t *testing.T) {
	for _, tc := range []struct {
		name              string
		strict, keepEmpty bool
		stream, line      string
		want              string
	}{
		{"simple", false, false, `{}`, `level=info msg="hello world" dur=10ms`, `{dur="10ms", level="info", msg="hello world"}`},
		{"escapes", false, false, `{}`, `msg="a \"b\" \\ c\n"`, `{msg="a \"b\" \\ c\n"}`},
		{"standalone key skipped", false, false, `{}`, `flag a=1`, `{a="1"}`},
		{"standalone key kept", false, true, `{}`, `flag a=1 e=`, `{a="1", e="", flag=""}`},
		{"empty value skipped", false, false, `{}`, `e= a=1 q=""`, `{a="1"}`},
		{"clash", false, false, `{level="x"}`, `level=info`, `{level="x", level_extracted="info"}`},
		{"sanitised keys", false, false, `{}`, `a-b=1 c.d=2 1x=3`, `{_1x="3", a_b="1", c_d="2"}`},
		{"first value wins", false, false, `{}`, `a=1 a=2`, `{a="1"}`},
		{"lenient skips bad pairs", false, false, `{}`, `a=b=c x=y`, `{x="y"}`},
		{"lenient skips bare =", false, false, `{}`, `=foo a=b`, `{a="b"}`},
		{"lenient quote in key", false, false, `{}`, `a"b=1 c=2`, `{c="2"}`},
		{"strict stops", true, false, `{}`, `a=b=c x=y`, `{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 4 : unexpected '='"}`},
		{"strict keeps earlier pairs", true, false, `{}`, `x=y a=b"c`, `{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 8 : unexpected '\"'", x="y"}`},
		{"strict unterminated", true, false, `{}`, `a="foo`, `{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 7 : unterminated quoted value"}`},
		{"strict invalid escape", true, false, `{}`, `a="x\qy" b=1`, `{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 9 : invalid quoted value"}`},
		{"strict invalid key", true, false, `{}`, "k\xff=1", `{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 3 : invalid key"}`},
		{"tabs and spaces", false, false, `{}`, "  a=1\t b=2  ", `{a="1", b="2"}`},
		{"not logfmt", false, false, `{}`, `just some words`, `{}`},
		{"invalid utf8 becomes a space", false, false, `{}`, "a=x\xff b=2", `{a="x ", b="2"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, keep := runOne(t, []Stage{NewLogfmtParser(tc.strict, tc.keepEmpty)}, tc.stream, tc.line)
			if !keep {
				t.Fatal("dropped")
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLogfmtExpressionParser(t *testing.T) {
	line := `level=info msg="hello" status=200 empty=`
	for _, tc := range []struct {
		name, stream string
		exprs        []LabelExtractionExpr
		want         string
	}{
		{"renamed", `{}`, []LabelExtractionExpr{{"l", "level"}, {"m", "msg"}}, `{l="info", m="hello"}`},
		{"field list", `{}`, []LabelExtractionExpr{{"status", "status"}}, `{status="200"}`},
		{"missing", `{}`, []LabelExtractionExpr{{"x", "nope"}}, `{x=""}`},
		{"clash", `{level="a"}`, []LabelExtractionExpr{{"level", "level"}}, `{level="a", level_extracted="info"}`},
		{"empty value kept when requested", `{}`, []LabelExtractionExpr{{"m", "msg"}, {"e", "empty"}}, `{e="", m="hello"}`},
		{"same key twice", `{}`, []LabelExtractionExpr{{"a", "level"}, {"b", "level"}}, `{a="info", b="info"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustStage(NewLogfmtExpressionParser(tc.exprs, false, false))
			_, got, _ := runOne(t, []Stage{p}, tc.stream, line)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, err := NewLogfmtExpressionParser(nil, false, false); err == nil {
		t.Error("empty expression list accepted")
	}
	if _, err := NewLogfmtExpressionParser([]LabelExtractionExpr{{"a-b", "x"}}, false, false); err == nil {
		t.Error("invalid identifier accepted")
	}
}

func FuzzLogfmtParser(f *testing.F) {
	for _, s := range []string{`level=info msg="hello world"`, `a=b=c x=y`, `a="foo`, `=`, `"`, `a="\u00e9\"" b`, "a=\xff"} {
		f.Add(s)
	}
	lenient := NewPipeline([]Stage{NewLogfmtParser(false, true)})
	strict := NewPipeline([]Stage{NewLogfmtParser(true, false)})
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []Pipeline{lenient, strict} {
			_, res, keep := p.ForStream(nil).Process(0, []byte(s), nil)
			if !keep {
				t.Fatal("logfmt dropped a line")
			}
			_ = res.String()
		}
	})
}
