package push

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

// OTLPIndexLabels are the resource attributes that become stream labels by default, as in
// Loki; every other attribute becomes structured metadata.
var otlpIndexLabels = []string{
	"service.name", "service.namespace", "service.instance.id", "deployment.environment",
	"deployment.environment.name", "cloud.region", "cloud.availability_zone", "k8s.cluster.name",
	"k8s.namespace.name", "k8s.pod.name", "k8s.container.name", "container.name",
	"k8s.replicaset.name", "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name",
	"k8s.cronjob.name", "k8s.job.name",
}

func isOTLPIndexLabel(name string) bool {
	for _, n := range otlpIndexLabels {
		if n == name {
			return true
		}
	}
	return false
}

// SanitizeLabelName turns an attribute name into a label name: every character outside
// [a-zA-Z0-9_] becomes _, and a leading digit gets a _ prefix.
func SanitizeLabelName(s string) string {
	ok := s != "" && !(s[0] >= '0' && s[0] <= '9')
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	}
	if ok {
		return s
	}
	var b strings.Builder
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		b.WriteByte('_')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// DecodeOTLP decodes an uncompressed OTLP ExportLogsServiceRequest (protobuf) into a push
// request, mapping it as Loki does: one stream per resource, labelled by the promoted resource
// attributes (service_name is unknown_service when the resource has none); other resource
// attributes, the scope, the record's attributes, severity, trace and span IDs become
// structured metadata; the body is the line. Records without a time use their observed time,
// else nowNanos.
func DecodeOTLP(buf []byte, nowNanos int64) (*logproto.PushRequest, error) {
	d := protoDec{s: unsafe.String(unsafe.SliceData(buf), len(buf))}
	req := &logproto.PushRequest{Format: "otlp"}
	b := d.s
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		if num == 1 && typ == protowire.BytesType {
			if err := d.resourceLogs(v, nowNanos, req); err != nil {
				return nil, err
			}
		}
	}
	return req, nil
}

// kv is a flattened attribute.
type kv struct{ name, value string }

// otlpResource splits a resource's attributes into the stream labels (the promoted ones, with
// service_name defaulting to unknown_service) and the structured metadata of its records.
func otlpResource(attrs []kv) (string, []kv) {
	var ls labels.Labels
	var meta []kv
	for _, a := range attrs {
		if isOTLPIndexLabel(a.name) {
			ls = append(ls, labels.Label{Name: SanitizeLabelName(a.name), Value: a.value})
		} else {
			meta = append(meta, kv{SanitizeLabelName(a.name), a.value})
		}
	}
	if !ls.Has("service_name") {
		ls = append(ls, labels.Label{Name: "service_name", Value: "unknown_service"})
	}
	return canonical(ls), meta
}

// otlpEntry builds one entry: the time falls back to the observed time, then to now; the
// structured metadata is the resource and scope metadata, the record's attributes, then the
// record's own fields (severity, flags, trace and span IDs).
func otlpEntry(ts, observed uint64, now int64, line string, scopeMeta, attrs, extra []kv) *logproto.EntryAdapter {
	t := ts
	if t == 0 {
		t = observed
	}
	if t == 0 || t > math.MaxInt64 {
		t = uint64(now)
	}
	e := &logproto.EntryAdapter{Timestamp: &timestamppb.Timestamp{Seconds: int64(t / 1e9), Nanos: int32(t % 1e9)}, Line: line}
	all := make([]logproto.LabelPairAdapter, 0, len(scopeMeta)+len(attrs)+len(extra))
	for _, m := range scopeMeta {
		all = append(all, logproto.LabelPairAdapter{Name: m.name, Value: m.value})
	}
	for _, a := range attrs {
		all = append(all, logproto.LabelPairAdapter{Name: SanitizeLabelName(a.name), Value: a.value})
	}
	for _, x := range extra {
		all = append(all, logproto.LabelPairAdapter{Name: x.name, Value: x.value})
	}
	if len(all) > 0 {
		e.StructuredMetadata = make([]*logproto.LabelPairAdapter, len(all))
		for i := range all {
			e.StructuredMetadata[i] = &all[i]
		}
	}
	return e
}

