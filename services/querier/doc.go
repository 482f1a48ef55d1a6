// Package querier implements Skald's querier: Loki's query HTTP API over a fan-out data
// source that asks every healthy ingester (over querierpb) for recent data and the store for
// flushed data, and merges the two, returning each entry once although the ring holds
// replication-factor copies of it (and an ingester may still hold lines already flushed).
//
// Endpoints (RegisterRoutes): /loki/api/v1/query, query_range, labels (and label),
// label/{name}/values, series, format_query, index/stats, index/volume, index/volume_range,
// tail (WebSocket), detected_fields, detected_field/{name}/values, detected_labels, patterns,
// status/buildinfo, plus the legacy /api/prom/{query, label, label/{name}/values, series}.
// GET and POST form bodies are accepted everywhere; errors are Loki's plain-text bodies and
// status codes.
//
// Where Skald computes differently from Loki (same shapes, documented approximations):
//   - index/volume runs sum by (labels) (bytes_over_time(selector[range])) on the engine;
//   - tail polls the engine every TailPollInterval instead of a push RPC to ingesters;
//   - detected_* sample line_limit recent lines (json or logfmt chosen per line) and count
//     distinct values exactly rather than with a sketch;
//   - patterns clusters the range's newest lines on demand (no pattern ingester).
//
// The querier is a library: New builds it from a Config and its Deps (a ring, a way to reach an
// ingester, a store, per-tenant limits, an engine factory), RegisterRoutes mounts the HTTP API,
// DataSource exposes the fan-out to other evaluators (the ruler), Run waits for shutdown.
// Tenants come from X-Scope-OrgID (or the no-auth tenant) on every request.
//
// Ordering contract with ingesters: a Query stream's responses come in the query's direction
// batch after batch (every entry of a response is at or after, in that direction, every entry
// of the previous response); inside a response, each stream's entries are in direction order.
// QuerySample likewise with timestamps ascending. iter.SendEntries/SendSamples produce exactly
// this; the querier merges within a response and concatenates responses.
package querier
