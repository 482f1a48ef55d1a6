package log

import (
	"slices"
	"testing"
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
