package log

// maxInternedKeys bounds each parser's per-stream key table (schemas rarely hold more keys; beyond
// it names are built per line instead).
const maxInternedKeys = 512

// keyInterner maps the bytes of a parsed key to its final label name (sanitised, with the
// "_extracted" suffix when it clashes with a stream label). Lookups with a []byte key do not
// allocate, so steady-state parsing reuses the names it built for earlier lines. Lines of one
// stream usually repeat their keys in the same order, so the interner first compares with the
// key seen at the same position of the previous line, which skips hashing.
type keyInterner struct {
	m   map[string]internedKey
	seq []internedKey // keys by position in the previous line
	pos int
}

type internedKey struct{ raw, name string }

// reset starts a new line.
func (k *keyInterner) reset() { k.pos = 0 }

func (k *keyInterner) get(raw []byte, build func() string) string {
	pos := k.pos
	k.pos++
	if pos < len(k.seq) && k.seq[pos].raw == string(raw) {
		return k.seq[pos].name
	}
	e, ok := k.m[string(raw)]
	if !ok {
		e = internedKey{raw: string(raw), name: build()}
		if k.m == nil {
			k.m = map[string]internedKey{}
		}
		if len(k.m) < maxInternedKeys {
			k.m[e.raw] = e
		}
	}
	if pos < len(k.seq) {
		k.seq[pos] = e
	} else if pos == len(k.seq) && pos < maxInternedKeys {
		k.seq = append(k.seq, e)
	}
	return e.name
}

// jsonParser is `| json`: every scalar field of the object becomes a label, nested objects
// flattened with '_' (`{"a":{"b":1}}` gives a_b="1"). Arrays and nulls are skipped, as Loki
// does.
type jsonParser struct {
	prefix []byte
	keyBuf []byte
	valBuf []byte
	fixBuf []byte
	keys   keyInterner
	seen   seenKeys
	only   map[string]struct{} // parser hints: set only these labels (nil: all)
	hkeys  hintedKeys          // the hinted path's per-key decisions (parser_json_hinted.go)
}

// seenKeys records the labels a parser set on the current line: Loki keeps the first value
// when a key appears twice. Names come from the interner, so comparisons are mostly length
// mismatches or pointer-equal strings.
type seenKeys []string

func (s *seenKeys) firstTime(name string) bool {
	for _, n := range *s {
		if n == name {
			return false
		}
	}
	*s = append(*s, name)
	return true
}

// NewJSONParser returns the `| json` stage.
func NewJSONParser() Stage { return &jsonParser{} }

func (j *jsonParser) forStream() Stage { return &jsonParser{} }

func (j *jsonParser) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if j.only != nil {
		j.processHinted(line, lbs)
		return line, true
	}
	j.prefix = j.prefix[:0]
	j.seen = j.seen[:0]
	j.keys.reset()
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		lbs.SetErr(ErrJSON)
		lbs.SetErrorDetails(errJSONMalformedObject.Error())
		return line, true
	}
	if _, err := j.parseObject(line, i, lbs, 0); err != nil {
		lbs.SetErr(ErrJSON)
		lbs.SetErrorDetails(err.Error())
	}
	return line, true
}

// parseObject parses the object at data[i] == '{', setting labels under the current prefix.
func (j *jsonParser) parseObject(data []byte, i int, lbs *LabelsBuilder, depth int) (int, error) {
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
		key := data[i+1 : kEnd-1]
		if kEsc {
			j.keyBuf, err = appendUnescaped(j.keyBuf[:0], key)
			if err != nil {
				return 0, err
			}
			key = j.keyBuf
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, errJSONMalformed
		}
		i = skipWS(data, i+1)
		if i >= len(data) {
			return 0, errJSONMalformed
		}
		switch data[i] {
		case '{':
			n := len(j.prefix)
			if n > 0 {
				j.prefix = append(j.prefix, '_')
			}
			j.prefix = appendSanitized(j.prefix, key)
			if len(j.prefix) == n+1 && n > 0 {
				j.prefix = j.prefix[:n] // the key sanitised to nothing: no separator either
			}
			i, err = j.parseObject(data, i, lbs, depth+1)
			j.prefix = j.prefix[:n]
			if err != nil {
				return 0, err
			}
		default:
			end, typ, err := scanValue(data, i, depth)
			if err != nil {
				return 0, err
			}
			switch typ {
			case jsonString, jsonNumber, jsonBool:
				j.setLabel(key, data[i:end], typ, lbs)
			}
			i = end
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

func (j *jsonParser) setLabel(key, raw []byte, typ jsonType, lbs *LabelsBuilder) {
	n := len(j.prefix)
	if n > 0 {
		j.prefix = append(j.prefix, '_')
	}
	j.prefix = appendSanitized(j.prefix, key)
	full := j.prefix
	name := j.keys.get(full, func() string { return parsedName(string(full), lbs) })
	j.prefix = j.prefix[:n]
	// A key that sanitises to nothing ({" ": 1}) would make a label without a name, which
	// no consumer accepts: skip it.
	if name != "" && wanted(j.only, name) && j.seen.firstTime(name) {
		lbs.Set(ParsedCategory, name, j.value(raw, typ, lbs))
	}
}

// parsedName finalises a sanitised key: '_' before a leading digit, and the "_extracted"
// suffix when a stream label has the same name.
func parsedName(s string, lbs *LabelsBuilder) string {
	if len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	if lbs.BaseHas(s) {
		s += duplicateSuffix
	}
	return s
}

func (j *jsonParser) value(raw []byte, typ jsonType, lbs *LabelsBuilder) string {
	if typ != jsonString {
		return lbs.internValue(raw)
	}
	s := raw[1 : len(raw)-1]
	var err error
	j.valBuf, err = appendUnescaped(j.valBuf[:0], s)
	if err != nil {
		return ""
	}
	if !validUTF8Value(j.valBuf) {
		j.fixBuf = spaceInvalidUTF8(j.fixBuf[:0], j.valBuf)
		return lbs.internValue(j.fixBuf)
	}
	return lbs.internValue(j.valBuf)
}
