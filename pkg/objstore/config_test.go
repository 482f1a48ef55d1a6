package objstore_test

import (
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/s3test"
)

func TestConfigNew(t *testing.T) {
	parse := func(args ...string) objstore.Config {
		t.Helper()
		var cfg objstore.Config
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg.RegisterFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if cfg := parse(); cfg.Backend != objstore.BackendFilesystem || cfg.Validate() == nil {
		t.Errorf("defaults: %+v, want filesystem needing a directory", cfg)
	}
	if cfg := parse("-objstore.backend=gcs"); cfg.Validate() == nil {
		t.Error("unknown backend: no error")
	}

	ctx := context.Background()
	use := func(cfg objstore.Config) {
		t.Helper()
		bkt, err := objstore.New(cfg, nil, prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		defer bkt.Close()
		if err := bkt.Upload(ctx, "k", strings.NewReader("v"), 1); err != nil {
			t.Fatalf("%s: %v", cfg.Backend, err)
		}
		if ok, err := bkt.Exists(ctx, "k"); !ok || err != nil {
			t.Fatalf("%s: exists = %v, %v", cfg.Backend, ok, err)
		}
	}
	use(parse("-objstore.filesystem.directory=" + t.TempDir()))

	s3 := s3test.Start(t)
	cfg := parse("-objstore.backend=s3", "-s3.endpoint=http://"+s3.Endpoint, "-s3.bucketnames=from-flags",
		"-s3.access-key-id="+s3.AccessKeyID, "-s3.secret-access-key="+s3.SecretAccessKey.Reveal(), "-s3.force-path-style")
	use(cfg)

	// The YAML form: what -print-config shows, secret masked.
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"backend: s3", "bucketnames: from-flags", "secret_access_key: '********'", "directory: \"\""} {
		if !strings.Contains(string(out), want) {
			t.Errorf("yaml lacks %q:\n%s", want, out)
		}
	}
}
