package querier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/loghttp"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// Tail serves /loki/api/v1/tail over a WebSocket by polling: every TailPollInterval it runs
// the log query forward from the newest line sent so far (inclusive, skipping the lines at that
// timestamp already sent) up to now - delay_for, and sends what is new as one frame. A poll
// that returns `limit` lines is followed at once by the next, so a tail catches up rather than
// drops. Polling reaches ingesters and store alike and needs no tail RPC; the cost is up to one
// poll interval of latency.

type tailRequest struct {
	query string
	delay time.Duration
	limit uint32
	start time.Time
}

func parseTail(v url.Values, now time.Time) (tailRequest, error) {
	r := tailRequest{query: v.Get("query"), limit: loghttp.DefaultLimit}
	if _, err := syntax.ParseLogSelector(r.query, true); err != nil {
		return r, badRequest(err)
	}
	if s := v.Get("delay_for"); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil || d < 0 {
			return r, badRequest(fmt.Errorf("cannot parse %q to a valid delay_for", s))
		}
		if d > loghttp.MaxTailDelay {
			return r, badRequest(fmt.Errorf("delay_for can't be greater than %d", loghttp.MaxTailDelay))
		}
		r.delay = time.Duration(d) * time.Second
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return r, badRequest(fmt.Errorf("limit must be a positive value"))
		}
		r.limit = uint32(n)
	}
	var err error
	r.start, err = loghttp.ParseTimestamp(v.Get("start"), now.Add(-loghttp.DefaultTailSince))
	return r, err
}

func (q *Querier) handleTail(w http.ResponseWriter, r *http.Request, v url.Values, id string) error {
	req, err := parseTail(v, q.now())
	if err != nil {
		return err
	}
	if max := q.cfg.MaxConcurrentTailRequests; max > 0 {
		if n := q.tails.Add(1); n > int64(max) {
			q.tails.Add(-1)
			return badRequest(fmt.Errorf("max concurrent tail requests limit exceeded, count > limit (%d > %d)", n, max))
		}
		defer q.tails.Add(-1)
	}
	// Grafana's backend and browsers connect from other origins, as they may with Loki.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered the request
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context())
	if d := q.cfg.TailMaxDuration; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	err = q.tailLoop(ctx, conn, id, req)
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		_ = conn.Close(websocket.StatusNormalClosure, "")
	default:
		q.logger.Warn("tail failed", "tenant", id, "query", req.query, "err", err)
		// Close reasons are limited to 123 bytes.
		msg := err.Error()
		if len(msg) > 120 {
			msg = msg[:120]
		}
		_ = conn.Close(websocket.StatusInternalError, msg)
	}
	return nil
}

type tailKey struct {
	labels string
	line   string
}

func (q *Querier) tailLoop(ctx context.Context, conn *websocket.Conn, id string, req tailRequest) error {
	from := req.start.UnixNano()
	sentAtFrom := map[tailKey]bool{} // lines at timestamp `from` already sent
	ticker := time.NewTicker(q.cfg.TailPollInterval)
	defer ticker.Stop()
	var frame bytes.Buffer
	for {
		full := false
		if end := q.now().Add(-req.delay).UnixNano(); end > from {
			// Lines at `from` already sent come back first: ask for that many more, or a
			// timestamp holding more than limit lines would stall the tail.
			limit := req.limit + uint32(len(sentAtFrom))
			res, err := q.engineFor(id).Exec(withStats(ctx, nil), logql.Params{
				Query: req.query, Start: from, End: end, Limit: limit, Direction: iter.Forward,
			})
			if err != nil {
				return err
			}
			var out []loghttp.Stream
			newest, n := from, 0
			for _, s := range res.Streams {
				lbls := s.Labels.String()
				var es []iter.Entry
				for _, e := range s.Entries {
					n++
					if e.Timestamp == from && sentAtFrom[tailKey{lbls, e.Line}] {
						continue
					}
					es = append(es, e)
					newest = max(newest, e.Timestamp)
				}
				if len(es) > 0 {
					out = append(out, loghttp.Stream{Labels: s.Labels, Entries: es})
				}
			}
			full = n >= int(limit)
			if len(out) > 0 {
				if newest != from {
					clear(sentAtFrom)
					from = newest
				}
				for _, s := range out {
					lbls := s.Labels.String()
					for _, e := range s.Entries {
						if e.Timestamp == from {
							sentAtFrom[tailKey{lbls, e.Line}] = true
						}
					}
				}
				frame.Reset()
				if err := loghttp.EncodeTailResponse(&frame, out, nil); err != nil {
					return err
				}
				if err := conn.Write(ctx, websocket.MessageText, frame.Bytes()); err != nil {
					return err
				}
			} else {
				full = false // only lines already sent: wait for new ones
			}
		}
		if full {
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}
