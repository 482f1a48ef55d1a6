package log

import (
	"slices"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestTemplateFields(t *testing.T) {
	f := func(tmpl string, wantAll bool, want ...string) {
		t.Helper()
		tt, err := compileTemplate("t", tmpl)
		if err != nil {
			t.Fatal(err)
		}
		fields, all := templateFields(tt)
		if all != wantAll || (!all && !slices.Equal(fields, want)) {
			t.Errorf("%s: fields %q all %v, want %q all %v", tmpl, fields, all, want, wantAll)
		}
	}
	f(`plain`, false)
	f(`{{.a}} {{.b}} {{.a}}`, false, "a", "b")
	f(`{{ .a | ToUpper }} {{ printf "%s" .b.c }}`, false, "a", "b")
	f(`{{ if eq .a "x" }}{{ .b }}{{ else }}{{ .c }}{{ end }}`, false, "a", "b", "c")
	f(`{{ with .a }}{{ .b }}{{ end }}`, false, "a", "b")
	f(`{{ $x := .a }}{{ $x }} {{ $.b }}`, false, "a", "b")
	f(`{{ (fromJson .j).k }}`, false, "j")
	f(`{{ __line__ }} {{ __timestamp__ | unixEpoch }}`, false)
	f(`{{ . }}`, true)
	f(`{{ range $k, $v := . }}{{$k}}={{$v}} {{end}}`, true)
	f(`{{ $ }}`, true)
	f(`{{define "x"}}{{.a}}{{end}}{{template "x" .}}`, true)
}

// TestLineFormatAllLabels makes sure templates that range over the data still see every label.
func TestLineFormatAllLabels(t *testing.T) {
	lf := mustStage(NewLineFormatter(`{{ range $k, $v := . }}{{$k}}={{$v}} {{end}}`))
	line, _, _ := runOne(t, []Stage{NewLogfmtParser(false, false), lf}, `{app="a"}`, `x=1 y=2`)
	if line != "app=a x=1 y=2 " {
		t.Errorf("line %q", line)
	}
}

// TestSimpleTemplate checks the concatenation fast path against text/template.
func TestSimpleTemplate(t *testing.T) {
	for _, tc := range []struct {
		tmpl   string
		simple bool
	}{
		{`{{.level}} {{.msg}}`, true},
		{`plain text`, true},
		{`{{- .level -}} | {{ .missing }}|{{.app}}`, true},
		{`{{/* comment */}}{{.level}}`, true},
		{`{{.level | ToUpper}}`, false},
		{`{{ $x := .level }}{{$x}}`, false},
		{`{{ if .level }}x{{ end }}`, false},
		{`{{ . }}`, false},
		{`{{ .a.b }}`, false},
		{`{{ __line__ }}`, false},
	} {
		tt, err := compileTemplate("line", tc.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := compileSimple(tt)
		if ok != tc.simple {
			t.Errorf("%s: simple = %v, want %v", tc.tmpl, ok, tc.simple)
			continue
		}
		if !ok {
			continue
		}
		lb := NewLabelsBuilder(labels.FromStrings("app", "a"))
		lb.Reset(nil)
		lb.Set(ParsedCategory, "level", "info")
		lb.Set(ParsedCategory, "msg", `say "hi" <b>`)
		var want strings.Builder
		data := map[string]string{}
		lb.Range(func(n, v string) bool { data[n] = v; return true })
		if err := tt.Execute(&want, data); err != nil {
			t.Fatal(err)
		}
		if got := string(s.render(nil, lb)); got != want.String() {
			t.Errorf("%s: fast path %q, text/template %q", tc.tmpl, got, want.String())
		}
	}
}
