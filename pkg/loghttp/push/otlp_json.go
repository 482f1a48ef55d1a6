package push

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/skaldlogs/skald/proto/logproto"
)

// The OTLP/JSON shapes (lowerCamelCase names; 64-bit integers may be strings; trace and span
// IDs are hex; bytes are base64). OTLP/JSON is not a hot path: encoding/json is enough.
type otlpJSONRequest struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []otlpJSONKV `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			Scope struct {
				Name       string       `json:"name"`
				Version    string       `json:"version"`
				Attributes []otlpJSONKV `json:"attributes"`
			} `json:"scope"`
			LogRecords []otlpJSONRecord `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type otlpJSONKV struct {
	Key   string       `json:"key"`
	Value *otlpJSONAny `json:"value"`
}

type otlpJSONAny struct {
	StringValue *string         `json:"stringValue"`
	BoolValue   *bool           `json:"boolValue"`
	IntValue    json.RawMessage `json:"intValue"`
	DoubleValue json.RawMessage `json:"doubleValue"`
	BytesValue  *string         `json:"bytesValue"`
	ArrayValue  *struct {
		Values []*otlpJSONAny `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []otlpJSONKV `json:"values"`
	} `json:"kvlistValue"`
}

type otlpJSONRecord struct {
	TimeUnixNano         json.RawMessage `json:"timeUnixNano"`
	ObservedTimeUnixNano json.RawMessage `json:"observedTimeUnixNano"`
	SeverityNumber       json.RawMessage `json:"severityNumber"`
	SeverityText         string          `json:"severityText"`
	Body                 *otlpJSONAny    `json:"body"`
	Attributes           []otlpJSONKV    `json:"attributes"`
	Flags                json.RawMessage `json:"flags"`
	TraceID              string          `json:"traceId"`
	SpanID               string          `json:"spanId"`
}

// DecodeOTLPJSON decodes an OTLP/JSON ExportLogsServiceRequest with the same mapping as
// DecodeOTLP.
func DecodeOTLPJSON(body []byte, nowNanos int64) (*logproto.PushRequest, error) {
	var in otlpJSONRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		return nil, badRequest("decode otlp json: %v", err)
	}
	req := &logproto.PushRequest{Format: "otlp"}
	for _, rl := range in.ResourceLogs {
		resAttrs, err := flattenJSONAttrs(rl.Resource.Attributes, "", nil, 0)
		if err != nil {
			return nil, err
		}
		lbls, meta := otlpResource(resAttrs)
		st := &logproto.StreamAdapter{Labels: lbls}
		for _, sl := range rl.ScopeLogs {
			scopeMeta := append([]kv(nil), meta...)
			if sl.Scope.Name != "" {
				scopeMeta = append(scopeMeta, kv{"scope_name", sl.Scope.Name})
			}
			if sl.Scope.Version != "" {
				scopeMeta = append(scopeMeta, kv{"scope_version", sl.Scope.Version})
			}
			sattrs, err := flattenJSONAttrs(sl.Scope.Attributes, "", nil, 0)
			if err != nil {
				return nil, err
			}
			for _, a := range sattrs {
				scopeMeta = append(scopeMeta, kv{"scope_" + SanitizeLabelName(a.name), a.value})
			}
			for i := range sl.LogRecords {
				e, err := jsonRecord(&sl.LogRecords[i], nowNanos, scopeMeta)
				if err != nil {
					return nil, err
				}
				st.Entries = append(st.Entries, e)
			}
		}
		if len(st.Entries) > 0 {
			req.Streams = append(req.Streams, st)
		}
	}
	return req, nil
}

func jsonRecord(r *otlpJSONRecord, now int64, scopeMeta []kv) (*logproto.EntryAdapter, error) {
	ts, err := jsonUint(r.TimeUnixNano, "timeUnixNano")
	if err != nil {
		return nil, err
	}
	observed, err := jsonUint(r.ObservedTimeUnixNano, "observedTimeUnixNano")
	if err != nil {
		return nil, err
	}
	var extra []kv
	if n, err := jsonUint(r.SeverityNumber, "severityNumber"); err != nil {
		return nil, err
	} else if n != 0 {
		extra = append(extra, kv{"severity_number", strconv.FormatUint(n, 10)})
	}
	if r.SeverityText != "" {
		extra = append(extra, kv{"severity_text", r.SeverityText})
	}
	if n, err := jsonUint(r.Flags, "flags"); err != nil {
		return nil, err
	} else if n != 0 {
		extra = append(extra, kv{"flags", strconv.FormatUint(n, 10)})
	}
	// IDs are hex in OTLP/JSON already; lower-case them as the protobuf path renders them.
	if r.TraceID != "" {
		extra = append(extra, kv{"trace_id", strings.ToLower(r.TraceID)})
	}
	if r.SpanID != "" {
		extra = append(extra, kv{"span_id", strings.ToLower(r.SpanID)})
	}
	line := ""
	if r.Body != nil {
		if line, err = jsonAnyString(r.Body, 0); err != nil {
			return nil, err
		}
	}
	attrs, err := flattenJSONAttrs(r.Attributes, "", nil, 0)
	if err != nil {
		return nil, err
	}
	return otlpEntry(ts, observed, now, line, scopeMeta, attrs, extra), nil
}

// jsonUint reads an OTLP/JSON 64-bit integer, written as a number or a string.
func jsonUint(raw json.RawMessage, field string) (uint64, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, badRequest("decode otlp json: %s %q is not an unsigned integer", field, s)
	}
	return v, nil
}

func flattenJSONAttrs(in []otlpJSONKV, prefix string, out []kv, depth int) ([]kv, error) {
	if depth > maxAnyDepth {
		return nil, badRequest("decode otlp json: attributes nested deeper than %d", maxAnyDepth)
	}
	for _, a := range in {
		key := a.Key
		if prefix != "" {
			key = prefix + "_" + key
		}
		if a.Value != nil && a.Value.KvlistValue != nil {
			var err error
			if out, err = flattenJSONAttrs(a.Value.KvlistValue.Values, key, out, depth+1); err != nil {
				return nil, err
			}
			continue
		}
		v := ""
		if a.Value != nil {
			var err error
			if v, err = jsonAnyString(a.Value, depth+1); err != nil {
				return nil, err
			}
		}
		out = append(out, kv{key, v})
	}
	return out, nil
}

// jsonAnyString renders an AnyValue as the protobuf path does.
func jsonAnyString(v *otlpJSONAny, depth int) (string, error) {
	if depth > maxAnyDepth {
		return "", badRequest("decode otlp json: value nested deeper than %d", maxAnyDepth)
	}
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue), nil
	case len(v.IntValue) > 0:
		s := strings.Trim(string(v.IntValue), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", badRequest("decode otlp json: intValue %q is not an integer", s)
		}
		return strconv.FormatInt(n, 10), nil
	case len(v.DoubleValue) > 0:
		s := strings.Trim(string(v.DoubleValue), `"`)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", badRequest("decode otlp json: doubleValue %q is not a number", s)
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		if err != nil {
			return "", badRequest("decode otlp json: bytesValue is not base64: %v", err)
		}
		return hex.EncodeToString(b), nil
	case v.ArrayValue != nil:
		parts := make([]string, 0, len(v.ArrayValue.Values))
		for _, x := range v.ArrayValue.Values {
			s, err := jsonAnyJSON(x, depth+1)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, ",") + "]", nil
	case v.KvlistValue != nil:
		kvs := v.KvlistValue.Values
		idx := make([]int, len(kvs))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return kvs[idx[a]].Key < kvs[idx[b]].Key })
		var sb strings.Builder
		sb.WriteByte('{')
		for n, i := range idx {
			if n > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(jsonString(kvs[i].Key))
			sb.WriteByte(':')
			s, err := jsonAnyJSON(kvs[i].Value, depth+1)
			if err != nil {
				return "", err
			}
			sb.WriteString(s)
		}
		sb.WriteByte('}')
		return sb.String(), nil
	}
	return "", nil
}

// jsonAnyJSON renders an AnyValue as a JSON value (strings quoted, scalars bare).
func jsonAnyJSON(v *otlpJSONAny, depth int) (string, error) {
	if v == nil {
		return "null", nil
	}
	s, err := jsonAnyString(v, depth)
	if err != nil {
		return "", err
	}
	switch {
	case v.StringValue != nil, v.BytesValue != nil:
		return jsonString(s), nil
	case v.BoolValue != nil, len(v.IntValue) > 0, len(v.DoubleValue) > 0, v.ArrayValue != nil, v.KvlistValue != nil:
		return s, nil
	}
	return "null", nil
}
