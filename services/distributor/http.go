package distributor

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/skaldlogs/skald/pkg/loghttp/push"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
)

// PushHandler serves POST /loki/api/v1/push and the legacy /api/prom/push (the path picks the
// JSON shape). Success is 204; errors are plain text with Loki's status codes.
func (d *Distributor) PushHandler() http.Handler {
	return http.HandlerFunc(d.servePush)
}

func (d *Distributor) servePush(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	tenantID, err := tenant.FromHTTP(r, d.cfg.AuthEnabled, d.cfg.NoAuthTenant)
	if err != nil {
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	if strings.Contains(tenantID, "|") {
		writeError(w, http.StatusBadRequest, "multiple org IDs present")
		return
	}
	req, st, err := d.decoder.ParseRequest(r)
	if err != nil {
		d.logger.Debug("decode push", "tenant", tenantID, "content_type", st.ContentType, "encoding", st.Encoding, "err", err)
		writeError(w, push.StatusOf(err), err.Error())
		return
	}
	ctx := tenant.InjectContext(r.Context(), tenantID)
	if err := d.PushTenant(ctx, tenantID, req); err != nil {
		var pe *PushError
		if !errors.As(err, &pe) {
			pe = &PushError{Status: http.StatusInternalServerError, Msg: err.Error()}
		}
		if pe.Status >= 500 {
			d.logger.Warn("push failed", "tenant", tenantID, "status", pe.Status, "err", pe.Msg)
		}
		writeError(w, pe.Status, pe.Msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

// Push implements logproto.PusherServer: the tenant comes from the context (the gRPC tenant
// interceptor puts it there). Errors carry the gRPC code matching the HTTP status, with the
// same text.
func (d *Distributor) Push(ctx context.Context, req *logproto.PushRequest) (*logproto.PushResponse, error) {
	tenantID, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, (&PushError{Status: http.StatusUnauthorized, Msg: err.Error()}).GRPCStatus().Err()
	}
	if err := d.PushTenant(ctx, tenantID, req); err != nil {
		var pe *PushError
		if errors.As(err, &pe) {
			if pe.Status < 300 {
				return &logproto.PushResponse{}, nil // a 2xx refusal (blocked tenant): drop, do not retry
			}
			return nil, pe.GRPCStatus().Err()
		}
		return nil, err
	}
	return &logproto.PushResponse{}, nil
}

var _ logproto.PusherServer = (*Distributor)(nil)
