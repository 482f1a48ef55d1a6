package loghttp

import (
	"io"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Tail limits and defaults (Loki's).
const (
	// MaxTailDelay is the largest delay_for, in seconds.
	MaxTailDelay = 5
	// DefaultTailSince is how far back a tail starts without a start parameter.
	DefaultTailSince = time.Hour
)

// DroppedEntry is a line a tail could not deliver, as Loki reports it.
type DroppedEntry struct {
	Labels    labels.Labels
	Timestamp int64
}

// EncodeTailResponse writes one frame of /loki/api/v1/tail: {"streams":[..]} plus
// "dropped_entries":[{"labels":{..},"timestamp":"<ns>"}] when some were dropped.
func EncodeTailResponse(out io.Writer, streams []Stream, dropped []DroppedEntry) error {
	j := &jsonWriter{w: out, buf: make([]byte, 0, 4096)}
	j.raw(`{"streams":`)
	writeStreams(j, streams, false)
	if len(dropped) > 0 {
		j.raw(`,"dropped_entries":[`)
		for i, d := range dropped {
			if i > 0 {
				j.byte(',')
			}
			j.raw(`{"labels":`)
			j.labels(d.Labels)
			j.raw(`,"timestamp":"`)
			j.int(d.Timestamp)
			j.raw(`"}`)
		}
		j.byte(']')
	}
	j.byte('}')
	j.flush()
	return j.err
}
