// Package loghttp implements Loki's HTTP query API on the wire: parsing the parameters of
// /loki/api/v1/query, query_range, labels, label/<name>/values, series and index/stats exactly as
// Loki reads them (timestamps, durations, defaults and limits, with Loki's 400 texts), encoding
// responses in Loki's JSON shapes (streams, matrix, vector, scalar, the stats object,
// categorised labels), decoding those responses again (for clients such as logcli), and mapping
// errors to Loki's status codes and plain-text bodies.
//
// Push decoding lives in the sub-package loghttp/push.
//
// Units: every timestamp in this package is Unix nanoseconds (int64) or a time.Time; metric
// points are rendered, as Loki does, as float seconds with millisecond precision.
package loghttp
