package bench

import (
	"slices"
	"strconv"
	"time"
)

// Dialect is the query language and API family of a target.
type Dialect int

const (
	// Loki is Loki's HTTP API and LogQL (Skald, Loki, any Loki-compatible URL).
	Loki Dialect = iota
	// VictoriaLogs is VictoriaLogs' /select/logsql API and LogsQL; it ingests Loki pushes.
	VictoriaLogs
)

func (d Dialect) String() string {
	if d == VictoriaLogs {
		return "victorialogs"
	}
	return "loki"
}

// Kind says how a query's answer is read and checked.
type Kind int

const (
	KindNeedle Kind = iota // log lines: exactly the injected needles
	KindLevels             // counts per level over the whole range: total = acked lines
	KindErrors             // count of status >= 500 lines
	KindProbe              // log lines: newest lines of the probe stream in its window
)

// Query is one query of the fixed set, in both languages, with its time window.
type Query struct {
	ID, Name   string
	Kind       Kind
	LogQL      string
	LogsQL     string
	Start, End time.Time
	Step       time.Duration // 0 for log queries
	Limit      int           // log queries only
}

// Text returns the query in the target's language.
func (q Query) Text(d Dialect) string {
	if d == VictoriaLogs {
		return q.LogsQL
	}
	return q.LogQL
}

// ProbeLimit is the line limit of query (d).
const ProbeLimit = 1000

// ProbeWindow is the time range of query (d): the last 5 minutes of the data set.
const ProbeWindow = 5 * time.Minute

// floorTo and ceilTo align a Unix ns timestamp to a step; data timestamps are never on a
// boundary (see boundaryOffset), so ceil is always strictly after the last line.
func floorTo(ns int64, d time.Duration) time.Time { return time.Unix(0, ns).Truncate(d) }
func ceilTo(ns int64, d time.Duration) time.Time  { return floorTo(ns, d).Add(d) }

// Queries returns the fixed query set over a data set: (a) needle, (b) counts by level per
// minute, (c) status >= 500 per 5 minutes, (d) one stream, last 5 minutes, limit 1000.
//
// Range windows are aligned to their step so every line falls in exactly one step: the sum of
// all points is then exactly the number of matching lines, which is what the check compares.
func Queries(ds *Dataset) []Query {
	all := `{app=~".+"}`
	probeEnd := ceilTo(ds.Last, time.Second)
	return []Query{
		{
			ID: "a", Name: "needle over everything", Kind: KindNeedle,
			LogQL:  all + ` |= "` + ds.Token + `"`,
			LogsQL: strconv.Quote(ds.Token),
			Start:  floorTo(ds.First, time.Minute), End: ceilTo(ds.Last, time.Minute),
			Limit: max(100, 2*ds.Config.Needles),
		},
		{
			ID: "b", Name: "count by level, 1m steps", Kind: KindLevels,
			LogQL:  `sum by (level) (count_over_time(` + all + `[1m]))`,
			LogsQL: `* | stats by (level) count() hits`,
			Start:  floorTo(ds.First, time.Minute), End: ceilTo(ds.Last, time.Minute),
			Step: time.Minute,
		},
		{
			ID: "c", Name: "json status>=500, 5m steps", Kind: KindErrors,
			LogQL:  `sum(count_over_time(` + all + ` | json | status >= 500 [5m]))`,
			LogsQL: `status:>=500 | stats count() hits`,
			Start:  floorTo(ds.First, 5*time.Minute), End: ceilTo(ds.Last, 5*time.Minute),
			Step: 5 * time.Minute,
		},
		{
			ID: "d", Name: "one stream, last 5m, limit 1000", Kind: KindProbe,
			LogQL:  ds.Probe,
			LogsQL: `_stream:` + ds.Probe,
			Start:  probeEnd.Add(-ProbeWindow), End: probeEnd,
			Limit: ProbeLimit,
		},
	}
}

// Expected is what a target must answer once it acknowledged a set of batches.
type Expected struct {
	Lines, Bytes int64
	Levels       [4]int64
	Status5xx    int64
	Needles      []string // sorted trace ids
	Probe        []string // sorted trace ids of the newest ProbeLimit probe lines in the window
}

// Expect sums the acknowledged batches (acked[i] for Batches[i]; nil means all) into the answers
// of the query set.
func (ds *Dataset) Expect(acked []bool, qs []Query) Expected {
	var e Expected
	var probe []TailEntry
	var from, to int64
	for _, q := range qs {
		if q.Kind == KindProbe {
			from, to = q.Start.UnixNano(), q.End.UnixNano()
		}
	}
	for i, b := range ds.Batches {
		if acked != nil && !acked[i] {
			continue
		}
		e.Lines += int64(b.Lines)
		e.Bytes += int64(b.Bytes)
		for l, n := range b.Levels {
			e.Levels[l] += int64(n)
		}
		e.Status5xx += int64(b.Status5xx)
		e.Needles = append(e.Needles, b.Needles...)
		for _, t := range b.Probe {
			if t.TS >= from && t.TS < to {
				probe = append(probe, t)
			}
		}
	}
	slices.SortFunc(probe, func(a, b TailEntry) int { return -cmpInt64(a.TS, b.TS) })
	probe = probe[:min(len(probe), ProbeLimit)]
	for _, t := range probe {
		e.Probe = append(e.Probe, t.TraceID)
	}
	slices.Sort(e.Probe)
	slices.Sort(e.Needles)
	return e
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
