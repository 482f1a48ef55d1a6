package logcli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/skaldlogs/skald/pkg/loghttp"
)

// client calls a Loki-compatible query API.
type client struct {
	base string
	o    *options
	http *http.Client
}

// get fetches path with params and returns the body of a 200 answer; any other status becomes
// an error carrying the server's text.
func (c *client) get(ctx context.Context, path string, params url.Values) (io.ReadCloser, error) {
	u := strings.TrimRight(c.base, "/") + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", "skald-logcli")
	if c.o.orgID != "" {
		req.Header.Set("X-Scope-OrgID", c.o.orgID)
	}
	switch {
	case c.o.token != "":
		req.Header.Set("Authorization", "Bearer "+c.o.token)
	case c.o.username != "" || c.o.password != "":
		req.SetBasicAuth(c.o.username, c.o.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("error response from server: %s (%s)", strings.TrimSpace(string(b)), resp.Status)
	}
	return resp.Body, nil
}

// queryRange runs one query_range request and decodes its answer.
func (c *client) queryRange(ctx context.Context, params url.Values) (*loghttp.QueryResult, error) {
	return c.query(ctx, "/loki/api/v1/query_range", params)
}

// query runs one query or query_range request and decodes its answer.
func (c *client) query(ctx context.Context, path string, params url.Values) (*loghttp.QueryResult, error) {
	body, err := c.get(ctx, path, params)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return loghttp.DecodeQueryResponse(body)
}
