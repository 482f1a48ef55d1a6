package objstore

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// S3Config configures the S3 bucket. YAML keys follow Loki's storage_config.aws block where
// they mean the same (endpoint, region, bucketnames, access_key_id, secret_access_key, insecure,
// s3forcepathstyle), so an operator's Loki config maps over.
type S3Config struct {
	// Endpoint is host[:port]; an "http://" or "https://" scheme is accepted and sets Insecure.
	Endpoint        string `yaml:"endpoint"`
	Region          string `yaml:"region"`
	Bucket          string `yaml:"bucketnames"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey Secret `yaml:"secret_access_key"`
	// Insecure talks plain HTTP instead of TLS.
	Insecure bool `yaml:"insecure"`
	// CAFile is a PEM file of CA certificates to trust for the endpoint, on top of the system's.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify accepts any server certificate (testing only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// PathStyle addresses the bucket as endpoint/bucket rather than bucket.endpoint (MinIO and
	// most self-hosted S3 servers need it).
	PathStyle bool `yaml:"s3forcepathstyle"`
	// Timeout bounds connecting, waiting for response headers, and every request that does not
	// stream object data (stat, delete, bucket checks). 0: no timeout.
	Timeout time.Duration `yaml:"timeout"`
	// MaxRetries is how many times a failed request is tried in total, with exponential backoff
	// and jitter between tries (200 ms doubling up to 1 s). 1 disables retries.
	MaxRetries int `yaml:"max_retries"`
	// PartSize is the part size of multipart uploads, used for objects larger than it and for
	// uploads of unknown size (each buffers one part). S3's minimum is 5 MiB.
	PartSize uint64 `yaml:"part_size"`
	// CreateBucket creates the bucket on first use if it does not exist.
	CreateBucket bool `yaml:"create_bucket"`
}

// MinPartSize is S3's smallest multipart part.
const MinPartSize = 5 << 20

// RegisterFlags registers the flags (prefix "s3.") and sets the defaults.
func (c *S3Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Endpoint, "s3.endpoint", "", "S3 endpoint, host[:port] (an http:// scheme implies -s3.insecure).")
	fs.StringVar(&c.Region, "s3.region", "", "S3 region; empty: the server's default.")
	fs.StringVar(&c.Bucket, "s3.bucketnames", "", "S3 bucket name.")
	fs.StringVar(&c.AccessKeyID, "s3.access-key-id", "", "S3 access key ID.")
	fs.Var(&c.SecretAccessKey, "s3.secret-access-key", "S3 secret access key.")
	fs.BoolVar(&c.Insecure, "s3.insecure", false, "Use plain HTTP instead of TLS.")
	fs.StringVar(&c.CAFile, "s3.ca-file", "", "PEM file of extra CA certificates to trust for the endpoint; empty: the system's only.")
	fs.BoolVar(&c.InsecureSkipVerify, "s3.insecure-skip-verify", false, "Accept any TLS server certificate (testing only).")
	fs.BoolVar(&c.PathStyle, "s3.force-path-style", false, "Use path-style bucket addressing (endpoint/bucket), as MinIO needs.")
	fs.DurationVar(&c.Timeout, "s3.timeout", 30*time.Second, "Timeout for connecting, response headers and non-streaming requests; 0: none.")
	fs.IntVar(&c.MaxRetries, "s3.max-retries", 5, "Tries per request, with exponential backoff between them; 1: no retries.")
	fs.Uint64Var(&c.PartSize, "s3.part-size", 16<<20, "Multipart upload part size in bytes (min 5 MiB).")
	fs.BoolVar(&c.CreateBucket, "s3.create-bucket", true, "Create the bucket on first use if it is missing.")
}

// Validate checks the configuration.
func (c *S3Config) Validate() error {
	var errs []error
	if c.Endpoint == "" {
		errs = append(errs, errors.New("s3.endpoint is required"))
	}
	if c.Bucket == "" || strings.ContainsAny(c.Bucket, ", /") {
		errs = append(errs, fmt.Errorf("s3.bucketnames %q: want one bucket name", c.Bucket))
	}
	if c.PartSize != 0 && c.PartSize < MinPartSize {
		errs = append(errs, fmt.Errorf("s3.part-size %d: below S3's minimum of %d", c.PartSize, MinPartSize))
	}
	if c.MaxRetries < 0 || c.Timeout < 0 {
		errs = append(errs, errors.New("s3.max-retries and s3.timeout must not be negative"))
	}
	return errors.Join(errs...)
}

// Secret is a string that prints and marshals as "********" so that configuration dumps
// (/config, -print-config) do not leak it.
type Secret string

const masked = "********"

// String implements flag.Value and fmt.Stringer.
func (s *Secret) String() string {
	if s == nil || *s == "" {
		return ""
	}
	return masked
}

// Set implements flag.Value.
func (s *Secret) Set(v string) error { *s = Secret(v); return nil }

// MarshalYAML masks the value.
func (s Secret) MarshalYAML() (any, error) {
	if s == "" {
		return "", nil
	}
	return masked, nil
}

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }
