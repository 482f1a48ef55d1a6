// Package buildinfo holds the version stamped into the binary at link time (see the Makefile's
// LDFLAGS) and renders it as Loki's /loki/api/v1/status/buildinfo does.
package buildinfo

import "runtime"

// Set with -ldflags "-X github.com/skaldlogs/skald/pkg/buildinfo.Version=…".
var (
	Version   = "dev"
	Revision  = "unknown"
	Branch    = "main"
	BuildUser = "skald"
	BuildDate = "unknown"
)

// Info is the JSON body of /loki/api/v1/status/buildinfo.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Branch    string `json:"branch"`
	BuildUser string `json:"buildUser"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
}

// Get returns the build information of this binary.
func Get() Info {
	return Info{Version, Revision, Branch, BuildUser, BuildDate, runtime.Version()}
}
