// Package bench implements the benchmark harness behind `make bench`: it generates the same
// seeded flog-like JSON data set every time (pkg/loggen lines with a few injected needle lines),
// pushes it as protobuf+snappy Loki pushes to one or more targets (Skald or any Loki-compatible
// URL, and VictoriaLogs through its Loki push endpoint), measures ingest cost, memory and disk,
// then runs a fixed query set and checks every answer against what the targets acknowledged.
//
// The data set is identical between runs up to a time shift: the same seed and size give the
// same lines, with timestamps counted from a start time that the caller picks (recent, so every
// target accepts them). Timestamps sit 123457 ns past a whole millisecond, so no line ever falls
// on a query boundary and the expected answers do not depend on boundary conventions.
//
// Pure parts (data set, needles, query construction, answer checking, table rendering) are
// unit-tested; the process and HTTP parts are exercised by running `make bench`.
package bench
