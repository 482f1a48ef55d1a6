// Package s3test implements a real S3 server for tests: versitygw (Apache-2.0) with its POSIX backend
// in a temporary directory, listening on loopback. Start returns an objstore.S3Config pointing at
// it; the server is stopped when the test ends. Other packages' tests (store, cluster) reuse it.
package s3test
