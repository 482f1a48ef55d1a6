package log

import "strings"

// The hinted json parser: when parser hints say which labels later stages read (a metric
// query such as sum(count_over_time({…} | json | status >= 500 [5m]))), most keys of a line
// are not needed. This path
//   - decides per top-level key from a per-stream table (compared with the raw key bytes, like
//     the interner's positional cache) whether its label is wanted, so unwanted keys cost no
//     sanitising, interning or map lookup;
//   - validates nested objects that cannot produce a wanted label without building prefixes;
//   - once every hinted label is set, only validates the rest of the line.
//
// The rest of the line is still validated, with the very grammar of parseObject, because the
// full parser reports a syntax error anywhere in the line as __error__ and the answer must not
// depend on the hints. (Loki stops reading at that point and misses such errors; we keep the
// answer of the unhinted query instead.) FuzzJSONHintedMatchesFull holds both paths equal.

// hintedKey is what the hinted path knows about one top-level key of the stream's lines.
type hintedKey struct {
	raw     string // the key, unescaped
	name    string // its label name (parsedName of the sanitised key)
	want    bool   // a scalar value under this key sets a wanted label
	descend bool   // an object value under this key may hold wanted labels
}

// hintedKeys caches hintedKey by key position in the previous line (lines of a stream repeat
// their keys in order) and by key.
type hintedKeys struct {
	seq []*hintedKey
	m   map[string]*hintedKey
}

// lookup returns the hintedKey of raw at position pos of the line.
func (j *jsonParser) lookupHinted(raw []byte, pos int, lbs *LabelsBuilder) *hintedKey {
	h := &j.hkeys
	if pos < len(h.seq) && h.seq[pos].raw == string(raw) {
		return h.seq[pos]
	}
	k, ok := h.m[string(raw)]
	if !ok {
		k = j.newHintedKey(string(raw), lbs)
		if h.m == nil {
			h.m = map[string]*hintedKey{}
		}
		if len(h.m) < maxInternedKeys {
			h.m[k.raw] = k
		}
	}
	if pos < len(h.seq) {
		h.seq[pos] = k
	} else if pos == len(h.seq) && pos < maxInternedKeys {
		h.seq = append(h.seq, k)
	}
	return k
}

func (j *jsonParser) newHintedKey(raw string, lbs *LabelsBuilder) *hintedKey {
	san := string(appendSanitized(nil, []byte(raw)))
	name := parsedName(san, lbs)
	k := &hintedKey{raw: raw, name: name, want: name != "" && wanted(j.only, name)}
	// Labels under an object are named san + "_" + …, perhaps with a leading '_' (a leading
	// digit) and the "_extracted" suffix; a key that sanitises to nothing adds no prefix, so
	// anything may come out of it.
	if san == "" {
		k.descend = true
		return k
	}
	p := san + "_"
	for n := range j.only {
		if strings.HasPrefix(n, p) || (strings.HasPrefix(n, "_") && strings.HasPrefix(n[1:], p)) {
			k.descend = true
			break
		}
	}
	return k
}

// processHinted is Process for a parser restricted by hints.
func (j *jsonParser) processHinted(line []byte, lbs *LabelsBuilder) {
	j.prefix = j.prefix[:0]
	j.seen = j.seen[:0]
	j.keys.reset()
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		lbs.SetErr(ErrJSON)
		lbs.SetErrorDetails(errJSONMalformedObject.Error())
		return
	}
	if err := j.parseTopHinted(line, i, lbs); err != nil {
		lbs.SetErr(ErrJSON)
		lbs.SetErrorDetails(err.Error())
	}
}

// parseTopHinted mirrors parseObject at depth 0 (same checks in the same order, so the same
// error) but sets only wanted labels.
func (j *jsonParser) parseTopHinted(data []byte, i int, lbs *LabelsBuilder) error {
	i++
	done := len(j.only) == 0
	for pos := 0; ; pos++ {
		i = skipWS(data, i)
		if i >= len(data) {
			return errJSONMalformedObject
		}
		if data[i] == '}' {
			return nil
		}
		if data[i] != '"' {
			return errJSONMalformedObject
		}
		kEnd, kEsc, err := scanString(data, i)
		if err != nil {
			return err
		}
		key := data[i+1 : kEnd-1]
		if kEsc {
			j.keyBuf, err = appendUnescaped(j.keyBuf[:0], key)
			if err != nil {
				return err
			}
			key = j.keyBuf
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return errJSONMalformed
		}
		i = skipWS(data, i+1)
		if i >= len(data) {
			return errJSONMalformed
		}
		if data[i] == '{' {
			if !done && j.lookupHinted(key, pos, lbs).descend {
				j.prefix = appendSanitized(j.prefix[:0], key)
				i, err = j.parseObject(data, i, lbs, 1)
				j.prefix = j.prefix[:0]
			} else {
				i, err = validateObject(data, i, 1)
			}
			if err != nil {
				return err
			}
		} else {
			end, typ, err := scanValue(data, i, 0)
			if err != nil {
				return err
			}
			if !done && (typ == jsonString || typ == jsonNumber || typ == jsonBool) {
				if k := j.lookupHinted(key, pos, lbs); k.want && j.seen.firstTime(k.name) {
					lbs.Set(ParsedCategory, k.name, j.value(data[i:end], typ, lbs))
				}
			}
			i = end
		}
		// Every wanted label set: later keys can only repeat them (the first value wins).
		done = done || len(j.seen) == len(j.only)
		i = skipWS(data, i)
		if i >= len(data) {
			return errJSONMalformedObject
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return nil
		default:
			return errJSONMalformedObject
		}
	}
}

// validateObject is parseObject without labels: it returns the same end and the same error.
func validateObject(data []byte, i, depth int) (int, error) {
	if depth > maxJSONDepth {
		return 0, errJSONTooDeep
	}
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) {
			return 0, errJSONMalformedObject
		}
		if data[i] == '}' {
			return i + 1, nil
		}
		if data[i] != '"' {
			return 0, errJSONMalformedObject
		}
		kEnd, kEsc, err := scanString(data, i)
		if err != nil {
			return 0, err
		}
		if kEsc {
			if err := validEscapes(data[i+1 : kEnd-1]); err != nil {
				return 0, err
			}
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, errJSONMalformed
		}
		i = skipWS(data, i+1)
		if i >= len(data) {
			return 0, errJSONMalformed
		}
		if data[i] == '{' {
			i, err = validateObject(data, i, depth+1)
		} else {
			i, _, err = scanValue(data, i, depth)
		}
		if err != nil {
			return 0, err
		}
		i = skipWS(data, i)
		if i >= len(data) {
			return 0, errJSONMalformedObject
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return 0, errJSONMalformedObject
		}
	}
}

// validEscapes reports the error appendUnescaped would return for s, without decoding it.
func validEscapes(s []byte) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if i >= len(s) {
			return errJSONBadEscape
		}
		switch s[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if _, n := decodeU(s[i+1:]); n == 0 {
				return errJSONBadEscape
			}
			i += 4
		default:
			return errJSONBadEscape
		}
	}
	return nil
}
