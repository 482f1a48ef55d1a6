package log

import (
	"fmt"
	"sync"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// TestPipelineConcurrentStreams runs one pipeline holding every buffered stage over many
// streams at once (run with -race): stage state must be per stream.
func TestPipelineConcurrentStreams(t *testing.T) {
	stages := []Stage{
		NewFilterStage(mustFilter(t, LineMatchEqual, "level")),
		NewLogfmtParser(false, false),
		mustStage(NewLabelsFormatter([]LabelFmt{{Name: "lvl", Value: "level", Rename: true}, {Name: "who", Value: "{{.app}}-{{.n}}"}})),
		NewAndLabelFilter(NewNumericLabelFilter(LabelFilterGreaterThanOrEqual, "n", 0), NewKeepLabels([]LabelMatch{{Name: "app"}, {Name: "lvl"}, {Name: "who"}, {Name: "n"}})),
		mustStage(NewLineFormatter(`{"n":{{.n}},"who":"{{.who}}"}`)),
		NewJSONParser(),
		mustStage(NewJSONExpressionParser([]LabelExtractionExpr{{"nn", "n"}})),
		mustStage(NewRegexpParser(`"who":"(?P<w>[^"]+)"`)),
		mustStage(NewPatternParser(`{"n":<pn>,<_>`)),
	}
	p := NewPipeline(stages)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := fmt.Sprintf("app%d", g)
			sp := p.ForStream(labels.FromStrings("app", app))
			for i := 0; i < 200; i++ {
				out, res, keep := sp.Process(int64(i), []byte(fmt.Sprintf("level=info n=%d", i)), nil)
				if !keep {
					t.Errorf("line %d dropped", i)
					return
				}
				wantLine := fmt.Sprintf(`{"n":%d,"who":"%s-%d"}`, i, app, i)
				want := fmt.Sprintf(`{app="%s", lvl="info", n="%d", nn="%d", pn="%d", w="%s-%d", who="%s-%d"}`, app, i, i, i, app, i, app, i)
				if string(out) != wantLine || res.String() != want {
					t.Errorf("got %s %s\nwant %s %s", out, res, wantLine, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMergeLineFilters(t *testing.T) {
	re := NewFilterStage(mustFilter(t, LineMatchRegexp, "a.*b"))
	eq := NewFilterStage(mustFilter(t, LineMatchEqual, "x"))
	ne := NewFilterStage(mustFilter(t, LineMatchNotEqual, "y"))
	js := NewJSONParser()
	got := mergeLineFilters([]Stage{re, eq, js, ne, re})
	if len(got) != 3 {
		t.Fatalf("got %d stages, want 3", len(got))
	}
	first := got[0].(filterStage).f.(*andFilter)
	if _, ok := first.fs[0].(*containsFilter); !ok {
		t.Errorf("substring filter not first: %T", first.fs[0])
	}
	for _, tc := range []struct {
		line string
		keep bool
	}{{"axb", true}, {"ab x", true}, {"b x a", false}, {"a x b y", false}, {"x", false}} {
		_, _, keep := runOne(t, []Stage{re, eq, ne}, `{}`, tc.line)
		if keep != tc.keep {
			t.Errorf("%q: keep %v, want %v", tc.line, keep, tc.keep)
		}
	}
}
