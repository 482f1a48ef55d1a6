// Package distributor implements Skald's distributor: the stateless front of the write path.
//
// For each push (HTTP /loki/api/v1/push and /api/prom/push, OTLP /otlp/v1/logs, or gRPC
// logproto.Pusher/Push) it finds the tenant, refuses it while the tenant is blocked
// (block_ingestion_until), decodes the body (pkg/loghttp/push), validates every stream and
// entry against the tenant's limits (pkg/validation; parsed label sets are cached per raw
// string), adds service_name and detected_level as Loki does by default (discover_service_name,
// discover_log_levels), applies the tenant's ingestion rate limit (a token bucket; with the global strategy the rate is divided
// between the healthy distributors), hashes (tenant, sorted labels) onto the ingester ring, and
// sends each stream to its replication set in parallel, one request per ingester. A push
// succeeds when every stream reached its write quorum (floor(RF/2)+1 of its set).
//
// One bad stream does not drop the good ones: valid streams are stored and the answer is the
// 400 naming the bad ones, as in Loki. Ingester errors keep their meaning: InvalidArgument is a
// 400 with the ingester's text, ResourceExhausted a 429, and anything else (unavailable,
// timeout, lost quorum) a 5xx so that agents retry: never a silent drop.
package distributor
