package logcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/skaldlogs/skald/pkg/loghttp"
)

// runTail follows a query through /loki/api/v1/tail (a WebSocket) and prints lines as they
// arrive, until ctx ends or the server closes the connection.
func runTail(ctx context.Context, o *options, start time.Time, stdout, stderr io.Writer) error {
	u, err := url.Parse(strings.TrimRight(o.addr, "/") + "/loki/api/v1/tail")
	if err != nil {
		return fmt.Errorf("parse --addr: %w", err)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	params := url.Values{"query": {o.query}, "start": {strconv.FormatInt(start.UnixNano(), 10)}}
	if o.limit > 0 {
		params.Set("limit", strconv.Itoa(o.limit))
	}
	if o.delayFor > 0 {
		params.Set("delay_for", strconv.Itoa(o.delayFor))
	}
	u.RawQuery = params.Encode()
	hdr := http.Header{}
	hdr.Set("User-Agent", "skald-logcli")
	if o.orgID != "" {
		hdr.Set("X-Scope-OrgID", o.orgID)
	}
	switch {
	case o.token != "":
		hdr.Set("Authorization", "Bearer "+o.token)
	case o.username != "" || o.password != "":
		r := &http.Request{Header: http.Header{}}
		r.SetBasicAuth(o.username, o.password)
		hdr.Set("Authorization", r.Header.Get("Authorization"))
	}
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		if resp != nil && resp.Body != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return fmt.Errorf("error response from server: %s (%s)", strings.TrimSpace(string(b)), resp.Status)
		}
		return fmt.Errorf("open tail: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 20)
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
				websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return nil
			}
			return fmt.Errorf("read tail: %w", err)
		}
		streams, dropped, err := loghttp.DecodeTailResponse(bytes.NewReader(b))
		if err != nil {
			return err
		}
		if len(dropped) > 0 && !o.quiet {
			fmt.Fprintf(stderr, "Server dropped %d entries\n", len(dropped))
		}
		// Frames print oldest first, with full labels (no common labels across frames).
		tailOpts := *o
		tailOpts.forward, tailOpts.quiet = true, true
		if err := printResult(&loghttp.QueryResult{Type: loghttp.ResultStreams, Streams: streams}, &tailOpts, stdout, stderr); err != nil {
			return err
		}
	}
}
