package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/loggen"
)

// Levels are the level values loggen writes, in the order BatchInfo.Levels counts them.
var Levels = [4]string{"info", "warn", "error", "debug"}

// boundaryOffset puts every timestamp this far past a whole millisecond (with a step that is a
// whole number of milliseconds), so no line sits on a second or minute query boundary.
const boundaryOffset = 123457 * time.Nanosecond

// DatasetConfig says which data set to generate.
type DatasetConfig struct {
	Seed       int64         // generator seed: same seed, same lines
	Bytes      int64         // raw line bytes to generate (the last batch may overshoot by one line)
	Streams    int           // number of streams
	BatchBytes int           // target line bytes per push body
	Needles    int           // needle lines to inject
	Step       time.Duration // time between consecutive lines (a whole number of milliseconds)
	Start      time.Time     // timestamp of the first line
}

// Validate reports a configuration that cannot produce a data set.
func (c DatasetConfig) Validate() error {
	switch {
	case c.Bytes <= 0:
		return errors.New("bytes must be positive")
	case c.Streams < 1:
		return errors.New("streams must be at least 1")
	case c.BatchBytes < 1:
		return errors.New("batch bytes must be positive")
	case c.Needles < 1:
		return errors.New("needles must be at least 1")
	case c.Step < time.Millisecond || c.Step%time.Millisecond != 0:
		return errors.New("step must be a positive whole number of milliseconds")
	}
	return nil
}

// TailEntry is one line of the probe stream: its timestamp and trace id.
type TailEntry struct {
	TS      int64
	TraceID string
}

// BatchInfo summarises one push body: what a target must return for it once acknowledged.
type BatchInfo struct {
	Lines, Bytes int
	Levels       [4]int      // lines per level, in the order of Levels
	Status5xx    int         // lines with status >= 500
	Needles      []string    // trace ids of the needle lines in this batch
	Probe        []TailEntry // lines of the probe stream, oldest first
}

// Dataset describes a generated data set; the push bodies themselves went to the emit callback.
type Dataset struct {
	Config     DatasetConfig
	Token      string // the needle word: it occurs in the needle lines and nowhere else
	Probe      string // label set of the probe stream (the one of query d), as {a="b",…}
	ProbeLabel map[string]string
	First      int64 // first timestamp, Unix ns
	Last       int64 // last timestamp, Unix ns
	Batches    []BatchInfo
}

// NeedleToken is the needle word for a seed: "needle" is not hex, so no trace id can contain it.
func NeedleToken(seed int64) string {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6e6565646c65))
	return fmt.Sprintf("needle%08x", r.Uint32())
}

// AvgLineBytes estimates the mean line length of the data set from a short probe run.
func AvgLineBytes(seed int64, streams int) float64 {
	g, err := loggen.NewGenerator(seed, streams, loggen.FormatJSON)
	if err != nil {
		return 280
	}
	ts := time.Date(2026, 1, 1, 0, 0, 0, int(boundaryOffset), time.UTC).UnixNano()
	n := 0
	const probe = 2000
	for i := 0; i < probe; i++ {
		n += len(g.Next(ts).Line)
		ts += int64(time.Millisecond)
	}
	return float64(n) / probe
}

// EstimateLines is how many lines a data set of cfg.Bytes holds, near enough to place needles
// and pick a start time; it is an underestimate by a few percent.
func EstimateLines(cfg DatasetConfig) int64 {
	return int64(float64(cfg.Bytes) / AvgLineBytes(cfg.Seed, cfg.Streams) * 0.97)
}

// StartFor returns a start time such that the data set ends at least margin before now: the
// line count is overestimated by 3%, so the data never ends in the future (which servers reject
// beyond a grace period) and ends at most ~3% of its span earlier than aimed.
func StartFor(cfg DatasetConfig, now time.Time, margin time.Duration) time.Time {
	lines := float64(cfg.Bytes) / AvgLineBytes(cfg.Seed, cfg.Streams) * 1.03
	span := time.Duration(lines) * cfg.Step
	return now.Add(-span - margin).Truncate(time.Second)
}

