package push

import (
	"sort"
	"strconv"
	"time"
	"unsafe"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

// jsonEntry collects one value of a stream before the stream's entries are allocated in bulk.
type jsonEntry struct {
	ts   int64
	line string
	sm   []*logproto.LabelPairAdapter
}

// DecodeJSON decodes Loki's v1 JSON push body. The returned strings may point into body, which
// the caller must not modify afterwards.
func DecodeJSON(body []byte) (*logproto.PushRequest, error) {
	sc := &scanner{s: unsafe.String(unsafe.SliceData(body), len(body))}
	req := &logproto.PushRequest{}
	var scratch []jsonEntry
	err := sc.object(func(key string) error {
		if key != "streams" {
			return sc.skip()
		}
		return sc.array(func(int) error {
			st, s2, err := decodeStreamV1(sc, scratch[:0])
			scratch = s2
			if err != nil {
				return err
			}
			req.Streams = append(req.Streams, st)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if err := sc.end(); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeStreamV1(sc *scanner, scratch []jsonEntry) (*logproto.StreamAdapter, []jsonEntry, error) {
	st := &logproto.StreamAdapter{}
	err := sc.object(func(key string) error {
		switch key {
		case "stream":
			var ls labels.Labels
			err := sc.object(func(name string) error {
				if sc.peek() != '"' {
					return sc.errorf("label %q: value must be a string", name)
				}
				v, err := sc.str()
				if err != nil {
					return err
				}
				ls = append(ls, labels.Label{Name: name, Value: v})
				return nil
			})
			if err != nil {
				return err
			}
			st.Labels = canonical(ls)
			return nil
		case "values":
			return sc.array(func(int) error {
				e, err := decodeValueV1(sc)
				if err != nil {
					return err
				}
				scratch = append(scratch, e)
				return nil
			})
		}
		return sc.skip()
	})
	if err != nil {
		return nil, scratch, err
	}
	st.Entries = materialize(scratch)
	return st, scratch, nil
}

// canonical renders a JSON label object in the sorted selector form. A repeated key keeps its
// last value, as a JSON object decoded into a map would.
func canonical(ls labels.Labels) string {
	sort.Stable(ls)
	out := ls[:0]
	for i, l := range ls {
		if i+1 < len(ls) && ls[i+1].Name == l.Name {
			continue
		}
		out = append(out, l)
	}
	return out.String()
}

// decodeValueV1 reads ["<ns>", "<line>"] or ["<ns>", "<line>", {"k":"v"}]. It is the per-line
// hot path, so it walks the array by hand rather than through a closure.
func decodeValueV1(sc *scanner) (jsonEntry, error) {
	var e jsonEntry
	if err := sc.expect('['); err != nil {
		return e, err
	}
	if sc.peek() != '"' {
		return e, sc.errorf("timestamp must be a string of nanoseconds since the epoch")
	}
	s, err := sc.str()
	if err != nil {
		return e, err
	}
	if e.ts, err = strconv.ParseInt(s, 10, 64); err != nil {
		return e, sc.errorf("invalid timestamp %q: must be nanoseconds since the epoch", s)
	}
	if sc.peek() != ',' {
		return e, sc.errorf("a value needs a timestamp and a line")
	}
	sc.pos++
	if e.line, err = sc.str(); err != nil {
		return e, err
	}
	switch sc.peek() {
	case ']':
		sc.pos++
		return e, nil
	case ',':
		sc.pos++
	default:
		return e, sc.errorf("expected , or ]")
	}
	err = sc.object(func(name string) error {
		if sc.peek() != '"' {
			return sc.errorf("structured metadata %q: value must be a string", name)
		}
		v, err := sc.str()
		if err != nil {
			return err
		}
		e.sm = append(e.sm, &logproto.LabelPairAdapter{Name: name, Value: v})
		return nil
	})
	if err != nil {
		return e, err
	}
	if sc.peek() != ']' {
		return e, sc.errorf("a value has at most 3 elements: timestamp, line, structured metadata")
	}
	sc.pos++
	return e, nil
}

// materialize allocates a stream's entries in three slabs.
func materialize(es []jsonEntry) []*logproto.EntryAdapter {
	if len(es) == 0 {
		return nil
	}
	ents := make([]logproto.EntryAdapter, len(es))
	tss := make([]timestamppb.Timestamp, len(es))
	out := make([]*logproto.EntryAdapter, len(es))
	for i, je := range es {
		tss[i].Seconds = je.ts / int64(time.Second)
		tss[i].Nanos = int32(je.ts % int64(time.Second))
		if tss[i].Nanos < 0 { // negative epochs: keep nanos in [0, 1e9) as protobuf requires
			tss[i].Seconds--
			tss[i].Nanos += int32(time.Second)
		}
		e := &ents[i]
		e.Timestamp = &tss[i]
		e.Line = je.line
		e.StructuredMetadata = je.sm
		out[i] = e
	}
	return out
}

// DecodeLegacyJSON decodes the JSON body of the deprecated /api/prom/push:
// {"streams":[{"labels":"{a=\"b\"}","entries":[{"ts":"<RFC3339>","line":".."}]}]}.
func DecodeLegacyJSON(body []byte) (*logproto.PushRequest, error) {
	sc := &scanner{s: unsafe.String(unsafe.SliceData(body), len(body))}
	req := &logproto.PushRequest{}
	var scratch []jsonEntry
	err := sc.object(func(key string) error {
		if key != "streams" {
			return sc.skip()
		}
		return sc.array(func(int) error {
			st := &logproto.StreamAdapter{}
			scratch = scratch[:0]
			err := sc.object(func(key string) error {
				switch key {
				case "labels":
					s, err := sc.str()
					st.Labels = s
					return err
				case "entries":
					return sc.array(func(int) error {
						e, err := decodeLegacyEntry(sc)
						scratch = append(scratch, e)
						return err
					})
				}
				return sc.skip()
			})
			if err != nil {
				return err
			}
			st.Entries = materialize(scratch)
			req.Streams = append(req.Streams, st)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if err := sc.end(); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeLegacyEntry(sc *scanner) (jsonEntry, error) {
	var e jsonEntry
	err := sc.object(func(key string) error {
		switch key {
		case "ts", "timestamp":
			s, err := sc.str()
			if err != nil {
				return err
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return sc.errorf("invalid timestamp %q: must be RFC3339", s)
			}
			e.ts = t.UnixNano()
		case "line":
			s, err := sc.str()
			e.line = s
			return err
		default:
			return sc.skip()
		}
		return nil
	})
	return e, err
}
