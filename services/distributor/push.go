package distributor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/validation"
	"github.com/skaldlogs/skald/proto/logproto"
)

// maxReportedErrors bounds how many distinct validation errors one 400 lists.
const maxReportedErrors = 10

// validationErrors collects the distinct validation texts of one push.
type validationErrors struct {
	msgs  []string
	extra int
}

func (v *validationErrors) add(msg string) {
	for _, m := range v.msgs {
		if m == msg {
			return
		}
	}
	if len(v.msgs) >= maxReportedErrors {
		v.extra++
		return
	}
	v.msgs = append(v.msgs, msg)
}

func (v *validationErrors) err() *PushError {
	if len(v.msgs) == 0 {
		return nil
	}
	msg := strings.Join(v.msgs, "\n")
	if v.extra > 0 {
		msg += fmt.Sprintf("\n(and %d more errors)", v.extra)
	}
	return &PushError{Status: http.StatusBadRequest, Msg: msg}
}

// PushTenant stores req for tenantID: the core shared by the HTTP handler and gRPC Push. It
// takes ownership of req (streams are normalised and filtered in place). ctx must carry the
// tenant (tenant.InjectContext) for the ingester clients. The error, if any, is a *PushError.
func (d *Distributor) PushTenant(ctx context.Context, tenantID string, req *logproto.PushRequest) error {
	if len(req.Streams) == 0 {
		return &PushError{Status: http.StatusBadRequest, Msg: validation.EmptyPushErrorMsg}
	}
	limits := d.deps.Overrides.For(tenantID)
	now := d.deps.Now()
	if until := time.Time(limits.BlockIngestionUntil); now.Before(until) {
		lines, bytes := 0, 0
		for _, st := range req.Streams {
			lines += len(st.Entries)
			for _, e := range st.Entries {
				bytes += validation.EntrySize(e)
			}
		}
		d.discard.Add(validation.ReasonBlockedIngestion, tenantID, lines, bytes)
		code := limits.BlockIngestionStatusCode
		return &PushError{Status: code, Msg: fmt.Sprintf(validation.BlockedIngestionErrorMsg, tenantID, until.Format(time.RFC3339), code)}
	}

	var (
		verrs      validationErrors
		valid      = req.Streams[:0]
		validLines int
		validBytes int
		recvLines  int
		recvBytes  int
	)
	for _, st := range req.Streams {
		streamBytes := 0
		for _, e := range st.Entries {
			streamBytes += validation.EntrySize(e)
		}
		recvLines += len(st.Entries)
		recvBytes += streamBytes

		info, verr := d.streams.resolve(limits, st.Labels)
		if verr != nil {
			verrs.add(verr.Msg)
			d.discard.Add(verr.Reason, tenantID, len(st.Entries), streamBytes)
			continue
		}
		ls := info.labels
		st.Labels = info.str
		st.Hash = info.hash

		kept := st.Entries[:0]
		var dup dupTracker
		for _, e := range st.Entries {
			if limits.IncrementDuplicateTimestamp {
				dup.bump(e)
			}
			if verr := validation.ValidateEntry(limits, now, st.Labels, e); verr != nil {
				verrs.add(verr.Msg)
				d.discard.Add(verr.Reason, tenantID, 1, validation.EntrySize(e))
				continue
			}
			kept = append(kept, e)
			validLines++
			validBytes += validation.EntrySize(e)
		}
		clear(st.Entries[len(kept):]) // drop references to rejected entries
		st.Entries = kept
		if len(kept) > 0 {
			if limits.DiscoverLogLevels {
				addDetectedLevels(ls, st, limits.LogLevelFields)
			}
			valid = append(valid, st)
		}
	}
	clear(req.Streams[len(valid):])
	req.Streams = valid
	d.m.linesReceived.WithLabelValues(tenantID).Add(float64(recvLines))
	d.m.bytesReceived.WithLabelValues(tenantID).Add(float64(recvBytes))

	if len(valid) == 0 {
		if e := verrs.err(); e != nil {
			return e
		}
		return nil // streams without entries: nothing to store, as in Loki
	}

	rate := limits.IngestionRateBytes()
	if limits.IngestionRateStrategy == validation.GlobalStrategy {
		rate /= float64(d.healthyDistributors())
	}
	if !d.limiter.allowN(tenantID, now, rate, limits.IngestionBurstBytes(), validBytes) {
		d.discard.Add(validation.ReasonRateLimited, tenantID, validLines, validBytes)
		e := validation.RateLimited(tenantID, int(rate), validLines, validBytes)
		return &PushError{Status: e.Status, Msg: e.Msg}
	}

	if err := d.replicate(ctx, tenantID, valid); err != nil {
		var pe *PushError
		if errors.As(err, &pe) {
			return pe
		}
		return &PushError{Status: http.StatusInternalServerError, Msg: err.Error()}
	}
	if e := verrs.err(); e != nil {
		return e // the valid streams are stored; the client learns which ones were not
	}
	return nil
}

// dupTracker implements increment_duplicate_timestamp within one stream of one push: an entry
// stamped like the entry before it (as sent, or as bumped) but with a different line moves 1ns
// after that entry, so that both are kept. A repeated line keeps the timestamp it was sent
// with, as in Loki.
type dupTracker struct {
	n                  int
	prevSent, prevLast int64
	prevLine           string
}

func (d *dupTracker) bump(e *logproto.EntryAdapter) {
	sent := e.GetTimestamp().AsTime().UnixNano()
	last := sent
	if d.n > 0 && e.Line != d.prevLine && (sent == d.prevSent || sent == d.prevLast) {
		last = d.prevLast + 1
		e.Timestamp = timestamppb.New(time.Unix(0, last))
	}
	d.n++
	d.prevSent, d.prevLast, d.prevLine = sent, last, e.Line
}