func (d *protoDec) resourceLogs(b string, now int64, req *logproto.PushRequest) error {
	var resAttrs []kv
	var scopes []string
	err := d.bytesFields(b, func(num protowire.Number, v string) error {
		switch num {
		case 1: // Resource
			return d.bytesFields(v, func(n2 protowire.Number, v2 string) (err error) {
				if n2 == 1 {
					resAttrs, err = d.keyValue(v2, "", resAttrs, 0)
				}
				return err
			})
		case 2:
			scopes = append(scopes, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	lbls, meta := otlpResource(resAttrs)
	st := &logproto.StreamAdapter{Labels: lbls}
	for _, sc := range scopes {
		if err := d.scopeLogs(sc, now, meta, st); err != nil {
			return err
		}
	}
	if len(st.Entries) > 0 {
		req.Streams = append(req.Streams, st)
	}
	return nil
}

func (d *protoDec) scopeLogs(b string, now int64, resMeta []kv, st *logproto.StreamAdapter) error {
	meta := append([]kv(nil), resMeta...)
	var records []string
	err := d.bytesFields(b, func(num protowire.Number, v string) error {
		switch num {
		case 1: // InstrumentationScope
			return d.bytesFields(v, func(n2 protowire.Number, v2 string) error {
				switch n2 {
				case 1:
					if v2 != "" {
						meta = append(meta, kv{"scope_name", d.str(v2)})
					}
				case 2:
					if v2 != "" {
						meta = append(meta, kv{"scope_version", d.str(v2)})
					}
				case 3:
					attrs, err := d.keyValue(v2, "", nil, 0)
					if err != nil {
						return err
					}
					for _, a := range attrs {
						meta = append(meta, kv{"scope_" + SanitizeLabelName(a.name), a.value})
					}
				}
				return nil
			})
		case 2:
			records = append(records, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, rec := range records {
		e, err := d.logRecord(rec, now, meta)
		if err != nil {
			return err
		}
		st.Entries = append(st.Entries, e)
	}
	return nil
}

func (d *protoDec) logRecord(b string, now int64, scopeMeta []kv) (*logproto.EntryAdapter, error) {
	var (
		ts, observed uint64
		line         string
		attrs        []kv
		extra        []kv
	)
	for len(b) > 0 {
		bs := unsafe.Slice(unsafe.StringData(b), len(b))
		num, typ, n := protowire.ConsumeTag(bs)
		if n < 0 || num <= 0 {
			return nil, errTruncated
		}
		switch {
		case typ == protowire.Fixed64Type && (num == 1 || num == 11):
			v, m := protowire.ConsumeFixed64(bs[n:])
			if m < 0 {
				return nil, errTruncated
			}
			if num == 1 {
				ts = v
			} else {
				observed = v
			}
			b = b[n+m:]
			continue
		case typ == protowire.VarintType && num == 2:
			v, m := protowire.ConsumeVarint(bs[n:])
			if m < 0 {
				return nil, errTruncated
			}
			if v != 0 {
				extra = append(extra, kv{"severity_number", strconv.FormatUint(v, 10)})
			}
			b = b[n+m:]
			continue
		case typ == protowire.Fixed32Type && num == 8:
			v, m := protowire.ConsumeFixed32(bs[n:])
			if m < 0 {
				return nil, errTruncated
			}
			if v != 0 {
				extra = append(extra, kv{"flags", strconv.FormatUint(uint64(v), 10)})
			}
			b = b[n+m:]
			continue
		}
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		if typ != protowire.BytesType {
			continue
		}
		switch num {
		case 3:
			if v != "" {
				extra = append(extra, kv{"severity_text", d.str(v)})
			}
		case 5:
			if line, err = d.anyValue(v, 0); err != nil {
				return nil, err
			}
		case 6:
			if attrs, err = d.keyValue(v, "", attrs, 0); err != nil {
				return nil, err
			}
		case 9:
			if v != "" {
				extra = append(extra, kv{"trace_id", hex.EncodeToString([]byte(v))})
			}
		case 10:
			if v != "" {
				extra = append(extra, kv{"span_id", hex.EncodeToString([]byte(v))})
			}
		}
	}
	return otlpEntry(ts, observed, now, line, scopeMeta, attrs, extra), nil
}

// maxAnyDepth bounds attribute nesting so that hostile input cannot exhaust the stack.
const maxAnyDepth = 32

// keyValue decodes one KeyValue, flattening nested key-value lists with _ (a.b inside c gives
// c_a.b, sanitised later), and appends the results to out.
func (d *protoDec) keyValue(b, prefix string, out []kv, depth int) ([]kv, error) {
	if depth > maxAnyDepth {
		return nil, badRequest("decode otlp: attributes nested deeper than %d", maxAnyDepth)
	}
	var key, val string
	hasVal := false
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		if typ != protowire.BytesType {
			continue
		}
		switch num {
		case 1:
			key = d.str(v)
		case 2:
			val, hasVal = v, true
		}
	}
	if prefix != "" {
		key = prefix + "_" + key
	}
	if !hasVal {
		return append(out, kv{key, ""}), nil
	}
	// A nested key-value list is flattened into several attributes.
	if list, ok, err := d.kvList(val); err != nil {
		return nil, err
	} else if ok {
		for _, item := range list {
			if out, err = d.keyValue(item, key, out, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	s, err := d.anyValue(val, depth+1)
	if err != nil {
		return nil, err
	}
	return append(out, kv{key, s}), nil
}

// kvList reports whether an AnyValue holds a kvlist_value and returns its KeyValue payloads.
func (d *protoDec) kvList(b string) ([]string, bool, error) {
	var items []string
	found := false
	err := d.bytesFields(b, func(num protowire.Number, v string) error {
		if num != 6 {
			return nil
		}
		found = true
		return d.bytesFields(v, func(n2 protowire.Number, v2 string) error {
			if n2 == 1 {
				items = append(items, v2)
			}
			return nil
		})
	})
	if err != nil {
		return nil, false, err
	}
	return items, found, nil
}

// anyValue renders an AnyValue as a string: strings as they are, numbers and booleans in their
// usual text, bytes as hex, arrays and maps as JSON.
func (d *protoDec) anyValue(b string, depth int) (string, error) {
	if depth > maxAnyDepth {
		return "", badRequest("decode otlp: value nested deeper than %d", maxAnyDepth)
	}
	out := ""
	for len(b) > 0 {
		bs := unsafe.Slice(unsafe.StringData(b), len(b))
		num, typ, n := protowire.ConsumeTag(bs)
		if n < 0 || num <= 0 {
			return "", errTruncated
		}
		switch {
		case typ == protowire.VarintType && (num == 2 || num == 3):
			v, m := protowire.ConsumeVarint(bs[n:])
			if m < 0 {
				return "", errTruncated
			}
			if num == 2 {
				out = strconv.FormatBool(v != 0)
			} else {
				out = strconv.FormatInt(int64(v), 10)
			}
			b = b[n+m:]
			continue
		case typ == protowire.Fixed64Type && num == 4:
			v, m := protowire.ConsumeFixed64(bs[n:])
			if m < 0 {
				return "", errTruncated
			}
			out = strconv.FormatFloat(math.Float64frombits(v), 'f', -1, 64)
			b = b[n+m:]
			continue
		}
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return "", err
		}
		b = rest
		if typ != protowire.BytesType {
			continue
		}
		switch num {
		case 1:
			out = d.str(v)
		case 7:
			out = hex.EncodeToString([]byte(v))
		case 5, 6:
			if out, err = d.anyJSON(num, v, depth+1); err != nil {
				return "", err
			}
		}
	}
	return out, nil
}

// anyJSON renders an array (5) or key-value list (6) as JSON.
func (d *protoDec) anyJSON(kind protowire.Number, b string, depth int) (string, error) {
	if depth > maxAnyDepth {
		return "", badRequest("decode otlp: value nested deeper than %d", maxAnyDepth)
	}
	var parts []string
	var keys []string
	for len(b) > 0 {
		num, typ, v, rest, err := d.field(b)
		if err != nil {
			return "", err
		}
		b = rest
		if num != 1 || typ != protowire.BytesType {
			continue
		}
		if kind == 5 {
			s, err := d.anyJSONValue(v, depth+1)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
			continue
		}
		var key, val string
		err = d.bytesFields(v, func(n2 protowire.Number, v2 string) error {
			switch n2 {
			case 1:
				key = d.str(v2)
			case 2:
				val = v2
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		s, err := d.anyJSONValue(val, depth+1)
		if err != nil {
			return "", err
		}
		keys = append(keys, jsonString(key))
		parts = append(parts, s)
	}
	if kind == 5 {
		return "[" + strings.Join(parts, ",") + "]", nil
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	var sb strings.Builder
	sb.WriteByte('{')
	for n, i := range idx {
		if n > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(keys[i])
		sb.WriteByte(':')
		sb.WriteString(parts[i])
	}
	sb.WriteByte('}')
	return sb.String(), nil
}

// anyJSONValue renders an AnyValue as a JSON value.
func (d *protoDec) anyJSONValue(b string, depth int) (string, error) {
	kind := protowire.Number(0)
	for rest := b; len(rest) > 0; {
		bs := unsafe.Slice(unsafe.StringData(rest), len(rest))
		num, typ, n := protowire.ConsumeTag(bs)
		if n < 0 || num <= 0 {
			return "", errTruncated
		}
		kind = num
		m := protowire.ConsumeFieldValue(num, typ, bs[n:])
		if m < 0 {
			return "", errTruncated
		}
		rest = rest[n+m:]
	}
	s, err := d.anyValue(b, depth)
	if err != nil {
		return "", err
	}
	switch kind {
	case 2, 3, 4, 5, 6:
		if s == "" {
			return "null", nil
		}
		return s, nil
	case 0:
		return "null", nil
	}
	return jsonString(s), nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
