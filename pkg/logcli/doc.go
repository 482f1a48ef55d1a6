// Package logcli implements `skald query`, a command-line client of Loki's query API that
// behaves like Grafana's logcli: it runs a LogQL query (range by default, --instant for an
// instant query) or lists labels, label values or series against any Loki-compatible server,
// and prints log lines as text (timestamp, labels, line), raw lines or JSON lines, and metric
// results as JSON.
//
// Run is the whole command; cmd/skald wires it as a subcommand. It reads LOKI_ADDR,
// LOKI_ORG_ID, LOKI_USERNAME, LOKI_PASSWORD and LOKI_BEARER_TOKEN like logcli does, with flags
// taking precedence.
package logcli
