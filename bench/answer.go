package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Answer is a target's answer reduced to what the checks compare.
type Answer struct {
	TraceIDs []string         // log queries: trace ids of the returned lines, sorted
	Total    int64            // metric queries: the sum of every point of every series
	ByLevel  map[string]int64 // metric queries: sums per value of the "level" label ("" if absent)
}

// ParseAnswer decodes a response body of the given dialect for a query of kind k.
func ParseAnswer(d Dialect, k Kind, body []byte) (Answer, error) {
	logs := k == KindNeedle || k == KindProbe
	switch {
	case d == VictoriaLogs && logs:
		return parseJSONLines(body)
	case logs:
		return parseLokiStreams(body)
	default: // Loki matrices and VictoriaLogs stats_query_range share the Prometheus shape
		return parseMatrix(body)
	}
}

func parseLokiStreams(body []byte) (Answer, error) {
	var r struct {
		Status string `json:"status"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Values [][2]string `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return Answer{}, fmt.Errorf("decode streams response: %w", err)
	}
	if r.Data.ResultType != "streams" {
		return Answer{}, fmt.Errorf("decode streams response: result type %q", r.Data.ResultType)
	}
	var a Answer
	for _, s := range r.Data.Result {
		for _, v := range s.Values {
			a.TraceIDs = append(a.TraceIDs, TraceID(v[1]))
		}
	}
	slices.Sort(a.TraceIDs)
	return a, nil
}

// parseJSONLines reads VictoriaLogs' /select/logsql/query output: one JSON object per line. With
// JSON message parsing at ingest trace_id is a field; without it, it is read from _msg.
func parseJSONLines(body []byte) (Answer, error) {
	var a Answer
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var m map[string]string
		if err := json.Unmarshal(line, &m); err != nil {
			return Answer{}, fmt.Errorf("decode json line %q: %w", truncate(string(line), 200), err)
		}
		id := m["trace_id"]
		if id == "" {
			id = TraceID(m["_msg"])
		}
		a.TraceIDs = append(a.TraceIDs, id)
	}
	if err := sc.Err(); err != nil {
		return Answer{}, fmt.Errorf("read json lines: %w", err)
	}
	slices.Sort(a.TraceIDs)
	return a, nil
}

func parseMatrix(body []byte) (Answer, error) {
	var r struct {
		Data struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return Answer{}, fmt.Errorf("decode matrix response: %w", err)
	}
	if r.Data.ResultType != "matrix" {
		return Answer{}, fmt.Errorf("decode matrix response: result type %q", r.Data.ResultType)
	}
	a := Answer{ByLevel: map[string]int64{}}
	for _, s := range r.Data.Result {
		for _, v := range s.Values {
			str, ok := v[1].(string)
			if !ok {
				return Answer{}, fmt.Errorf("decode matrix response: value %v is not a string", v[1])
			}
			f, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return Answer{}, fmt.Errorf("decode matrix response: %w", err)
			}
			a.Total += int64(f)
			a.ByLevel[s.Metric["level"]] += int64(f)
		}
	}
	return a, nil
}

// Check compares an answer with the expectation for a query kind; "" means correct.
func Check(k Kind, a Answer, e Expected) string {
	switch k {
	case KindNeedle:
		return compareIDs("needle lines", a.TraceIDs, e.Needles)
	case KindProbe:
		return compareIDs("probe lines", a.TraceIDs, e.Probe)
	case KindErrors:
		if a.Total != e.Status5xx {
			return fmt.Sprintf("counted %d lines with status>=500, want %d", a.Total, e.Status5xx)
		}
	case KindLevels:
		if a.Total != e.Lines {
			return fmt.Sprintf("counted %d lines, want %d acknowledged", a.Total, e.Lines)
		}
		// Per-level sums are checked only when the target grouped by a level it knows (a field
		// parsed at ingest); in LogQL, level is no stream label here, so one group is right.
		if len(a.ByLevel) > 1 || a.ByLevel[""] == 0 {
			for i, l := range Levels {
				if a.ByLevel[l] != e.Levels[i] {
					return fmt.Sprintf("counted %d %s lines, want %d", a.ByLevel[l], l, e.Levels[i])
				}
			}
		}
	}
	return ""
}

func compareIDs(what string, got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	missing, extra := 0, 0
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || (i < len(got) && got[i] < want[j]):
			extra++
			i++
		case i == len(got) || got[i] > want[j]:
			missing++
			j++
		default:
			i++
			j++
		}
	}
	return fmt.Sprintf("%s: got %d, want %d (%d missing, %d unexpected)", what, len(got), len(want), missing, extra)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// oneLine squeezes an error body into one short table-safe line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(truncate(s, 160), "|", "/")
}
