package log

import (
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// jsonHintedCases are lines and hint sets (comma separated) that stress the hinted path:
// early stops followed by syntax errors, nested keys that flatten into a wanted name, keys
// that sanitise or clash, duplicates and escapes.
var jsonHintedCases = []struct{ line, hints string }{
	{`{"ts":"x","level":"info","status":503,"method":"GET","path":"/a"}`, "status"},
	{`{"ts":"x","level":"info","status":503,"method":"GET","path":"/a"}`, ""},
	{`{"ts":"x","level":"info","status":503,"method":"GET","path":"/a"}`, "status,nope"},
	{`{"status":500,"msg":"unterminated}`, "status"},
	{`{"status":500,"a":nope}`, "status"},
	{`{"status":500,"a" 1}`, "status"},
	{`{"status":500,"a":1`, "status"},
	{`{"status":500,"a":1 "b":2}`, "status"},
	{`{"status":500,"a":{"b":[1,2}}`, "status"},
	{`{"status":500,"a":{"b":{"c":}}}`, "status"},
	{`{"status":500,"k\x":1}`, "status"},
	{`{"status":500,"k\u12":1}`, "status"},
	{`{"status":500,"v":"bad \x escape"}`, "status"},
	{`{"status":500,"a":12-x}`, "status"},
	{`{"status":500} trailing garbage`, "status"},
	{`{"a":{"b":1},"a_b":2,"c":3}`, "a_b"},
	{`{"a_b":2,"a":{"b":1}}`, "a_b"},
	{`{"a":{"b":{"c":"deep"}},"x":1}`, "a_b_c,x"},
	{`{"a":{" ":{"b":1}}}`, "a_b"},
	{`{" ":{"status":404},"status":500}`, "status"},
	{`{"1st":{"x":1},"2":"two"}`, "_1st_x,_2"},
	{`{"app":"clash","app_extracted":"direct"}`, "app_extracted"},
	{`{"app":{"x":1}}`, "app_x,app_x_extracted"},
	{`{"st\u0061tus":500,"status":404}`, "status"},
	{`{"a-b":1,"a.b":2}`, "a_b"},
	{`{"s":"x\ud83d\ude00y","t":"\ud800"}`, "s,t"},
	{"{\"s\":\"x\xffy\"}", "s"},
	{`{"arr":[{"status":1}],"n":null,"status":true}`, "status,arr,n"},
	{`{"status":500,"status":404}`, "status"},
	{` { "status" : 500 , "b" :{ } } `, "status"},
	{`{}`, "status"},
	{``, "status"},
	{`[1,2]`, "status"},
	{`level=info status=500`, "status"},
	{`{"a":` + strings.Repeat(`{"a":`, maxJSONDepth+2) + `1` + strings.Repeat(`}`, maxJSONDepth+3), "status"},
	{`{"status":1,"a":` + strings.Repeat(`{"a":`, maxJSONDepth+2) + `1` + strings.Repeat(`}`, maxJSONDepth+3), "status"},
	{`{"status":1,"a":` + strings.Repeat(`[`, maxJSONDepth+2) + strings.Repeat(`]`, maxJSONDepth+2) + `}`, "status"},
}

// parseJSONWith runs one json parser over line for a stream, hinted by only (nil: no hints),
// and returns the parsed labels kept by keep plus __error__ and __error_details__.
func parseJSONWith(stream labels.Labels, line string, only map[string]struct{}, keep func(string) bool) string {
	p := NewJSONParser().(*jsonParser).forStream().(*jsonParser)
	if only != nil {
		p.setOnly(only)
	}
	lb := NewLabelsBuilder(stream)
	var out []string
	// Twice: the second run goes through the per-stream caches built by the first.
	for range 2 {
		lb.Reset(nil)
		if _, ok := p.Process(0, []byte(line), lb); !ok {
			return "dropped"
		}
		out = out[:0]
		for _, l := range lb.LabelsResult().Parsed() {
			if keep(l.Name) {
				out = append(out, l.Name+"="+l.Value)
			}
		}
		out = append(out, "err="+lb.GetErr(), "details="+lb.errDetails)
	}
	return strings.Join(out, " ")
}

func checkJSONHinted(t *testing.T, line, hints string) {
	t.Helper()
	only := map[string]struct{}{}
	for _, h := range strings.Split(hints, ",") {
		if h != "" {
			only[h] = struct{}{}
		}
	}
	stream := labels.FromStrings("app", "a", "env", "prod")
	isErr := func(n string) bool { return n == ErrorLabel || n == ErrorDetailsLabel }
	got := parseJSONWith(stream, line, only, func(n string) bool { return !isErr(n) })
	want := parseJSONWith(stream, line, nil, func(n string) bool { _, ok := only[n]; return ok })
	if got != want {
		t.Errorf("line %q hints %q:\nhinted %s\nfull   %s", line, hints, got, want)
	}
}

func TestJSONHintedMatchesFull(t *testing.T) {
	for _, c := range jsonHintedCases {
		checkJSONHinted(t, c.line, c.hints)
	}
	for _, l := range flogLines("json", 200) {
		for _, h := range []string{"status", "status,level", "duration", "nope", "host,duration,status"} {
			checkJSONHinted(t, string(l), h)
		}
	}
}

// TestJSONHintedPathUsed makes sure the hinted path runs (and skips what it should): a
// wanted label followed by an unwanted nested object must not build that object's prefix.
func TestJSONHintedPathUsed(t *testing.T) {
	p := NewJSONParser().(*jsonParser).forStream().(*jsonParser)
	p.setOnly(map[string]struct{}{"status": {}, "a_b": {}})
	lb := NewLabelsBuilder(nil)
	p.Process(0, []byte(`{"x":{"y":1},"a":{"b":2},"status":5}`), lb)
	if len(p.hkeys.seq) != 3 {
		t.Fatalf("hinted keys %+v, want 3", p.hkeys.seq)
	}
	for _, k := range p.hkeys.seq {
		wantDescend := k.raw == "a"
		if k.descend != wantDescend || k.want != (k.raw == "status") {
			t.Errorf("key %+v", k)
		}
	}
}

// FuzzJSONHintedMatchesFull checks that the hinted parser yields exactly the full parser's
// labels restricted to the hints, and the same __error__ and __error_details__.
func FuzzJSONHintedMatchesFull(f *testing.F) {
	for _, c := range jsonHintedCases {
		f.Add(c.line, c.hints)
	}
	f.Fuzz(func(t *testing.T, line, hints string) {
		checkJSONHinted(t, line, hints)
	})
}
