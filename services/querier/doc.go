// Package querier implements Skald's querier: Loki's query HTTP API (query, query_range,
// labels, label values, series, format_query, index/stats, buildinfo) over a fan-out data
// source that asks every healthy ingester (over querierpb) for recent data and the store for
// flushed data, and merges the two, returning each entry once although the ring holds
// replication-factor copies of it.
//
// The querier is a library: New builds it from a Config and its Deps (a ring, a way to reach an
// ingester, a store, limits, an engine factory), RegisterRoutes mounts the HTTP API, Run waits
// for shutdown. Tenants come from X-Scope-OrgID (or the no-auth tenant) on every request.
//
// Ordering contract with ingesters: a Query stream's responses come in the query's direction
// batch after batch (every entry of a response is at or after, in that direction, every entry
// of the previous response); inside a response, each stream's entries are in direction order.
// QuerySample likewise with timestamps ascending. The querier merges within a response and
// concatenates responses.
package querier
