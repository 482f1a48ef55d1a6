package log

import (
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/cespare/xxhash/v2"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Names of the labels the pipeline sets when a stage fails on an entry.
const (
	ErrorLabel        = "__error__"
	ErrorDetailsLabel = "__error_details__"
)

// Values of ErrorLabel, as Loki sets them.
const (
	ErrJSON           = "JSONParserErr"
	ErrLogfmt         = "LogfmtParserErr"
	ErrSample         = "SampleExtractionErr"
	ErrLabelFilter    = "LabelFilterErr"
	ErrTemplateFormat = "TemplateFormatErr"
	ErrUnpack         = "UnpackParserErr"
	ErrRegexpParser   = "RegexpParserErr"
	ErrPatternParser  = "PatternParserErr"
	duplicateSuffix   = "_extracted"
	// Per stream, so these bound memory when a query holds many streams: results are cached
	// only for label sets seen at least twice (a direct-mapped table of hashes remembers the
	// first sighting), so unique-per-line label sets (trace ids) do not fill the cache.
	maxResultCacheItems = 64
	seenTableSize       = 256 // power of two
)

// Category says where a label came from; LabelsResult keeps the three apart.
type Category int

const (
	StreamCategory Category = iota
	StructuredMetadataCategory
	ParsedCategory
	numCategories
)

// LabelsBuilder holds the labels of the entry being processed: the stream labels (fixed for
// the stream), the entry's structured metadata, labels added or changed by stages, deletions
// and the pipeline error. One builder serves one stream; it is reset for every entry, and its
// slices are reused so that steady-state processing does not allocate.
type LabelsBuilder struct {
	base labels.Labels
	add  [numCategories][]labels.Label
	del  []string

	err, errDetails string

	baseResult *labelsResult
	// scratch buffers for building results
	buf   labels.Labels
	cache map[uint64]*labelsResult
	// arena holds the bytes of label values parsed from the current entry (see internValue).
	arena   []byte
	hashBuf []byte
	strBuf  []byte
	perm    []int32
	tmp     labels.Labels
	seen    *[seenTableSize]uint64
}

// NewLabelsBuilder returns a builder for a stream with the given (sorted) labels. It keeps a
// copy: callers may reuse the memory behind stream.
func NewLabelsBuilder(stream labels.Labels) *LabelsBuilder {
	n := 0
	for _, l := range stream {
		n += len(l.Name) + len(l.Value)
	}
	mem := make([]byte, 0, n)
	own := make(labels.Labels, len(stream))
	for i, l := range stream {
		own[i] = labels.Label{Name: copyInto(&mem, l.Name), Value: copyInto(&mem, l.Value)}
	}
	stream = own
	b := &LabelsBuilder{base: stream, cache: map[uint64]*labelsResult{}}
	b.baseResult = newLabelsResult(stream, stream, nil, nil)
	return b
}

// Reset prepares the builder for a new entry carrying structured metadata sm.
func (b *LabelsBuilder) Reset(sm labels.Labels) {
	for i := range b.add {
		b.add[i] = b.add[i][:0]
	}
	b.del = b.del[:0]
	b.err, b.errDetails = "", ""
	b.arena = b.arena[:0]
	b.add[StructuredMetadataCategory] = append(b.add[StructuredMetadataCategory], sm...)
}

// BaseHas reports whether the stream labels contain name. Parsers use it to add the
// "_extracted" suffix to keys that clash with stream labels.
func (b *LabelsBuilder) BaseHas(name string) bool { return b.base.Has(name) }

// Get returns the current value of a label: set by a stage, structured metadata, or stream
// label, in that order; deleted labels are absent. The error labels are included.
func (b *LabelsBuilder) Get(name string) (string, bool) {
	switch name {
	case ErrorLabel:
		return b.err, b.err != ""
	case ErrorDetailsLabel:
		return b.errDetails, b.errDetails != ""
	}
	for c := numCategories - 1; c >= 0; c-- {
		for _, l := range b.add[c] {
			if l.Name == name {
				return l.Value, true
			}
		}
	}
	for _, d := range b.del {
		if d == name {
			return "", false
		}
	}
	for _, l := range b.base {
		if l.Name == name {
			return l.Value, true
		}
	}
	return "", false
}

// Set sets a label in a category, replacing any value it has in another category. Setting an
// error label sets the pipeline error instead.
func (b *LabelsBuilder) Set(c Category, name, value string) {
	switch name {
	case ErrorLabel:
		b.err = value
		return
	case ErrorDetailsLabel:
		b.errDetails = value
		return
	}
	for cc := range b.add {
		if Category(cc) == c {
			continue
		}
		b.add[cc] = removeLabel(b.add[cc], name)
	}
	for i := range b.add[c] {
		if b.add[c][i].Name == name {
			b.add[c][i].Value = value
			return
		}
	}
	b.add[c] = append(b.add[c], labels.Label{Name: name, Value: value})
}

// Del removes labels from the entry, whatever their origin. Deleting an error label clears
// the error.
func (b *LabelsBuilder) Del(names ...string) {
	for _, n := range names {
		switch n {
		case ErrorLabel:
			b.err = ""
			continue
		case ErrorDetailsLabel:
			b.errDetails = ""
			continue
		}
		for c := range b.add {
			b.add[c] = removeLabel(b.add[c], n)
		}
		if b.base.Has(n) && !slices.Contains(b.del, n) {
			b.del = append(b.del, n)
		}
	}
}

func removeLabel(ls []labels.Label, name string) []labels.Label {
	for i := range ls {
		if ls[i].Name == name {
			return append(ls[:i], ls[i+1:]...)
		}
	}
	return ls
}

// SetErr records a pipeline error (one of the Err* values), replacing any earlier one as Loki
// does.
func (b *LabelsBuilder) SetErr(err string) { b.err = err }

// SetErrorDetails records the human-readable cause of the error.
func (b *LabelsBuilder) SetErrorDetails(d string) { b.errDetails = d }

// HasErr reports whether a stage failed on this entry.
func (b *LabelsBuilder) HasErr() bool { return b.err != "" }

// GetErr returns the pipeline error ("" when none).
func (b *LabelsBuilder) GetErr() string { return b.err }

// Range calls f for every current label (stream, metadata, parsed; deletions applied; error
// labels last) in no particular order, stopping when f returns false.
func (b *LabelsBuilder) Range(f func(name, value string) bool) {
	for _, l := range b.base {
		if b.overridden(l.Name) {
			continue
		}
		if !f(l.Name, l.Value) {
			return
		}
	}
	for c := range b.add {
		for _, l := range b.add[c] {
			if !f(l.Name, l.Value) {
				return
			}
		}
	}
	if b.err != "" && !f(ErrorLabel, b.err) {
		return
	}
	if b.errDetails != "" {
		f(ErrorDetailsLabel, b.errDetails)
	}
}

// overridden reports whether a stream label is deleted or replaced by an added label.
func (b *LabelsBuilder) overridden(name string) bool {
	for _, d := range b.del {
		if d == name {
			return true
		}
	}
	for c := range b.add {
		for _, l := range b.add[c] {
			if l.Name == name {
				return true
			}
		}
	}
	return false
}

func (b *LabelsBuilder) unchanged() bool {
	return len(b.del) == 0 && b.err == "" && b.errDetails == "" &&
		len(b.add[StreamCategory]) == 0 && len(b.add[StructuredMetadataCategory]) == 0 && len(b.add[ParsedCategory]) == 0
}

// LabelsResult returns the entry's labels. Results are cached per distinct label set, so a
// steady stream of entries with recurring label sets does not allocate.
func (b *LabelsBuilder) LabelsResult() LabelsResult {
	if b.unchanged() {
		return b.baseResult
	}
	return b.build(nil)
}

// build assembles the result from the labels for which want returns true (nil: all).
func (b *LabelsBuilder) build(want func(name string) bool) *labelsResult {
	buf := b.buf[:0]
	keep := func(n string) bool { return want == nil || want(n) }
	// categories are contiguous in buf: stream, metadata, parsed
	var bounds [numCategories + 1]int
	for _, l := range b.base {
		if !b.overridden(l.Name) && keep(l.Name) {
			buf = append(buf, l)
		}
	}
	for c := range b.add {
		for _, l := range b.add[c] {
			if keep(l.Name) {
				buf = append(buf, l)
			}
		}
		if Category(c) == ParsedCategory {
			if b.err != "" && keep(ErrorLabel) {
				buf = append(buf, labels.Label{Name: ErrorLabel, Value: b.err})
			}
			if b.errDetails != "" && keep(ErrorDetailsLabel) {
				buf = append(buf, labels.Label{Name: ErrorDetailsLabel, Value: b.errDetails})
			}
		}
		bounds[c+1] = len(buf)
	}
	for c := 0; c < int(numCategories); c++ {
		b.sortByName(buf[bounds[c]:bounds[c+1]])
	}
	b.buf = buf
	h := b.hashCategorised(buf, bounds)
	if r, ok := b.cache[h]; ok && r.sameAs(buf, bounds) {
		return r
	}
	r := b.newResult(buf, bounds)
	if b.seen == nil {
		b.seen = new([seenTableSize]uint64)
	}
	if slot := &b.seen[h&(seenTableSize-1)]; *slot != h {
		*slot = h // first sighting: remember the hash only
		return r
	}
	if len(b.cache) >= maxResultCacheItems {
		clear(b.cache)
	}
	b.cache[h] = r
	return r
}

// sortByName sorts seg by name. It sorts a permutation and then moves each label once:
// sorting the labels themselves moves pointers O(n²) times (insertion sort on short slices),
// each a GC write barrier while a collection runs, which showed up at ~15% of json parsing.
func (b *LabelsBuilder) sortByName(seg labels.Labels) {
	if slices.IsSortedFunc(seg, cmpLabel) {
		return
	}
	b.perm = b.perm[:0]
	for i := range seg {
		b.perm = append(b.perm, int32(i))
	}
	slices.SortFunc(b.perm, func(i, j int32) int { return strings.Compare(seg[i].Name, seg[j].Name) })
	b.tmp = b.tmp[:0]
	for _, i := range b.perm {
		b.tmp = append(b.tmp, seg[i])
	}
	copy(seg, b.tmp)
}

// mergeSorted merges three name-sorted runs with distinct names into dst.
func mergeSorted(dst, a, c, d labels.Labels) {
	k := 0
	for len(a)+len(c)+len(d) > 0 {
		src := &a
		if len(*src) == 0 || (len(c) > 0 && c[0].Name < (*src)[0].Name) {
			src = &c
		}
		if len(*src) == 0 || (len(d) > 0 && d[0].Name < (*src)[0].Name) {
			src = &d
		}
		dst[k] = (*src)[0]
		*src = (*src)[1:]
		k++
	}
}

// newResult copies buf into a result that owns its memory: values may point into the
// per-entry arena and structured metadata into the caller's buffers. All strings share one
// allocation, and both label slices another, to keep the cost of a new label set low.
func (b *LabelsBuilder) newResult(buf labels.Labels, bounds [numCategories + 1]int) *labelsResult {
	n := 0
	for _, l := range buf {
		n += len(l.Name) + len(l.Value)
	}
	mem := make([]byte, 0, n)
	all := make(labels.Labels, 2*len(buf))
	own, merged := all[:len(buf):len(buf)], all[len(buf):]
	for i, l := range buf {
		own[i] = labels.Label{Name: copyInto(&mem, l.Name), Value: copyInto(&mem, l.Value)}
	}
	mergeSorted(merged, own[bounds[0]:bounds[1]], own[bounds[1]:bounds[2]], own[bounds[2]:bounds[3]])
	r := &labelsResult{
		merged: merged,
		stream: own[bounds[0]:bounds[1]],
		sm:     own[bounds[1]:bounds[2]],
		parsed: own[bounds[2]:bounds[3]],
		hash:   b.hashLabels(merged),
	}
	b.strBuf = appendLabelsString(b.strBuf[:0], merged)
	r.str = string(b.strBuf)
	return r
}

// copyInto appends s to *mem (which never grows: it was sized for everything) and returns
// the copy.
func copyInto(mem *[]byte, s string) string {
	if s == "" {
		return ""
	}
	start := len(*mem)
	*mem = append(*mem, s...)
	return unsafe.String(&(*mem)[start], len(s))
}

// hashLabels equals labels.Labels.Hash (same bytes through xxhash) without its allocations.
func (b *LabelsBuilder) hashLabels(ls labels.Labels) uint64 {
	h := b.hashBuf[:0]
	for _, l := range ls {
		h = append(h, l.Name...)
		h = append(h, 0xff)
		h = append(h, l.Value...)
		h = append(h, 0xff)
	}
	b.hashBuf = h
	return xxhash.Sum64(h)
}

// appendLabelsString appends ls in the form of labels.Labels.String.
func appendLabelsString(dst []byte, ls labels.Labels) []byte {
	dst = append(dst, '{')
	for i, l := range ls {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, l.Name...)
		dst = append(dst, '=')
		dst = appendQuoted(dst, l.Value)
	}
	return append(dst, '}')
}

