package log

import (
	"bytes"
	"fmt"
	"regexp"
	"text/template"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

// templateState is what __line__ and __timestamp__ read: the entry being formatted.
type templateState struct {
	line []byte
	ts   int64
	data map[string]string
	// fields, unless all, are the only labels the templates read (see templateFields).
	fields []string
	all    bool
}

func (s *templateState) fill(lbs *LabelsBuilder) map[string]string {
	clear(s.data)
	if s.data == nil {
		s.data = map[string]string{}
	}
	if !s.all {
		for _, f := range s.fields {
			if v, ok := lbs.Get(f); ok {
				s.data[f] = v
			}
		}
		return s.data
	}
	lbs.Range(func(n, v string) bool {
		s.data[n] = v
		return true
	})
	return s.data
}

// compileTemplate parses a line_format / label_format template with Loki's functions.
func compileTemplate(name, text string) (*template.Template, error) {
	funcs := templateFuncs()
	funcs["__line__"] = func() string { return "" }
	funcs["__timestamp__"] = func() time.Time { return time.Time{} }
	t, err := template.New(name).Option("missingkey=zero").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parse %s template %q: %w", name, text, err)
	}
	return t, nil
}

// bindTemplate clones t for one stream, binding __line__ and __timestamp__ to st.
func bindTemplate(t *template.Template, st *templateState) *template.Template {
	c := template.Must(t.Clone()) // Clone fails only after Execute, which base templates never run
	return c.Funcs(template.FuncMap{
		"__line__":      func() string { return string(st.line) },
		"__timestamp__": func() time.Time { return time.Unix(0, st.ts) },
	})
}

// lineFormatter is `| line_format "{{.label}}"`.
type lineFormatter struct {
	base   *template.Template
	simple simpleTemplate // non-nil when the template is only text and {{.label}}
	tmpl   *template.Template
	st     *templateState
	buf    bytes.Buffer
	out    []byte
}

// NewLineFormatter returns `| line_format "tmpl"`: the line becomes the template's output,
// with the entry's labels as data. A failing template keeps the line and sets
// __error__=TemplateFormatErr.
func NewLineFormatter(tmpl string) (Stage, error) {
	t, err := compileTemplate("line", tmpl)
	if err != nil {
		return nil, err
	}
	simple, _ := compileSimple(t)
	return &lineFormatter{base: t, simple: simple}, nil
}

func (f *lineFormatter) forStream() Stage {
	if f.simple != nil {
		return &lineFormatter{base: f.base, simple: f.simple}
	}
	st := &templateState{}
	st.fields, st.all = templateFields(f.base)
	return &lineFormatter{base: f.base, tmpl: bindTemplate(f.base, st), st: st}
}

func (f *lineFormatter) Process(ts int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if f.simple != nil {
		f.out = f.simple.render(f.out[:0], lbs)
		return f.out, true
	}
	if f.tmpl == nil { // used without ForStream (tests): bind lazily
		*f = *(f.forStream().(*lineFormatter))
	}
	f.st.line, f.st.ts = line, ts
	f.buf.Reset()
	if err := f.tmpl.Execute(&f.buf, f.st.fill(lbs)); err != nil {
		lbs.SetErr(ErrTemplateFormat)
		lbs.SetErrorDetails(err.Error())
		return line, true
	}
	return f.buf.Bytes(), true
}

// LabelFmt is one assignment of label_format: `dst=src` (Rename) or `dst="{{tmpl}}"`.
type LabelFmt struct {
	Name   string
	Value  string
	Rename bool
}

type labelsFormatter struct {
	fmts  []LabelFmt
	base  []*template.Template
	tmpls []*template.Template
	st    *templateState
	buf   bytes.Buffer
}

// NewLabelsFormatter returns `| label_format a=b, c="{{.d}}"`. Renames move a label (keeping
// its origin); templates see the labels as they were before the first template ran.
func NewLabelsFormatter(fmts []LabelFmt) (Stage, error) {
	f := &labelsFormatter{fmts: fmts}
	seen := map[string]bool{}
	for _, lf := range fmts {
		if seen[lf.Name] {
			return nil, fmt.Errorf("multiple label name '%s' not allowed in a single format operation", lf.Name)
		}
		seen[lf.Name] = true
		if !labels.IsValidName(lf.Name) {
			return nil, fmt.Errorf("invalid label name '%s'", lf.Name)
		}
		var t *template.Template
		if !lf.Rename {
			var err error
			if t, err = compileTemplate("label", lf.Value); err != nil {
				return nil, err
			}
		}
		f.base = append(f.base, t)
	}
	return f, nil
}

