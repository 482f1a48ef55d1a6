package ring

import (
	"context"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// StatusSource is what the /ring page shows and acts on; Node and Watcher implement it.
type StatusSource interface {
	// State returns the current ring state (with the Raft leader as its sender sees it).
	State() *ringpb.RingState
	// Forget removes a dead member from the ring and the Raft group.
	Forget(ctx context.Context, id string) error
}

// RingPage is the JSON form of the /ring page.
type RingPage struct {
	Leader  string       `json:"leader"`
	From    string       `json:"from,omitempty"`
	Index   uint64       `json:"index"`
	Members []MemberPage `json:"members"`
	Peers   []PeerPage   `json:"peers"`
	// Distributors announce themselves to share rate limits; they are not ring members.
	Distributors []DistributorPage `json:"distributors"`
}

// DistributorPage is one distributor on the /ring page.
type DistributorPage struct {
	ID                  string    `json:"id"`
	Addr                string    `json:"addr"`
	Heartbeat           time.Time `json:"heartbeat"`
	HeartbeatAgeSeconds float64   `json:"heartbeat_age_seconds"`
	Registered          time.Time `json:"registered"`
}

// MemberPage is one ring member on the /ring page.
type MemberPage struct {
	ID                  string    `json:"id"`
	Addr                string    `json:"addr"`
	State               string    `json:"state"`
	Healthy             bool      `json:"healthy"`
	Tokens              int       `json:"tokens"`
	Heartbeat           time.Time `json:"heartbeat"`
	HeartbeatAgeSeconds float64   `json:"heartbeat_age_seconds"`
	Registered          time.Time `json:"registered"`
}

// PeerPage is one Raft peer on the /ring page.
type PeerPage struct {
	ID       string `json:"id"`
	Addr     string `json:"addr"`
	RaftAddr string `json:"raft_addr"`
	Leader   bool   `json:"leader"`
}

// NewHTTPHandler serves the /ring page: GET shows members (state, health, token count,
// heartbeat age) and the Raft leader as HTML, or as JSON with ?format=json or Accept:
// application/json; POST with form field forget=<id> forgets a member (as Loki's ring page does).
func NewHTTPHandler(src StatusSource, heartbeatTimeout time.Duration, logger *slog.Logger) http.Handler {
	return &ringHandler{src: src, heartbeatTimeout: heartbeatTimeout, logger: logger.With("component", "ring-http")}
}

type ringHandler struct {
	src              StatusSource
	heartbeatTimeout time.Duration
	logger           *slog.Logger
}

func (h *ringHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wantJSON := r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		id := r.FormValue("forget")
		if id == "" {
			http.Error(w, "missing form field forget", http.StatusBadRequest)
			return
		}
		if err := h.src.Forget(r.Context(), id); err != nil {
			h.logger.Warn("forget ring member", "id", id, "err", err)
			http.Error(w, "forget "+id+": "+err.Error(), http.StatusInternalServerError)
			return
		}
		h.logger.Info("forgot ring member", "id", id)
		if wantJSON {
			writeJSON(w, map[string]string{"status": "success", "forgot": id})
			return
		}
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	page := h.page(time.Now())
	if wantJSON {
		writeJSON(w, page)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := ringTemplate.Execute(w, page); err != nil {
		h.logger.Debug("write ring page", "err", err)
	}
}

func (h *ringHandler) page(now time.Time) RingPage {
	st := h.src.State()
	p := RingPage{Leader: st.LeaderId, From: st.FromId, Index: st.Index, Members: []MemberPage{}, Peers: []PeerPage{}, Distributors: []DistributorPage{}}
	for _, m := range st.Members {
		hb := time.Unix(0, m.HeartbeatUnixNano)
		age := now.Sub(hb)
		p.Members = append(p.Members, MemberPage{
			ID: m.Id, Addr: m.Addr, State: State(m.State).String(),
			Healthy:             h.heartbeatTimeout <= 0 || age <= h.heartbeatTimeout,
			Tokens:              len(m.Tokens),
			Heartbeat:           hb.UTC(),
			HeartbeatAgeSeconds: age.Round(time.Millisecond).Seconds(),
			Registered:          time.Unix(0, m.RegisteredUnixNano).UTC(),
		})
	}
	for _, pe := range st.Peers {
		p.Peers = append(p.Peers, PeerPage{ID: pe.Id, Addr: pe.Addr, RaftAddr: pe.RaftAddr, Leader: pe.Id == st.LeaderId})
	}
	for _, d := range st.Distributors {
		hb := time.Unix(0, d.HeartbeatUnixNano)
		p.Distributors = append(p.Distributors, DistributorPage{
			ID: d.Id, Addr: d.Addr, Heartbeat: hb.UTC(),
			HeartbeatAgeSeconds: now.Sub(hb).Round(time.Millisecond).Seconds(),
			Registered:          time.Unix(0, d.RegisteredUnixNano).UTC(),
		})
	}
	return p
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

var ringTemplate = template.Must(template.New("ring").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Skald ring</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}.bad{color:#b00}</style>
</head><body>
<h1>Ingester ring</h1>
<p>Raft leader: <b id="leader">{{if .Leader}}{{.Leader}}{{else}}none{{end}}</b>{{if .From}} (as seen by {{.From}}){{end}}, ring index {{.Index}}</p>
<table id="members"><thead><tr><th>ID</th><th>Address</th><th>State</th><th>Health</th><th>Tokens</th><th>Heartbeat age</th><th>Registered</th><th></th></tr></thead><tbody>
{{range .Members}}<tr><td>{{.ID}}</td><td>{{.Addr}}</td><td>{{.State}}</td><td{{if not .Healthy}} class="bad"{{end}}>{{if .Healthy}}HEALTHY{{else}}UNHEALTHY{{end}}</td><td>{{.Tokens}}</td><td>{{printf "%.1f" .HeartbeatAgeSeconds}}s</td><td>{{.Registered.Format "2006-01-02T15:04:05Z07:00"}}</td>
<td><form method="post"><input type="hidden" name="forget" value="{{.ID}}"><button type="submit">Forget</button></form></td></tr>
{{end}}</tbody></table>
<h2>Raft peers</h2>
<table id="peers"><thead><tr><th>ID</th><th>gRPC address</th><th>Raft address</th><th></th><th></th></tr></thead><tbody>
{{range .Peers}}<tr><td>{{.ID}}</td><td>{{.Addr}}</td><td>{{.RaftAddr}}</td><td>{{if .Leader}}leader{{end}}</td>
<td><form method="post"><input type="hidden" name="forget" value="{{.ID}}"><button type="submit">Forget</button></form></td></tr>
{{end}}</tbody></table>
<h2>Distributors</h2>
<p>Not ring members: they own no tokens and announce themselves only to share per-tenant global rate limits.</p>
<table id="distributors"><thead><tr><th>ID</th><th>Address</th><th>Heartbeat age</th><th>Registered</th><th></th></tr></thead><tbody>
{{range .Distributors}}<tr><td>{{.ID}}</td><td>{{.Addr}}</td><td>{{printf "%.1f" .HeartbeatAgeSeconds}}s</td><td>{{.Registered.Format "2006-01-02T15:04:05Z07:00"}}</td>
<td><form method="post"><input type="hidden" name="forget" value="{{.ID}}"><button type="submit">Forget</button></form></td></tr>
{{end}}</tbody></table>
</body></html>
`))
