package log

// Parser hints: a metric query grouped `by (…)` needs only a few of the labels a json or
// logfmt parser would extract. When every stage of the pipeline says which labels it reads,
// the extractor tells the parsers to set only those, which skips unescaping, interning and
// result building for the rest. Any stage that cannot say (templates, custom stages) turns
// the optimisation off.

// labelReader is implemented by stages that know which labels they read.
type labelReader interface {
	// readsLabels returns the labels the stage reads; ok is false when unknown.
	readsLabels() (names []string, ok bool)
}

// hintable is implemented by per-stream parsers that can skip labels nobody reads.
type hintable interface {
	setOnly(names map[string]struct{})
}

func (filterStage) readsLabels() ([]string, bool)         { return nil, true }
func (f stringLabelFilter) readsLabels() ([]string, bool) { return []string{f.m.Name}, true }
func (f *numberFilter) readsLabels() ([]string, bool)     { return []string{f.name}, true }
func (f *ipLabelFilter) readsLabels() ([]string, bool)    { return []string{f.name}, true }
func (*decolorizer) readsLabels() ([]string, bool)        { return nil, true }
func (*jsonParser) readsLabels() ([]string, bool)         { return nil, true }
func (*logfmtParser) readsLabels() ([]string, bool)       { return nil, true }
func (*jsonExprParser) readsLabels() ([]string, bool)     { return nil, true }
func (*regexpParser) readsLabels() ([]string, bool)       { return nil, true }
func (*patternParser) readsLabels() ([]string, bool)      { return nil, true }
func (*unpackParser) readsLabels() ([]string, bool)       { return nil, true }

func (f *binaryLabelFilter) readsLabels() ([]string, bool) {
	return requiredLabels([]Stage{f.left, f.right}, nil)
}

func (d *dropLabels) readsLabels() ([]string, bool) { return matchNames(d.ms), true }
func (k *keepLabels) readsLabels() ([]string, bool) { return matchNames(k.ms), true }

func matchNames(ms []LabelMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// requiredLabels returns every label the stages read plus extra, or ok=false if some stage
// cannot tell.
func requiredLabels(stages []Stage, extra []string) ([]string, bool) {
	out := append([]string(nil), extra...)
	for _, s := range stages {
		r, ok := s.(labelReader)
		if !ok {
			return nil, false
		}
		names, ok := r.readsLabels()
		if !ok {
			return nil, false
		}
		out = append(out, names...)
	}
	return out, true
}

// applyHints restricts the parsers among stages (per-stream copies) to the labels that
// stages, post-filters and the grouping need. It does nothing unless the grouping is a `by`.
func applyHints(stages, post []Stage, g *Grouping, unwrapped string) {
	if g == nil || g.Without {
		return
	}
	extra := append([]string(nil), g.Groups...)
	if unwrapped != "" {
		extra = append(extra, unwrapped)
	}
	names, ok := requiredLabels(append(append([]Stage(nil), stages...), post...), extra)
	if !ok {
		return
	}
	only := make(map[string]struct{}, len(names))
	for _, n := range names {
		only[n] = struct{}{}
	}
	for _, s := range stages {
		if h, ok := s.(hintable); ok {
			h.setOnly(only)
		}
	}
}

func (j *jsonParser) setOnly(names map[string]struct{}) {
	j.only = names
	j.hkeys = hintedKeys{} // decisions depend on the hints
}
func (p *logfmtParser) setOnly(names map[string]struct{}) { p.only = names }

// wanted reports whether a parser restricted by hints should set name.
func wanted(only map[string]struct{}, name string) bool {
	if only == nil {
		return true
	}
	_, ok := only[name]
	return ok
}