// appendQuoted is strconv.AppendQuote with a fast path for plain printable ASCII, which most
// label values are.
func appendQuoted(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return strconv.AppendQuote(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// GroupedLabels returns the entry's labels reduced by a by/without grouping (nil: all). An
// entry with an error keeps all its labels so that the error reaches the engine.
func (b *LabelsBuilder) GroupedLabels(g *Grouping, alsoDrop string) LabelsResult {
	if b.err != "" || (g == nil && alsoDrop == "") {
		return b.LabelsResult()
	}
	if g == nil || g.Without {
		return b.build(func(n string) bool {
			if n == alsoDrop {
				return false
			}
			return g == nil || !slices.Contains(g.Groups, n)
		})
	}
	return b.build(func(n string) bool { return slices.Contains(g.Groups, n) })
}

func cmpLabel(a, b labels.Label) int { return strings.Compare(a.Name, b.Name) }

// hashCategorised hashes the labels of each category, category boundaries included, through
// one scratch buffer (a single xxhash call is much cheaper than four Writes per label).
func (b *LabelsBuilder) hashCategorised(buf labels.Labels, bounds [numCategories + 1]int) uint64 {
	h := b.hashBuf[:0]
	for c := 0; c < int(numCategories); c++ {
		for _, l := range buf[bounds[c]:bounds[c+1]] {
			h = append(h, l.Name...)
			h = append(h, 0xff)
			h = append(h, l.Value...)
			h = append(h, 0xff)
		}
		h = append(h, 0xfe)
	}
	b.hashBuf = h
	return xxhash.Sum64(h)
}

// internValue returns v as a string that stays valid until the next Reset, without a heap
// allocation in the steady state: the bytes are copied into a per-entry arena. Results that
// outlive the entry (cached LabelsResults) copy their strings.
func (b *LabelsBuilder) internValue(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if cap(b.arena)-len(b.arena) < len(v) {
		// Start a new block rather than growing: strings already handed out keep pointing at
		// the old block, which stays alive while they are referenced.
		b.arena = make([]byte, 0, max(512, 2*len(v), 2*cap(b.arena)))
	}
	start := len(b.arena)
	b.arena = append(b.arena, v...)
	return unsafe.String(&b.arena[start], len(v))
}

// getWithCategory is Get plus the origin of the value.
func (b *LabelsBuilder) getWithCategory(name string) (string, Category, bool) {
	for c := numCategories - 1; c >= 0; c-- {
		for _, l := range b.add[c] {
			if l.Name == name {
				return l.Value, c, true
			}
		}
	}
	if v, ok := b.Get(name); ok {
		return v, StreamCategory, true
	}
	return "", 0, false
}
