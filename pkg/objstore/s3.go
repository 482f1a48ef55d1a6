package objstore

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Bucket on an S3-compatible object store, through minio-go. It is safe for concurrent
// use. S3 PUTs are atomic, so Upload needs no temporary objects.
type S3 struct {
	cfg       S3Config
	client    *minio.Client
	transport *http.Transport
	logger    *slog.Logger

	mu      sync.Mutex // guards ensured
	ensured bool
}

var _ Bucket = (*S3)(nil)

// NewS3 returns an S3 bucket. It does not contact the server: the first operation does (and
// creates the bucket when cfg.CreateBucket is set).
func NewS3(cfg S3Config, logger *slog.Logger) (Bucket, error) {
	if scheme, rest, ok := strings.Cut(cfg.Endpoint, "://"); ok {
		cfg.Endpoint = strings.TrimSuffix(rest, "/")
		cfg.Insecure = scheme == "http"
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open s3 bucket: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256, // chunk fetches run in parallel against one host
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	if !cfg.Insecure {
		tlsCfg, err := tlsConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("open s3 bucket: %w", err)
		}
		tr.TLSClientConfig = tlsCfg
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey.Reveal(), ""),
		Secure:       !cfg.Insecure,
		Transport:    tr,
		Region:       cfg.Region,
		BucketLookup: lookup,
		MaxRetries:   cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("open s3 bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	return &S3{
		cfg:       cfg,
		client:    client,
		transport: tr,
		logger:    logger.With("component", "objstore", "bucket", cfg.Bucket),
	}, nil
}

// unary bounds a request that does not stream data by the configured timeout.
func (b *S3) unary(ctx context.Context) (context.Context, context.CancelFunc) {
	if b.cfg.Timeout > 0 {
		return context.WithTimeout(ctx, b.cfg.Timeout)
	}
	return context.WithCancel(ctx)
}

// ensure creates the bucket once, on first use, when configured to. A failure is retried by
// the next operation.
func (b *S3) ensure(ctx context.Context) error {
	if !b.cfg.CreateBucket {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ensured {
		return nil
	}
	ctx, cancel := b.unary(ctx)
	defer cancel()
	ok, err := b.client.BucketExists(ctx, b.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", b.cfg.Bucket, err)
	}
	if !ok {
		err := b.client.MakeBucket(ctx, b.cfg.Bucket, minio.MakeBucketOptions{Region: b.cfg.Region})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return fmt.Errorf("create bucket %s: %w", b.cfg.Bucket, err)
		}
		b.logger.Info("created bucket")
	}
	b.ensured = true
	return nil
}

func (b *S3) prepare(ctx context.Context, op, name string) error {
	if err := ValidateKey(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	return b.ensure(ctx)
}

// mapErr turns S3's "no such key" into ErrNotFound.
func mapErr(op, name string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || resp.Code == "NotFound" || resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s %s: %w", op, name, ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}

// Upload implements Bucket. Objects larger than PartSize, and objects of unknown size, go up as
// multipart uploads.
func (b *S3) Upload(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := b.prepare(ctx, "upload", name); err != nil {
		return err
	}
	opts := minio.PutObjectOptions{PartSize: b.cfg.PartSize, ContentType: "application/octet-stream"}
	if _, err := b.client.PutObject(ctx, b.cfg.Bucket, name, r, size, opts); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	return nil
}

// Get implements Bucket.
func (b *S3) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	return b.GetRange(ctx, name, 0, -1)
}

// GetRange implements Bucket.
func (b *S3) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if off < 0 || length < -1 {
		return nil, fmt.Errorf("get %s: invalid range off=%d length=%d", name, off, length)
	}
	if err := b.prepare(ctx, "get", name); err != nil {
		return nil, err
	}
	if length == 0 {
		// An empty range cannot be expressed as an HTTP range; only existence matters.
		if _, err := b.Attributes(ctx, name); err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	var opts minio.GetObjectOptions
	switch {
	case length > 0:
		if err := opts.SetRange(off, off+length-1); err != nil {
			return nil, fmt.Errorf("get %s: %w", name, err)
		}
	case off > 0:
		if err := opts.SetRange(off, 0); err != nil {
			return nil, fmt.Errorf("get %s: %w", name, err)
		}
	}
	// Core's GetObject sends one GET and returns its body; Client.GetObject would first HEAD the
	// object and then GET it with If-Match, which fails spuriously when the object is replaced
	// in between.
	body, _, _, err := minio.Core{Client: b.client}.GetObject(ctx, b.cfg.Bucket, name, opts)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "InvalidRange" {
			return io.NopCloser(bytes.NewReader(nil)), nil // the range starts at or past the end
		}
		return nil, mapErr("get", name, err)
	}
	return body, nil
}

// Exists implements Bucket.
func (b *S3) Exists(ctx context.Context, name string) (bool, error) {
	_, err := b.Attributes(ctx, name)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Attributes implements Bucket.
func (b *S3) Attributes(ctx context.Context, name string) (Attributes, error) {
	if err := b.prepare(ctx, "stat", name); err != nil {
		return Attributes{}, err
	}
	ctx, cancel := b.unary(ctx)
	defer cancel()
	info, err := b.client.StatObject(ctx, b.cfg.Bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return Attributes{}, mapErr("stat", name, err)
	}
	return Attributes{Size: info.Size, LastModified: info.LastModified}, nil
}

// Iter implements Bucket. S3 lists keys in UTF-8 binary order, which is Go's string order.
func (b *S3) Iter(ctx context.Context, prefix string, f func(name string) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("iter %s: %w", prefix, err)
	}
	if err := b.ensure(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx) // stops the listing goroutine when f stops early
	defer cancel()
	for obj := range b.client.ListObjects(ctx, b.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("iter %s: %w", prefix, obj.Err)
		}
		if strings.HasSuffix(obj.Key, "/") {
			continue // a "directory" marker, not an object
		}
		if err := f(obj.Key); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Delete implements Bucket.
func (b *S3) Delete(ctx context.Context, name string) error {
	if err := b.prepare(ctx, "delete", name); err != nil {
		return err
	}
	ctx, cancel := b.unary(ctx)
	defer cancel()
	if err := b.client.RemoveObject(ctx, b.cfg.Bucket, name, minio.RemoveObjectOptions{}); err != nil {
		if IsNotFound(mapErr("delete", name, err)) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// Close implements Bucket.
func (b *S3) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}

func tlsConfig(cfg S3Config) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in, for tests
	if cfg.CAFile == "" {
		return c, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read s3.ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read s3.ca-file %s: no PEM certificates", cfg.CAFile)
	}
	c.RootCAs = pool
	return c, nil
}
