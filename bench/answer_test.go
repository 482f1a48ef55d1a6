package bench

import (
	"strconv"
	"strings"
	"testing"
)

const (
	lokiStreams = `{"status":"success","data":{"resultType":"streams","result":[
		{"stream":{"app":"a"},"values":[["2","{\"level\":\"info\",\"trace_id\":\"bb\",\"msg\":\"x needle1 n1\"}"],["1","{\"trace_id\":\"aa\"}"]]},
		{"stream":{"app":"b"},"values":[["3","{\"trace_id\":\"cc\"}"]]}]}}`
	lokiMatrix = `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{},"values":[[1764064800,"10"],[1764064860,"5"]]}]}}`
	vlMatrix = `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"__name__":"hits","level":"info"},"values":[[1764064800,"7"],[1764064860,"1"]]},
		{"metric":{"__name__":"hits","level":"error"},"values":[[1764064800,"2"]]}]}}`
	vlLines = `{"_msg":"x needle1 n1","_time":"2026-11-25T10:00:00Z","trace_id":"bb"}
{"_msg":"{\"trace_id\":\"aa\",\"msg\":\"unparsed\"}","_time":"2026-11-25T10:00:01Z"}

{"_msg":"y","trace_id":"cc"}
`
)

func TestParseAnswer(t *testing.T) {
	f := func(d Dialect, k Kind, body string, ids string, total int64, byLevel string) {
		t.Helper()
		a, err := ParseAnswer(d, k, []byte(body))
		if err != nil {
			t.Fatalf("ParseAnswer(%s, %d): %v", d, k, err)
		}
		var lv []string
		for _, l := range []string{"", "info", "warn", "error", "debug"} {
			if n, ok := a.ByLevel[l]; ok {
				lv = append(lv, l+"="+strconv.FormatInt(n, 10))
			}
		}
		if got := strings.Join(a.TraceIDs, ","); got != ids || a.Total != total || strings.Join(lv, ",") != byLevel {
			t.Errorf("ParseAnswer(%s, %d) = ids %q total %d levels %v, want %q %d %q", d, k, got, a.Total, lv, ids, total, byLevel)
		}
	}
	f(Loki, KindNeedle, lokiStreams, "aa,bb,cc", 0, "")
	f(Loki, KindProbe, lokiStreams, "aa,bb,cc", 0, "")
	f(Loki, KindLevels, lokiMatrix, "", 15, "=15")
	f(Loki, KindErrors, `{"data":{"resultType":"matrix","result":[]}}`, "", 0, "")
	f(VictoriaLogs, KindLevels, vlMatrix, "", 10, "info=8,error=2")
	f(VictoriaLogs, KindNeedle, vlLines, "aa,bb,cc", 0, "")
	f(VictoriaLogs, KindProbe, "", "", 0, "")

	bad := func(d Dialect, k Kind, body string) {
		t.Helper()
		if _, err := ParseAnswer(d, k, []byte(body)); err == nil {
			t.Errorf("ParseAnswer(%s, %d, %q) succeeded", d, k, body)
		}
	}
	bad(Loki, KindNeedle, lokiMatrix)
	bad(Loki, KindLevels, lokiStreams)
	bad(Loki, KindLevels, `{"data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}}`)
	bad(Loki, KindLevels, `{"data":{"resultType":"matrix","result":[{"values":[[1,2]]}]}}`)
	bad(Loki, KindNeedle, `not json`)
	bad(VictoriaLogs, KindNeedle, "{\"_msg\":\"a\"}\nnot json\n")
}

func TestCheck(t *testing.T) {
	e := Expected{Lines: 10, Levels: [4]int64{6, 2, 1, 1}, Status5xx: 1, Needles: []string{"a", "b"}, Probe: []string{"p", "q"}}
	f := func(k Kind, a Answer, want string) {
		t.Helper()
		if got := Check(k, a, e); !strings.Contains(got, want) || (want == "" && got != "") {
			t.Errorf("Check(%d, %+v) = %q, want %q", k, a, got, want)
		}
	}
	f(KindNeedle, Answer{TraceIDs: []string{"a", "b"}}, "")
	f(KindNeedle, Answer{TraceIDs: []string{"a"}}, "got 1, want 2 (1 missing, 0 unexpected)")
	f(KindNeedle, Answer{TraceIDs: []string{"a", "b", "c"}}, "(0 missing, 1 unexpected)")
	f(KindNeedle, Answer{TraceIDs: []string{"a", "c"}}, "(1 missing, 1 unexpected)")
	f(KindNeedle, Answer{}, "got 0, want 2")
	f(KindProbe, Answer{TraceIDs: []string{"p", "q"}}, "")
	f(KindProbe, Answer{TraceIDs: []string{"a", "b"}}, "probe lines")
	f(KindErrors, Answer{Total: 1}, "")
	f(KindErrors, Answer{Total: 2}, "counted 2 lines with status>=500, want 1")
	f(KindLevels, Answer{Total: 10, ByLevel: map[string]int64{"": 10}}, "")
	f(KindLevels, Answer{Total: 9, ByLevel: map[string]int64{"": 9}}, "counted 9 lines, want 10")
	f(KindLevels, Answer{Total: 10, ByLevel: map[string]int64{"info": 6, "warn": 2, "error": 1, "debug": 1}}, "")
	f(KindLevels, Answer{Total: 10, ByLevel: map[string]int64{"info": 7, "warn": 1, "error": 1, "debug": 1}}, "counted 7 info lines, want 6")
}

func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{lokiStreams, lokiMatrix, vlMatrix, vlLines, "", "{}", `{"data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}}`} {
		f.Add(s, uint8(0), uint8(0))
		f.Add(s, uint8(1), uint8(1))
		f.Add(s, uint8(0), uint8(3))
	}
	f.Fuzz(func(t *testing.T, body string, d, k uint8) {
		a, err := ParseAnswer(Dialect(d%2), Kind(k%4), []byte(body))
		if err == nil {
			Check(Kind(k%4), a, Expected{})
		}
	})
}