func (f *labelsFormatter) forStream() Stage {
	st := &templateState{}
	out := &labelsFormatter{fmts: f.fmts, base: f.base, st: st, tmpls: make([]*template.Template, len(f.base))}
	for i, t := range f.base {
		if t != nil {
			out.tmpls[i] = bindTemplate(t, st)
			fields, all := templateFields(t)
			st.fields = append(st.fields, fields...)
			st.all = st.all || all
		}
	}
	return out
}

func (f *labelsFormatter) Process(ts int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if f.tmpls == nil {
		*f = *(f.forStream().(*labelsFormatter))
	}
	f.st.line, f.st.ts = line, ts
	var data map[string]string
	for i, lf := range f.fmts {
		if lf.Rename {
			if v, c, ok := lbs.getWithCategory(lf.Value); ok {
				lbs.Del(lf.Value)
				lbs.Set(c, lf.Name, v)
			}
			continue
		}
		if data == nil {
			data = f.st.fill(lbs)
		}
		f.buf.Reset()
		if err := f.tmpls[i].Execute(&f.buf, data); err != nil {
			lbs.SetErr(ErrTemplateFormat)
			lbs.SetErrorDetails(err.Error())
			continue
		}
		lbs.Set(ParsedCategory, lf.Name, lbs.internValue(f.buf.Bytes()))
	}
	return line, true
}

// LabelMatch names a label for drop/keep, optionally with a matcher on its value.
type LabelMatch struct {
	Name    string
	Matcher *labels.Matcher // nil: the label whatever its value
}

func (m LabelMatch) matches(lbs *LabelsBuilder) bool {
	v, ok := lbs.Get(m.Name)
	if !ok {
		return false
	}
	return m.Matcher == nil || m.Matcher.Matches(v)
}

type dropLabels struct{ ms []LabelMatch }

// NewDropLabels returns `| drop a, b="v", c=~"re"`. Dropping __error__ clears the error.
func NewDropLabels(ms []LabelMatch) Stage { return &dropLabels{ms: ms} }

func (d *dropLabels) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	for _, m := range d.ms {
		if m.matches(lbs) {
			lbs.Del(m.Name)
		}
	}
	return line, true
}

type keepLabels struct {
	ms  []LabelMatch
	del []string
}

// NewKeepLabels returns `| keep a, b="v"`: every other label (stream labels included) is
// removed; __error__ and __error_details__ are always kept.
func NewKeepLabels(ms []LabelMatch) Stage { return &keepLabels{ms: ms} }

func (k *keepLabels) forStream() Stage { return &keepLabels{ms: k.ms} }

func (k *keepLabels) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	k.del = k.del[:0]
	lbs.Range(func(n, v string) bool {
		if n == ErrorLabel || n == ErrorDetailsLabel {
			return true
		}
		keep := false
		for _, m := range k.ms {
			if m.Name == n && (m.Matcher == nil || m.Matcher.Matches(v)) {
				keep = true
				break
			}
		}
		if !keep {
			k.del = append(k.del, n)
		}
		return true
	})
	lbs.Del(k.del...)
	return line, true
}

// ansiRe matches ANSI escape sequences (colours, cursor movement).
var ansiRe = regexp.MustCompile(`[\x{1b}\x{9b}][[()#;?]*(?:[0-9]{1,4}(?:;[0-9]{0,4})*)?[0-9A-ORZcf-nqry=><]`)

type decolorizer struct{}

// NewDecolorizer returns `| decolorize`, which strips ANSI colour codes from the line.
func NewDecolorizer() Stage { return &decolorizer{} }

func (d *decolorizer) Process(_ int64, line []byte, _ *LabelsBuilder) ([]byte, bool) {
	if bytes.IndexByte(line, 0x1b) < 0 && !bytes.Contains(line, []byte("\u009b")) {
		return line, true
	}
	return ansiRe.ReplaceAll(line, nil), true
}
