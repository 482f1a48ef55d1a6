package querier

import (
	"net/url"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

func TestDetected(t *testing.T) {
	src := (&memSource{}).
		add(labels.FromStrings("app", "api", "env", "prod"),
			iter.Entry{Timestamp: ts(3), Line: `{"level":"info","dur":"12ms","status":200,"req":{"size":"2KB"},"ok":true}`},
			iter.Entry{Timestamp: ts(2), Line: `{"level":"error","dur":"1.5s","status":500,"req":{"size":"10 KiB"},"ok":false}`}).
		add(labels.FromStrings("app", "web", "env", "prod"),
			iter.Entry{Timestamp: ts(1), Line: `level=warn latency=0.25 user="a b"`, StructuredMetadata: labels.FromStrings("trace_id", "t1")})
	e := newEnv(t, envOpts{ingesters: replicated(src, 1)})
	f := func(path string, params url.Values, want string) {
		t.Helper()
		code, body, _ := e.get(t, path, params)
		if code != 200 || strings.TrimSpace(body) != want {
			t.Fatalf("%s %v: %d\n%s\nwant\n%s", path, params, code, body, want)
		}
	}
	f("/loki/api/v1/detected_fields", url.Values{"query": {`{env="prod"}`}},
		`{"fields":[`+
			`{"label":"dur","type":"duration","cardinality":2,"parsers":["json"]},`+
			`{"label":"latency","type":"float","cardinality":1,"parsers":["logfmt"]},`+
			`{"label":"level","type":"string","cardinality":3,"parsers":["json","logfmt"]},`+
			`{"label":"ok","type":"boolean","cardinality":2,"parsers":["json"]},`+
			`{"label":"req_size","type":"bytes","cardinality":2,"parsers":["json"]},`+
			`{"label":"status","type":"int","cardinality":2,"parsers":["json"]},`+
			`{"label":"trace_id","type":"string","cardinality":1,"parsers":null},`+
			`{"label":"user","type":"string","cardinality":1,"parsers":["logfmt"]}],"limit":1000}`)
	f("/loki/api/v1/detected_fields", url.Values{"query": {`{app="web"}`}, "limit": {"1"}},
		`{"fields":[{"label":"latency","type":"float","cardinality":1,"parsers":["logfmt"]}],"limit":1}`)
	f("/loki/api/v1/detected_field/level/values", url.Values{"query": {`{env="prod"}`}},
		`{"values":["error","info","warn"],"limit":1000}`)
	f("/loki/api/v1/detected_field/nope/values", url.Values{"query": {`{env="prod"}`}}, `{"values":[],"limit":1000}`)
	f("/loki/api/v1/detected_labels", url.Values{"query": {`{env="prod"}`}},
		`{"detectedLabels":[{"label":"app","cardinality":2},{"label":"env","cardinality":1}]}`)
	f("/loki/api/v1/detected_labels", nil,
		`{"detectedLabels":[{"label":"app","cardinality":2},{"label":"env","cardinality":1}]}`)
	for _, bad := range []url.Values{{"query": {`{env=`}}, {"query": {`{a="b"}`}, "line_limit": {"0"}}, {"query": {`{a="b"}`}, "field_limit": {"x"}}} {
		if code, body, _ := e.get(t, "/loki/api/v1/detected_fields", bad); code != 400 {
			t.Fatalf("%v: %d %s", bad, code, body)
		}
	}
}

func TestValueType(t *testing.T) {
	f := func(v, want string) {
		t.Helper()
		if got := valueType(v); got != want {
			t.Fatalf("valueType(%q) = %s, want %s", v, got, want)
		}
	}
	f("true", "boolean")
	f("42", "int")
	f("-3.5", "float")
	f("250ms", "duration")
	f("1h2m", "duration")
	f("10KB", "bytes")
	f("3 MiB", "bytes")
	f("hello", "string")
	f("", "string")
}
