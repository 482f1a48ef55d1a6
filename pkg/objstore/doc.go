// Package objstore implements the object store Skald keeps chunks and index files in: one Bucket
// interface with a filesystem implementation (NewFilesystem, the embedded default under ./data)
// and an S3 implementation on minio-go (NewS3). Config/New pick one from configuration
// (-objstore.backend) and wrap it in Instrumented for metrics.
//
// Keys are slash-separated, relative and clean: no empty, "." or ".." segment, no leading or
// trailing slash (ValidateKey). Both implementations reject other keys with ErrInvalidKey, so a
// key that works on the filesystem works on S3 and the other way round. On the filesystem a key
// cannot be both an object and a "directory" prefix of another object ("a" and "a/b"); S3 allows
// it, so callers should not rely on it.
//
// The conformance suite in objstoretest runs against every implementation; s3test starts a real
// S3 server (versitygw) on loopback for the S3 tests and for other packages' cluster tests.
package objstore
