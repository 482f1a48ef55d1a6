// Package objstoretest implements the conformance suite every objstore.Bucket implementation
// runs: Run(t, bkt) checks the behaviour the rest of Skald relies on (atomic overwrite, ranges,
// not-found errors, lexical iteration, concurrency, cancellation, large and multipart objects).
package objstoretest
