// Package web serves Skald's built-in log explorer: static files embedded into the binary that
// talk to Loki's HTTP API (labels, label values, query_range) from the browser, so the UI uses
// exactly the API Grafana and logcli use.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the explorer; mount it at "/" (index.html) or under a prefix with
// http.StripPrefix.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("BUG: embedded static dir missing: " + err.Error())
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