// needlePositions spreads n needle line numbers over the first ~90% of est lines,
// deterministically from the seed.
func needlePositions(seed int64, n int, est int64) []int64 {
	r := rand.New(rand.NewPCG(uint64(seed), 0x706f73))
	est = max(est, int64(n)*4)
	slot := est * 9 / 10 / int64(n)
	pos := make([]int64, n)
	for i := range pos {
		pos[i] = int64(i)*slot + r.Int64N(max(slot, 1))
	}
	return pos
}

// Generate builds the data set and calls emit with every push body (protobuf+snappy) in order.
// The bodies are deterministic for a given cfg.
func Generate(cfg DatasetConfig, emit func(body []byte) error) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate data set config: %w", err)
	}
	g, err := loggen.NewGenerator(cfg.Seed, cfg.Streams, loggen.FormatJSON)
	if err != nil {
		return nil, fmt.Errorf("new generator: %w", err)
	}
	probe := g.Streams()[0].Labels
	ds := &Dataset{Config: cfg, Token: NeedleToken(cfg.Seed), ProbeLabel: probe.Map()}
	ds.Probe = selector(ds.ProbeLabel)

	needles := needlePositions(cfg.Seed, cfg.Needles, EstimateLines(cfg))
	ts := cfg.Start.Truncate(time.Millisecond).Add(boundaryOffset).UnixNano()
	ds.First = ts
	var total int64
	var line int64
	for total < cfg.Bytes {
		b := g.NewBatch()
		var info BatchInfo
		for info.Bytes < cfg.BatchBytes && total+int64(info.Bytes) < cfg.Bytes {
			e := g.Next(ts)
			if len(needles) > 0 && line == needles[0] {
				e.Line = InjectNeedle(e.Line, ds.Token, cfg.Needles-len(needles))
				needles = needles[1:]
				info.Needles = append(info.Needles, TraceID(e.Line))
			}
			b.Add(e)
			info.Lines++
			info.Bytes += len(e.Line)
			if i := slices.Index(Levels[:], jsonString(e.Line, "level")); i >= 0 {
				info.Levels[i]++
			}
			if st, _ := strconv.Atoi(jsonNumber(e.Line, "status")); st >= 500 {
				info.Status5xx++
			}
			if e.Stream == 0 {
				info.Probe = append(info.Probe, TailEntry{TS: ts, TraceID: TraceID(e.Line)})
			}
			ds.Last = ts
			ts += int64(cfg.Step)
			line++
		}
		body, err := b.EncodeProto()
		if err != nil {
			return nil, fmt.Errorf("encode batch %d: %w", len(ds.Batches), err)
		}
		if err := emit(body); err != nil {
			return nil, fmt.Errorf("emit batch %d: %w", len(ds.Batches), err)
		}
		total += int64(info.Bytes)
		ds.Batches = append(ds.Batches, info)
	}
	if len(needles) > 0 {
		return nil, fmt.Errorf("data set too small for %d needles: %d lines", cfg.Needles, line)
	}
	return ds, nil
}

// InjectNeedle appends " <token> n<i>" to the msg of a loggen JSON line (its last field), so the
// line stays valid JSON and the token is a word of its own in the message.
func InjectNeedle(line, token string, i int) string {
	if !strings.HasSuffix(line, `"}`) {
		return line + " " + token
	}
	return line[:len(line)-2] + " " + token + " n" + strconv.Itoa(i) + `"}`
}

// TraceID returns the trace_id of a loggen JSON line, or "".
func TraceID(line string) string { return jsonString(line, "trace_id") }

// jsonString returns the value of a flat string field of a loggen JSON line (no escapes there).
func jsonString(line, key string) string {
	k := `"` + key + `":"`
	i := strings.Index(line, k)
	if i < 0 {
		return ""
	}
	rest := line[i+len(k):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// jsonNumber returns the digits of a flat number field of a loggen JSON line, or "".
func jsonNumber(line, key string) string {
	k := `"` + key + `":`
	i := strings.Index(line, k)
	if i < 0 {
		return ""
	}
	rest := line[i+len(k):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	return rest[:j]
}

// selector renders a label map as a stream selector with sorted names: {a="b",c="d"}.
func selector(m map[string]string) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	var sb strings.Builder
	sb.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(n)
		sb.WriteByte('=')
		sb.WriteString(strconv.Quote(m[n]))
	}
	sb.WriteByte('}')
	return sb.String()
}
