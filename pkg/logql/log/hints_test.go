package log

import (
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

// TestParserHints checks that restricting parsers to the labels a grouped metric query needs
// changes no result: each extractor is compared with the same one plus a pass-through stage
// of unknown reads, which turns hints off.
func TestParserHints(t *testing.T) {
	passthrough := StageFunc(func(_ int64, line []byte, _ *LabelsBuilder) ([]byte, bool) { return line, true })
	stream := labels.FromStrings("app", "a", "level", "stream-level")
	lf := flogLines("logfmt", 300)
	js := flogLines("json", 300)
	type ext func(extra ...Stage) SampleExtractor
	for _, tc := range []struct {
		name  string
		lines [][]byte
		ex    ext
	}{
		{"logfmt count by method", lf, func(extra ...Stage) SampleExtractor {
			return NewLineSampleExtractor(CountExtraction, append([]Stage{NewLogfmtParser(false, false)}, extra...), &Grouping{Groups: []string{"method"}})
		}},
		{"logfmt filter and by", lf, func(extra ...Stage) SampleExtractor {
			return NewLineSampleExtractor(BytesExtraction, append([]Stage{NewLogfmtParser(false, false),
				NewOrLabelFilter(NewDurationLabelFilter(LabelFilterGreaterThan, "duration", 10*time.Millisecond), NewNumericLabelFilter(LabelFilterGreaterThanOrEqual, "status", 500))}, extra...),
				&Grouping{Groups: []string{"path", "level_extracted"}})
		}},
		{"json unwrap by", js, func(extra ...Stage) SampleExtractor {
			ex, err := NewLabelSampleExtractor(append([]Stage{NewJSONParser()}, extra...), "bytes", ConvertFloat,
				[]Stage{NewStringLabelFilter(mustMatcher(t, labels.MatchEqual, ErrorLabel, ""))}, &Grouping{Groups: []string{"method"}})
			if err != nil {
				t.Fatal(err)
			}
			return ex
		}},
		{"json keep and by", js, func(extra ...Stage) SampleExtractor {
			return NewLineSampleExtractor(CountExtraction, append([]Stage{NewJSONParser(), NewKeepLabels([]LabelMatch{{Name: "status"}, {Name: "host"}})}, extra...), &Grouping{Groups: []string{"status"}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hinted := tc.ex().ForStream(stream)
			full := tc.ex(passthrough).ForStream(stream)
			if hs := hinted.(interface{ hintedStages() []Stage }).hintedStages(); hs[0].(interface{ hinted() bool }).hinted() != true {
				t.Fatal("hints not applied")
			}
			if fs := full.(interface{ hintedStages() []Stage }).hintedStages(); fs[0].(interface{ hinted() bool }).hinted() {
				t.Fatal("hints applied despite an unknown stage")
			}
			for _, l := range tc.lines {
				v1, r1, ok1 := hinted.Process(0, l, nil)
				v2, r2, ok2 := full.Process(0, l, nil)
				if ok1 != ok2 || v1 != v2 || (ok1 && r1.String() != r2.String()) {
					t.Fatalf("line %s: hinted %v %v %v, full %v %v %v", l, v1, r1, ok1, v2, r2, ok2)
				}
			}
		})
	}
}

func (s *streamLineExtractor) hintedStages() []Stage  { return s.stages }
func (s *streamLabelExtractor) hintedStages() []Stage { return s.stages }
func (j *jsonParser) hinted() bool                    { return j.only != nil }
func (p *logfmtParser) hinted() bool                  { return p.only != nil }
