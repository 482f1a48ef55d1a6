package log

import (
	"strconv"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestLineSampleExtractor(t *testing.T) {
	stream := labels.FromStrings("app", "a", "env", "p")
	lf := NewLogfmtParser(false, false)
	for _, tc := range []struct {
		name   string
		kind   LineExtraction
		stages []Stage
		g      *Grouping
		line   string
		want   float64
		labels string
	}{
		{"count all labels", CountExtraction, nil, nil, "hello", 1, `{app="a", env="p"}`},
		{"bytes", BytesExtraction, nil, nil, "hello", 5, `{app="a", env="p"}`},
		{"bytes after line_format", BytesExtraction, []Stage{mustStage(NewLineFormatter("xy"))}, nil, "hello", 2, `{app="a", env="p"}`},
		{"by", CountExtraction, []Stage{lf}, &Grouping{Groups: []string{"level"}}, "level=info msg=x", 1, `{level="info"}`},
		{"by stream label", CountExtraction, []Stage{lf}, &Grouping{Groups: []string{"app", "nope"}}, "level=info", 1, `{app="a"}`},
		{"by nothing", CountExtraction, nil, &Grouping{}, "x", 1, `{}`},
		{"without", CountExtraction, []Stage{lf}, &Grouping{Groups: []string{"msg", "env"}, Without: true}, "level=info msg=x", 1, `{app="a", level="info"}`},
		{"error keeps all labels", CountExtraction, []Stage{NewJSONParser()}, &Grouping{Groups: []string{"level"}}, "x", 1,
			`{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol", app="a", env="p"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			se := NewLineSampleExtractor(tc.kind, tc.stages, tc.g).ForStream(stream)
			v, lbs, ok := se.Process(0, []byte(tc.line), nil)
			if !ok {
				t.Fatal("no sample")
			}
			if v != tc.want || lbs.String() != tc.labels {
				t.Errorf("got %v %s, want %v %s", v, lbs, tc.want, tc.labels)
			}
			if se.BaseLabels().String() != stream.String() {
				t.Errorf("base labels %s", se.BaseLabels())
			}
		})
	}
	// Only line filters: the labels are the stream's, grouped; structured metadata still counts.
	static := NewLineSampleExtractor(CountExtraction, []Stage{NewFilterStage(mustFilter(t, LineMatchEqual, "x"))}, &Grouping{Groups: []string{"env", "tid"}}).ForStream(stream)
	for i := 0; i < 2; i++ {
		if _, lbs, ok := static.Process(0, []byte("x"), nil); !ok || lbs.String() != `{env="p"}` {
			t.Errorf("static labels %v", lbs)
		}
		if _, lbs, ok := static.Process(0, []byte("x"), labels.FromStrings("tid", "7")); !ok || lbs.String() != `{env="p", tid="7"}` {
			t.Errorf("static labels with metadata %v", lbs)
		}
	}
	flt := mustFilter(t, LineMatchEqual, "keep")
	se := NewLineSampleExtractor(CountExtraction, []Stage{NewFilterStage(flt)}, nil).ForStream(stream)
	if _, _, ok := se.Process(0, []byte("drop me"), nil); ok {
		t.Error("filtered line produced a sample")
	}
}

func mustFilter(t *testing.T, op LineFilterOp, m string) Filterer {
	t.Helper()
	f, err := NewLineFilter(op, m)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLabelSampleExtractor(t *testing.T) {
	stream := labels.FromStrings("app", "a")
	lf := NewLogfmtParser(false, false)
	noErr := NewStringLabelFilter(mustMatcher(t, labels.MatchEqual, ErrorLabel, ""))
	for _, tc := range []struct {
		name   string
		label  string
		conv   Conversion
		post   []Stage
		g      *Grouping
		line   string
		ok     bool
		want   float64
		labels string
	}{
		{"float, unwrapped label removed", "latency", ConvertFloat, nil, nil, "latency=1.5 path=/x", true, 1.5, `{app="a", path="/x"}`},
		{"duration", "d", ConvertDuration, nil, nil, "d=250ms", true, 0.25, `{app="a"}`},
		{"duration_seconds", "d", ConvertDurationSeconds, nil, nil, "d=1m30s", true, 90, `{app="a"}`},
		{"bytes", "s", ConvertBytes, nil, nil, "s=1.5KiB", true, 1536, `{app="a"}`},
		{"by keeps groups only", "latency", ConvertFloat, nil, &Grouping{Groups: []string{"path"}}, "latency=2 path=/x other=1", true, 2, `{path="/x"}`},
		{"without also drops the label", "latency", ConvertFloat, nil, &Grouping{Groups: []string{"other"}, Without: true}, "latency=2 path=/x other=1", true, 2, `{app="a", path="/x"}`},
		{"conversion error", "latency", ConvertFloat, nil, nil, "latency=abc", true, 0,
			`{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \"abc\": invalid syntax", app="a", latency="abc"}`},
		{"missing label", "latency", ConvertFloat, nil, nil, "x=1", true, 0,
			`{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \"\": invalid syntax", app="a", x="1"}`},
		{"post filter drops errors", "latency", ConvertFloat, []Stage{noErr}, nil, "latency=abc", false, 0, ``},
		{"post filter keeps good", "latency", ConvertFloat, []Stage{noErr}, nil, "latency=3", true, 3, `{app="a"}`},
		{"post numeric filter", "latency", ConvertFloat, []Stage{NewNumericLabelFilter(LabelFilterGreaterThan, "latency", 5)}, nil, "latency=3", false, 0, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := NewLabelSampleExtractor([]Stage{lf}, tc.label, tc.conv, tc.post, tc.g)
			if err != nil {
				t.Fatal(err)
			}
			v, lbs, ok := ex.ForStream(stream).Process(0, []byte(tc.line), nil)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if v != tc.want || lbs.String() != tc.labels {
				t.Errorf("got %v %s, want %v %s", v, lbs, tc.want, tc.labels)
			}
		})
	}
	if _, err := NewLabelSampleExtractor(nil, "", ConvertFloat, nil, nil); err == nil {
		t.Error("empty label accepted")
	}
}

func TestLabelsResultCache(t *testing.T) {
	sp := NewPipeline([]Stage{NewLogfmtParser(false, false)}).ForStream(labels.FromStrings("app", "a"))
	_, r0, _ := sp.Process(0, []byte("level=info"), nil) // first sighting: not cached
	_, r1, _ := sp.Process(0, []byte("level=info"), nil) // second: cached
	_, r2, _ := sp.Process(0, []byte("level=info"), nil)
	if r1 != r2 || r0.String() != r1.String() {
		t.Error("a recurring label set was not served from the cache")
	}
	// Label sets that never recur are not cached.
	lb := sp.(*streamPipeline).lb
	before := len(lb.cache)
	for i := 0; i < 1000; i++ {
		sp.Process(0, []byte("trace="+strconv.Itoa(i)), nil)
	}
	if len(lb.cache) != before {
		t.Errorf("cache grew from %d to %d on unique label sets", before, len(lb.cache))
	}
	_, r3, _ := sp.Process(0, []byte("level=warn"), nil)
	if r3.String() != `{app="a", level="warn"}` || r1.String() != `{app="a", level="info"}` {
		t.Errorf("results changed: %s %s", r1, r3)
	}
	if r1.Hash() != r1.Labels().Hash() || r1.Parsed().String() != `{level="info"}` || r1.Stream().String() != `{app="a"}` {
		t.Errorf("result parts: %v", r1)
	}
	// A line without changes returns the base result.
	sp2 := NewNoopPipeline().ForStream(labels.FromStrings("app", "a"))
	line, r4, keep := sp2.Process(0, []byte("x"), nil)
	if !keep || string(line) != "x" || r4 != sp2.BaseLabels() {
		t.Error("noop pipeline changed the entry")
	}
}
