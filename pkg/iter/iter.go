// Package iter defines the iterators that carry log entries and samples between the storage
// layers (ingester memory, chunks in the store), the query engine and the wire, and the merges
// that combine them.
//
// Every iterator follows one protocol: call Next until it returns false, read the current item
// with At (and Labels/StreamHash) only after Next returned true, check Err after the loop, and
// always Close. Values returned by At are valid until the next call to Next unless documented
// otherwise. Iterators are not safe for concurrent use.
package iter

import "github.com/skaldlogs/skald/pkg/labels"

// Entry is one log line of a stream.
type Entry struct {
	// Timestamp in Unix nanoseconds.
	Timestamp int64
	Line      string
	// StructuredMetadata travels beside the line (Loki 3 structured metadata).
	StructuredMetadata labels.Labels
	// Parsed holds labels extracted by a query pipeline; empty on the write path.
	Parsed labels.Labels
}

// EntryIterator iterates over log entries, each with the labels of its stream.
type EntryIterator interface {
	Next() bool
	At() Entry
	// Labels is the selector-form label string of the current entry's stream, after any
	// pipeline stage that changed it.
	Labels() string
	// StreamHash is the hash of the original stream labels (before the pipeline), used to
	// deduplicate replicas and to group entries by origin.
	StreamHash() uint64
	Err() error
	Close() error
}

// Sample is one value extracted from an entry.
type Sample struct {
	Timestamp int64
	Value     float64
	// Hash identifies the entry the sample came from, so replicas can be deduplicated.
	Hash uint64
}

// SampleIterator iterates over samples, each with the labels of its series.
type SampleIterator interface {
	Next() bool
	At() Sample
	Labels() string
	StreamHash() uint64
	Err() error
	Close() error
}

// Direction is the order of a log query.
type Direction int

const (
	Forward Direction = iota
	Backward
)
