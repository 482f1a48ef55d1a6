package loghttp

import (
	"net/http"
	"time"
)

// WriteLegacyStreams writes the answer of the legacy /api/prom/query endpoint (Loki before
// v1): {"streams":[{"labels":"{a=\"b\"}","entries":[{"ts":"<RFC3339Nano>","line":".."}]}]}.
func WriteLegacyStreams(w http.ResponseWriter, streams []Stream) error {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	j := &jsonWriter{w: w, buf: make([]byte, 0, flushSize+4096)}
	j.raw(`{"streams":[`)
	for i, s := range streams {
		if i > 0 {
			j.byte(',')
		}
		j.raw(`{"labels":`)
		j.str(s.Labels.String())
		j.raw(`,"entries":[`)
		for k, e := range s.Entries {
			if k > 0 {
				j.byte(',')
			}
			j.raw(`{"ts":"`)
			j.buf = time.Unix(0, e.Timestamp).UTC().AppendFormat(j.buf, time.RFC3339Nano)
			j.raw(`","line":`)
			j.str(e.Line)
			j.byte('}')
			j.maybeFlush()
		}
		j.raw(`]}`)
	}
	j.raw("]}\n")
	j.flush()
	return j.err
}
