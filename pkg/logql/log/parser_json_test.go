package log

import (
	"encoding/json"
	"testing"
)

func TestJSONParser(t *testing.T) {
	for _, tc := range []struct {
		name, stream, line, want string
	}{
		{"flat", `{app="a"}`, `{"level":"error","status":500}`, `{app="a", level="error", status="500"}`},
		{"nested", `{}`, `{"app":"foo","pod":{"uuid":"u1","deployment":{"ref":"r"}}}`, `{app="foo", pod_deployment_ref="r", pod_uuid="u1"}`},
		{"numbers and bools", `{}`, `{"counter":1, "price": {"_net_":5.56909}, "ok":true, "f": false}`, `{counter="1", f="false", ok="true", price__net_="5.56909"}`},
		{"escapes", `{}`, `{"foo":"foo\\\"bar","nl":"a\nb","u":"\u00e9\ud83d\ude00"}`, "{foo=\"foo\\\\\\\"bar\", nl=\"a\\nb\", u=\"é😀\"}"},
		{"brackets inside strings of skipped arrays", `{}`, `{"a":["]}\"","{"],"b":{"c":[{"d":"}"}]},"e":1}`, `{e="1"}`},
		{"arrays and nulls skipped", `{}`, `{"counter":1, "price": {"net_":["10","20"]}, "n": null}`, `{counter="1"}`},
		{"bad key replaced", `{}`, `{"cou-nter":1, "a.b":2, "ÜFT8":3}`, `{_FT8="3", a_b="2", cou_nter="1"}`},
		{"leading digit", `{}`, `{"1st":"x"}`, `{_1st="x"}`},
		{"whitespace key", `{}`, `{" ": {"foo":"bar"}}`, `{foo="bar"}`},
		{"key sanitised to nothing", `{}`, `{" ": {" ":"bar"}, "a":{"":1}}`, `{a_="1"}`},
		{"clash with stream label", `{app="bar"}`, `{"app":"foo","next":{"err":false}}`, `{app="bar", app_extracted="foo", next_err="false"}`},
		{"duplicate key first wins", `{}`, `{"a":"1","a":"2","b":{"c":1},"b_c":2}`, `{a="1", b_c="1"}`},
		{"spaces", `{}`, " { \"a\" : \"1\" , \"b\" :{ } } ", `{a="1"}`},
		{"invalid", `{}`, `{n}`, `{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol"}`},
		{"not json", `{}`, `level=info msg=hi`, `{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol"}`},
		{"empty", `{}`, ``, `{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol"}`},
		{"unterminated string", `{}`, `{"a":"b`, `{__error__="JSONParserErr", __error_details__="Value is string, but can't find closing '\"' symbol"}`},
		{"missing colon", `{}`, `{"a" "b"}`, `{__error__="JSONParserErr", __error_details__="Malformed JSON error"}`},
		{"bad literal", `{}`, `{"a":nope}`, `{__error__="JSONParserErr", __error_details__="Unknown value type"}`},
		{"invalid utf8 value", `{}`, "{\"a\":\"x\xffy\",\"b\":\"\\ufffd\"}", `{a="x y", b=" "}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, keep := runOne(t, []Stage{NewJSONParser()}, tc.stream, tc.line)
			if !keep {
				t.Fatal("json dropped the line")
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestJSONExpressionParser(t *testing.T) {
	line := `{"app":"foo","field with space":"value","null_field":null,"bool_field":false,"namespace":"prod","pod":{"uuid":"foo","deployment":{"ref":"foobar", "params": [1,2,3]}}, "esc":"a\"b"}`
	for _, tc := range []struct {
		name   string
		stream string
		line   string
		exprs  []LabelExtractionExpr
		want   string
	}{
		{"single", `{}`, line, []LabelExtractionExpr{{"app", "app"}}, `{app="foo"}`},
		{"quoted key", `{}`, line, []LabelExtractionExpr{{"test", `["field with space"]`}}, `{test="value"}`},
		{"nested", `{}`, line, []LabelExtractionExpr{{"uuid", "pod.uuid"}}, `{uuid="foo"}`},
		{"nested alt", `{}`, line, []LabelExtractionExpr{{"uuid", `pod["uuid"]`}}, `{uuid="foo"}`},
		{"nested alt 2", `{}`, line, []LabelExtractionExpr{{"uuid", `["pod"]["uuid"]`}}, `{uuid="foo"}`},
		{"nested alt 3", `{}`, line, []LabelExtractionExpr{{"uuid", `["pod"].uuid`}}, `{uuid="foo"}`},
		{"array element", `{}`, line, []LabelExtractionExpr{{"p", "pod.deployment.params[1]"}}, `{p="2"}`},
		{"full array", `{}`, line, []LabelExtractionExpr{{"p", "pod.deployment.params"}}, `{p="[1,2,3]"}`},
		{"full object", `{}`, line, []LabelExtractionExpr{{"d", "pod.deployment"}}, `{d="{\"ref\":\"foobar\", \"params\": [1,2,3]}"}`},
		{"missing", `{}`, line, []LabelExtractionExpr{{"nope", "pod.nope"}}, `{nope=""}`},
		{"null", `{}`, line, []LabelExtractionExpr{{"nf", "null_field"}}, `{nf=""}`},
		{"bool", `{}`, line, []LabelExtractionExpr{{"b", "bool_field"}}, `{b="false"}`},
		{"escaped value", `{}`, line, []LabelExtractionExpr{{"e", "esc"}}, `{e="a\"b"}`},
		{"override", `{uuid="bar"}`, line, []LabelExtractionExpr{{"uuid", "pod.uuid"}}, `{uuid="bar", uuid_extracted="foo"}`},
		{"missing keeps stream label", `{foo="bar"}`, line, []LabelExtractionExpr{{"foo", "x.y"}}, `{foo="bar"}`},
		{"two", `{}`, line, []LabelExtractionExpr{{"app", "app"}, {"ns", "namespace"}}, `{app="foo", ns="prod"}`},
		{"invalid line", `{foo="bar"}`, `invalid json`, []LabelExtractionExpr{{"u", "a.b"}}, `{__error__="JSONParserErr", foo="bar"}`},
		{"empty line", `{foo="bar"}`, ``, []LabelExtractionExpr{{"u", "a.b"}}, `{foo="bar"}`},
		{"broken json", `{}`, `{"a":{"b":"x}`, []LabelExtractionExpr{{"u", "a.b"}}, `{__error__="JSONParserErr", __error_details__="Value is string, but can't find closing '\"' symbol"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustStage(NewJSONExpressionParser(tc.exprs))
			_, got, _ := runOne(t, []Stage{p}, tc.stream, tc.line)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestJSONPathErrors(t *testing.T) {
	for _, e := range []string{`field with space`, `"pod"]`, `["pod"`, `["pod""uuid"]`, `pod..uuid`, ``, `a.`, `a[x]`} {
		if _, err := NewJSONExpressionParser([]LabelExtractionExpr{{"app", e}}); err == nil {
			t.Errorf("expression %q: no error", e)
		}
	}
	if _, err := NewJSONExpressionParser([]LabelExtractionExpr{{"1bad", "a"}}); err == nil {
		t.Error("invalid identifier accepted")
	}
}

func FuzzJSONParser(f *testing.F) {
	for _, s := range []string{
		`{"a":"b"}`, `{"app":"foo","pod":{"uuid":"u1","deployment":{"ref":"r"}}}`, `{n}`, ``, `{"a":[1,{"b":2}]}`,
		`{"a":"\u00e9\ud83d"}`, `{"a":nope}`, `{"a" "b"}`, `[1,2]`, `{"a":{"b":{"c":{}}}}`,
	} {
		f.Add(s)
	}
	exprParser, err := NewJSONExpressionParser([]LabelExtractionExpr{{"x", "a.b[0]"}, {"y", `["a"]`}})
	if err != nil {
		f.Fatal(err)
	}
	p := NewPipeline([]Stage{NewJSONParser(), exprParser, NewUnpackParser()})
	jp := NewPipeline([]Stage{NewJSONParser()})
	f.Fuzz(func(t *testing.T, s string) {
		sp := p.ForStream(nil)
		_, res, _ := sp.Process(0, []byte(s), nil)
		if res != nil {
			_ = res.String()
		}
		// Every valid JSON object parses without error.
		var obj map[string]any
		if json.Valid([]byte(s)) && json.Unmarshal([]byte(s), &obj) == nil && obj != nil {
			_, res, _ := jp.ForStream(nil).Process(0, []byte(s), nil)
			if e := res.Labels().Get(ErrorDetailsLabel); e != "" {
				t.Fatalf("valid JSON %q: %s", s, e)
			}
		}
	})
}

// scanStringRef is the obvious byte loop scanString must agree with.
func scanStringRef(data []byte, i int) (int, bool, bool) {
	esc := false
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '"':
			return j + 1, esc, true
		case '\\':
			esc = true
			j++
		}
	}
	return 0, false, false
}

func FuzzScanString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"a\\"b`, `"a\\\"b"`, `"`, `"\`, `"\\\\"x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := []byte(`"` + s)
		end, esc, err := scanString(d, 0)
		rEnd, rEsc, ok := scanStringRef(d, 0)
		if (err == nil) != ok || (ok && (end != rEnd || esc != rEsc)) {
			t.Fatalf("%q: got %d %v %v, want %d %v %v", d, end, esc, err, rEnd, rEsc, ok)
		}
	})
}
