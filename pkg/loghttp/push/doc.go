// Package push implements decoding of Loki push request bodies, as agents (Promtail, Alloy,
// Fluent Bit, Vector, skald loggen) send them to POST /loki/api/v1/push and the legacy
// /api/prom/push:
//
//   - application/json: the v1 shape {"streams":[{"stream":{..},"values":[["<ns>","line",{sm}]]}]}
//     (timestamps are strings; numbers are rejected), or the legacy shape with "labels" and
//     "entries" [{"ts":"<RFC3339>","line":".."}] on /api/prom/push;
//   - application/x-protobuf or no Content-Type: a raw (block) snappy compressed
//     logproto.PushRequest;
//   - Content-Encoding gzip or deflate is undone first; snappy is accepted and ignored (the
//     protobuf path is snappy anyway); anything else is rejected.
//
// The decoders are hand written: they allocate entries in bulk per stream and return strings
// that point into the decompressed body (which is never reused), so a decoded request costs a
// few allocations per stream rather than several per line. Invalid UTF-8 is replaced with
// U+FFFD so that the request can always be re-marshalled for the ingesters.
//
// Every error a client can cause is an *Error carrying the HTTP status Loki would answer.
package push
