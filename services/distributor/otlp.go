package distributor

import (
	"errors"
	"net/http"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/skaldlogs/skald/pkg/loghttp/push"
	"github.com/skaldlogs/skald/pkg/tenant"
)

// OTLPHandler serves POST /otlp/v1/logs: an OTLP logs export mapped to streams as Loki maps it
// (pkg/loghttp/push.DecodeOTLP), then the same validation, limits and replication as a push.
// Success is 204. Errors follow the OTLP convention: the status code, and a google.rpc.Status
// protobuf body; a 500 is answered 503 so that collectors retry.
func (d *Distributor) OTLPHandler() http.Handler {
	return http.HandlerFunc(d.serveOTLP)
}

func (d *Distributor) serveOTLP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOTLPError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	tenantID, err := tenant.FromHTTP(r, d.cfg.AuthEnabled, d.cfg.NoAuthTenant)
	if err != nil {
		writeOTLPError(w, http.StatusUnauthorized, err.Error())
		return
	}
	if strings.Contains(tenantID, "|") {
		writeOTLPError(w, http.StatusBadRequest, "multiple org IDs present")
		return
	}
	req, _, err := d.decoder.ParseOTLPRequest(r, d.deps.Now().UnixNano())
	if err != nil {
		writeOTLPError(w, push.StatusOf(err), err.Error())
		return
	}
	if len(req.Streams) == 0 {
		// An export with no records is valid OTLP (collectors send them): nothing to store.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ctx := tenant.InjectContext(r.Context(), tenantID)
	if err := d.PushTenant(ctx, tenantID, req); err != nil {
		var pe *PushError
		if !errors.As(err, &pe) {
			pe = &PushError{Status: http.StatusInternalServerError, Msg: err.Error()}
		}
		writeOTLPError(w, pe.Status, pe.Msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeOTLPError answers with a google.rpc.Status{code, message} protobuf body.
func writeOTLPError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusInternalServerError {
		status = http.StatusServiceUnavailable
	}
	var body []byte
	body = protowire.AppendTag(body, 1, protowire.VarintType)
	body = protowire.AppendVarint(body, uint64(codeForHTTP(status)))
	body = protowire.AppendTag(body, 2, protowire.BytesType)
	body = protowire.AppendString(body, msg)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
