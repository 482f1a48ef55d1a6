package distributor

import (
	"strings"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

// DetectedLevelField is the structured metadata field that discover_log_levels adds; Grafana's
// Logs Drilldown colours and counts lines by it.
const DetectedLevelField = "detected_level"

// levelUnknown is the detected level of a line with no recognisable level.
const levelUnknown = "unknown"

// otlpSeverityField is where OTLP records carry their level (see pkg/loghttp/push).
const otlpSeverityField = "severity_text"

// addDetectedLevels gives every entry of a stream a detected_level structured metadata field,
// unless it has one, taking the level from the fields named levelFields (the tenant's
// log_level_fields). The fields are allocated in one slab per stream.
func addDetectedLevels(ls labels.Labels, st *logproto.StreamAdapter, levelFields []string) {
	fromLabels := ""
	for _, f := range levelFields {
		if v := ls.Get(f); v != "" {
			fromLabels = normalizeLevel(v)
			break
		}
	}
	slab := make([]logproto.LabelPairAdapter, len(st.Entries))
	ptrs := make([]*logproto.LabelPairAdapter, len(st.Entries))
	for i, e := range st.Entries {
		lvl := fromLabels
		if lvl == "" {
			var done bool
			lvl, done = levelFromMetadata(e.StructuredMetadata, levelFields)
			if done {
				continue // the agent set detected_level itself
			}
		}
		if lvl == "" {
			lvl = levelFromLine(e.Line, levelFields)
		}
		p := &slab[i]
		p.Name, p.Value = DetectedLevelField, lvl
		if len(e.StructuredMetadata) == 0 {
			// Most entries have no metadata: a one-element window of the slab avoids an
			// allocation per entry; its capacity is capped so appends never overlap.
			ptrs[i] = p
			e.StructuredMetadata = ptrs[i : i+1 : i+1]
			continue
		}
		e.StructuredMetadata = append(e.StructuredMetadata, p)
	}
}

// levelFromMetadata returns the level named by structured metadata, and whether the entry
// already has a detected_level.
func levelFromMetadata(sm []*logproto.LabelPairAdapter, levelFields []string) (string, bool) {
	found := ""
	for _, p := range sm {
		if p.Name == DetectedLevelField {
			return "", true
		}
		if found == "" && p.Name == otlpSeverityField && p.Value != "" {
			found = normalizeLevel(p.Value)
		}
		if found == "" {
			for _, f := range levelFields {
				if p.Name == f && p.Value != "" {
					found = normalizeLevel(p.Value)
					break
				}
			}
		}
	}
	return found, false
}

// levelFromLine reads a level field of a JSON or logfmt line, else looks for a level word.
func levelFromLine(line string, levelFields []string) string {
	if v := fieldValue(line, levelFields); v != "" {
		return normalizeLevel(v)
	}
	return levelWord(line)
}

// fieldValue finds "level":"x" (JSON) or level=x (logfmt) for any of the level field names.
func fieldValue(line string, levelFields []string) string {
	json := len(line) > 0 && line[0] == '{'
	for _, f := range levelFields {
		if json {
			i := strings.Index(line, `"`+f+`"`)
			if i < 0 {
				continue
			}
			rest := strings.TrimLeft(line[i+len(f)+2:], " ")
			if !strings.HasPrefix(rest, ":") {
				continue
			}
			rest = strings.TrimLeft(rest[1:], " ")
			if !strings.HasPrefix(rest, `"`) {
				continue
			}
			if end := strings.IndexByte(rest[1:], '"'); end > 0 {
				return rest[1 : 1+end]
			}
			continue
		}
		for off := 0; ; {
			i := strings.Index(line[off:], f+"=")
			if i < 0 {
				break
			}
			i += off
			off = i + len(f) + 1
			if i > 0 && line[i-1] != ' ' && line[i-1] != '\t' {
				continue // part of a longer key, e.g. loglevel=
			}
			v := line[off:]
			if strings.HasPrefix(v, `"`) {
				if end := strings.IndexByte(v[1:], '"'); end > 0 {
					return v[1 : 1+end]
				}
				continue
			}
			if end := strings.IndexAny(v, " \t"); end >= 0 {
				v = v[:end]
			}
			if v != "" {
				return v
			}
		}
	}
	return ""
}

// levelWord scans the line's words once for the first level word, case-insensitively.
func levelWord(line string) string {
	for i := 0; i < len(line); {
		if !isLetter(line[i]) {
			i++
			continue
		}
		j := i
		for j < len(line) && isLetter(line[j]) {
			j++
		}
		if n := j - i; n >= 3 && n <= 8 {
			if l := levelOf(line[i:j]); l != "" {
				return l
			}
		}
		i = j
	}
	return levelUnknown
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// levelOf maps a level word (any case) to its normal name, or "" when it is not one.
func levelOf(w string) string {
	var buf [8]byte
	for i := 0; i < len(w); i++ {
		buf[i] = w[i] | 0x20
	}
	switch string(buf[:len(w)]) {
	case "trace", "trc":
		return "trace"
	case "debug", "dbg":
		return "debug"
	case "info", "inf", "notice":
		return "info"
	case "warn", "warning", "wrn":
		return "warn"
	case "error", "err", "eror":
		return "error"
	case "critical", "crit", "fatal", "panic", "emerg", "alert":
		return "critical"
	}
	return ""
}

// normalizeLevel maps a level value to trace, debug, info, warn, error or critical; anything
// else is kept as written (lower-cased when it is a known word in another case).
func normalizeLevel(v string) string {
	if len(v) <= 8 {
		if l := levelOf(v); l != "" {
			return l
		}
	}
	return v
}
