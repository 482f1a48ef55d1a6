package querier

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestVolume(t *testing.T) {
	ing, store := standardData()
	e := newEnv(t, envOpts{ingesters: replicated(ing, 2), rf: 2, store: store})
	// Bytes: app=a: "a1 ok" 5 + "a2 error" 8 + "a3 ok" 5 = 18 (each once despite the
	// copies); app=b: "b1 error" 8.
	end := fmt.Sprint(now.Unix())
	f := func(path string, params url.Values, want string) {
		t.Helper()
		code, body, _ := e.get(t, path, params)
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("%s %v: %d %s\nwant %s", path, params, code, body, want)
		}
	}
	sel := `{app=~".+"}`
	f("/loki/api/v1/index/volume", url.Values{"query": {sel}},
		`"resultType":"vector","result":[{"metric":{"app":"a"},"value":[`+end+`,"18"]},{"metric":{"app":"b"},"value":[`+end+`,"8"]}]`)
	f("/loki/api/v1/index/volume", url.Values{"query": {sel}, "targetLabels": {"env"}},
		`"result":[{"metric":{"env":"prod"},"value":[`+end+`,"18"]},{"metric":{"env":"dev"},"value":[`+end+`,"8"]}]`)
	f("/loki/api/v1/index/volume", url.Values{"query": {sel}, "limit": {"1"}},
		`"result":[{"metric":{"app":"a"},"value":[`+end+`,"18"]}]`)
	f("/loki/api/v1/index/volume", url.Values{"query": {sel}, "aggregateBy": {"labels"}},
		`"result":[{"metric":{"app":""},"value":[`+end+`,"26"]},{"metric":{"env":""},"value":[`+end+`,"26"]}]`)
	f("/loki/api/v1/index/volume_range", url.Values{"query": {`{app="a"}`}, "start": {fmt.Sprint(now.Add(-10 * time.Minute).UnixNano())}, "step": {"300"}},
		`"resultType":"matrix","result":[{"metric":{"app":"a"},"values":[[`+end+`,"18"]]}]`)

	for _, bad := range []url.Values{
		{"query": {`{app=`}},
		{"query": {sel}, "aggregateBy": {"pods"}},
		{"query": {sel}, "limit": {"0"}},
		{"query": {sel}, "targetLabels": {"a-b"}},
	} {
		if code, body, _ := e.get(t, "/loki/api/v1/index/volume", bad); code != 400 {
			t.Fatalf("%v: %d %s", bad, code, body)
		}
	}
}
