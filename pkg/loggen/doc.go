// Package loggen implements a flog-like log generator: realistic JSON, logfmt and Apache
// (common and combined) access-log lines over many streams, deterministic for a given seed, and
// a pusher that sends them to any Loki-compatible push URL (protobuf+snappy by default, JSON
// optionally gzipped) in batches of a target size, bounded by rate, duration and line count,
// counting what was acknowledged (204) and what failed.
//
// The Generator is what the bench harness uses to produce the same data set every time: the
// same seed, stream count, format and timestamps give byte-identical lines. Every line carries
// a unique trace_id drawn from the generator's random source, a ready-made needle for
// needle-in-haystack queries.
//
// skald loggen wires Config.RegisterFlags and Run.
package loggen
