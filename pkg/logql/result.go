package logql

import (
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// ValueType names a result type as Loki's resultType does.
type ValueType string

const (
	ValueStreams ValueType = "streams"
	ValueMatrix  ValueType = "matrix"
	ValueVector  ValueType = "vector"
	ValueScalar  ValueType = "scalar"
)

// Result is the answer to a query: exactly one of Streams, Matrix, Vector or Scalar is
// meaningful, as named by Type.
type Result struct {
	Type    ValueType
	Streams Streams
	Matrix  Matrix
	Vector  Vector
	Scalar  Scalar
	Stats   Stats
}

// Stream is one stream of a log query's result: its labels (after the pipeline) and its entries
// in the query's direction.
type Stream struct {
	Labels  labels.Labels
	Entries []iter.Entry
}

// Streams are sorted by their labels' selector form.
type Streams []Stream

// Point is one value of a series. T is Unix nanoseconds.
type Point struct {
	T int64
	V float64
}

// Series is one series of a range query's result, points in time order.
type Series struct {
	Metric labels.Labels
	Points []Point
}

// Matrix is a range query's result, series sorted by labels.
type Matrix []Series

// Sample is one element of an instant vector. T is Unix nanoseconds.
type Sample struct {
	Metric labels.Labels
	T      int64
	V      float64
}

// Vector is an instant query's result. Sorted by labels unless the query's outermost operation
// is sort or sort_desc, whose order is kept.
type Vector []Sample

// Scalar is a number at a time (T in Unix nanoseconds).
type Scalar struct {
	T int64
	V float64
}

// Stats are the engine's own counters; data sources' counters travel separately.
type Stats struct {
	ExecTime time.Duration
	// EntriesReturned counts log lines in the result.
	EntriesReturned int64
	// Duplicates counts replica entries or samples dropped by merges the engine saw.
	Duplicates int64
}
