// Package validation implements Skald's per-tenant limits with Loki's names, defaults and error
// texts: the Limits struct (the limits_config section), the runtime Overrides that serve each
// tenant's values from a YAML file reloaded without a restart, the stream and entry checks the
// distributor runs on every push, and the discard counters (loki_discarded_samples_total,
// loki_discarded_bytes_total).
//
// Limits values are immutable once served: Overrides.For returns a shared pointer that callers
// must not modify. A reload swaps in a new set atomically.
package validation
