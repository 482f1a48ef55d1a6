package log

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestSizeOnly(t *testing.T) {
	f := func(ex SampleExtractor, wantKind LineExtraction, wantOK bool) {
		t.Helper()
		kind, ok := SizeOnly(ex)
		if ok != wantOK || (ok && kind != wantKind) {
			t.Fatalf("SizeOnly = %v %v, want %v %v", kind, ok, wantKind, wantOK)
		}
		if !ok {
			return
		}
		// The property callers rely on: a nil line gives the same labels and keep flag.
		stream := labels.FromStrings("app", "a", "level", "info")
		sm := labels.FromStrings("level", "warn", "trace_id", "x")
		for _, m := range []labels.Labels{nil, sm} {
			v1, lr1, ok1 := ex.ForStream(stream).Process(5, []byte("some line"), m)
			v2, lr2, ok2 := ex.ForStream(stream).Process(5, nil, m)
			if ok1 != ok2 || lr1.String() != lr2.String() {
				t.Fatalf("nil line: %v %v, line: %v %v", lr2, ok2, lr1, ok1)
			}
			want := 1.0
			if kind == BytesExtraction {
				want = float64(len("some line"))
			}
			if v1 != want {
				t.Fatalf("value %v, want %v", v1, want)
			}
			_ = v2
		}
	}
	by := &Grouping{Groups: []string{"level"}}
	f(NewLineSampleExtractor(CountExtraction, nil, nil), CountExtraction, true)
	f(NewLineSampleExtractor(BytesExtraction, nil, by), BytesExtraction, true)
	f(NewLineSampleExtractor(CountExtraction, nil, &Grouping{Without: true, Groups: []string{"app"}}), CountExtraction, true)
	f(NewLineSampleExtractor(CountExtraction, []Stage{NewLogfmtParser(false, false)}, by), 0, false)
	lex, err := NewLabelSampleExtractor(nil, "x", ConvertFloat, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	f(lex, 0, false)
}
