package objstore_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"gopkg.in/yaml.v3"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/objstoretest"
	"github.com/skaldlogs/skald/pkg/objstore/s3test"
)

func TestS3Conformance(t *testing.T) {
	cfg := s3test.Start(t)
	bkt, err := objstore.NewS3(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer bkt.Close()
	// Larger than the 5 MiB part size: a multipart upload with a partial last part.
	objstoretest.RunWithOptions(t, bkt, objstoretest.Options{LargeSize: 2*objstore.MinPartSize + 12345})
}

func TestS3WrongCredentials(t *testing.T) {
	cfg := s3test.Start(t)
	cfg.SecretAccessKey = "wrong"
	cfg.MaxRetries = 1
	bkt, err := objstore.NewS3(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bkt.Upload(ctx, "x", strings.NewReader("x"), 1); err == nil {
		t.Fatal("upload with a wrong secret key: no error (the server must check signatures)")
	}
}

func TestS3Config(t *testing.T) {
	var cfg objstore.S3Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"-s3.endpoint=minio:9000", "-s3.bucketnames=logs", "-s3.secret-access-key=hunter2", "-s3.force-path-style"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Timeout != 30*time.Second || cfg.MaxRetries != 5 || cfg.PartSize != 16<<20 || !cfg.CreateBucket || !cfg.PathStyle {
		t.Errorf("defaults not set: %+v", cfg)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") || !strings.Contains(string(out), "secret_access_key: '********'") {
		t.Errorf("secret not masked:\n%s", out)
	}
	var back objstore.S3Config
	if err := yaml.Unmarshal([]byte("endpoint: s3.amazonaws.com\nbucketnames: b\nsecret_access_key: s3cr3t\ns3forcepathstyle: true\n"), &back); err != nil {
		t.Fatal(err)
	}
	if back.SecretAccessKey.Reveal() != "s3cr3t" || !back.PathStyle || back.Bucket != "b" {
		t.Errorf("yaml = %+v", back)
	}
	for _, bad := range []objstore.S3Config{
		{Bucket: "b"},
		{Endpoint: "e"},
		{Endpoint: "e", Bucket: "a,b"},
		{Endpoint: "e", Bucket: "b", PartSize: 1 << 20},
		{Endpoint: "e", Bucket: "b", MaxRetries: -1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v): no error", bad)
		}
	}
}

// TestS3Multipart checks that large uploads really go up in parts: an S3 multipart object's
// ETag ends in "-<number of parts>".
func TestS3Multipart(t *testing.T) {
	cfg := s3test.Start(t)
	bkt, err := objstore.NewS3(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), (2*objstore.MinPartSize+100)/16)
	for _, size := range []int64{int64(len(data)), -1} {
		if err := bkt.Upload(ctx, "big", struct{ io.Reader }{bytes.NewReader(data)}, size); err != nil {
			t.Fatal(err)
		}
		client, err := minio.New(cfg.Endpoint, &minio.Options{
			Creds: credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey.Reveal(), ""), Region: cfg.Region,
			BucketLookup: minio.BucketLookupPath,
		})
		if err != nil {
			t.Fatal(err)
		}
		info, err := client.StatObject(ctx, cfg.Bucket, "big", minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(info.ETag, "-3") || info.Size != int64(len(data)) {
			t.Errorf("size %d: etag %q, size %d; want a 3-part multipart object of %d bytes", size, info.ETag, info.Size, len(data))
		}
	}
}

func TestS3TLS(t *testing.T) {
	cfg := s3test.StartTLS(t)
	bkt, err := objstore.NewS3(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := bkt.Upload(ctx, "over/tls", strings.NewReader("secret"), 6); err != nil {
		t.Fatal(err)
	}
	rc, err := bkt.Get(ctx, "over/tls")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(b) != "secret" {
		t.Errorf("get over TLS = %q", b)
	}
	// Without the CA the server's certificate is refused; plain HTTP against it fails too.
	noCA := cfg
	noCA.CAFile, noCA.MaxRetries = "", 1
	if b, err := objstore.NewS3(noCA, nil); err != nil {
		t.Fatal(err)
	} else if _, err := b.Exists(ctx, "over/tls"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("TLS without trusting the server's CA: err = %v, want a certificate error", err)
	}
	plain := cfg
	plain.Insecure, plain.MaxRetries = true, 1
	if b, err := objstore.NewS3(plain, nil); err != nil {
		t.Fatal(err)
	} else if _, err := b.Exists(ctx, "over/tls"); err == nil {
		t.Error("plain HTTP to a TLS server: no error")
	}
	bad := cfg
	bad.CAFile = "/nonexistent/ca.pem"
	if _, err := objstore.NewS3(bad, nil); err == nil {
		t.Error("missing CA file: no error")
	}
}
