package loghttp

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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

// DecodeTailResponse reads one tail frame.
func DecodeTailResponse(r io.Reader) ([]Stream, []DroppedEntry, error) {
	var frame struct {
		Streams json.RawMessage `json:"streams"`
		Dropped []struct {
			Labels    map[string]string `json:"labels"`
			Timestamp string            `json:"timestamp"`
		} `json:"dropped_entries"`
	}
	if err := json.NewDecoder(r).Decode(&frame); err != nil {
		return nil, nil, fmt.Errorf("decode tail frame: %w", err)
	}
	var streams []Stream
	if len(frame.Streams) > 0 && string(frame.Streams) != "null" {
		var err error
		if streams, err = decodeStreams(frame.Streams); err != nil {
			return nil, nil, fmt.Errorf("decode tail frame: %w", err)
		}
	}
	var dropped []DroppedEntry
	for _, d := range frame.Dropped {
		ts, err := strconv.ParseInt(d.Timestamp, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("decode tail frame: dropped entry timestamp: %w", err)
		}
		dropped = append(dropped, DroppedEntry{Labels: labels.FromMap(d.Labels), Timestamp: ts})
	}
	return streams, dropped, nil
}
