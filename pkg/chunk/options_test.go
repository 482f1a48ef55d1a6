package chunk

import (
	"flag"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestOptionsConfig(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o.RegisterFlags("chunk.", fs)
	if o != DefaultOptions() {
		t.Fatalf("defaults %+v", o)
	}
	if err := fs.Parse([]string{"-chunk.encoding=lz4", "-chunk.block-size=1024"}); err != nil {
		t.Fatal(err)
	}
	if o.Codec != CodecLZ4 || o.BlockSize != 1024 {
		t.Fatalf("flags %+v", o)
	}
	if err := fs.Parse([]string{"-chunk.encoding=brotli"}); err == nil {
		t.Fatal("unknown codec accepted")
	}
	var y Options
	if err := yaml.Unmarshal([]byte("encoding: snappy\nblock_size: 4096\n"), &y); err != nil {
		t.Fatal(err)
	}
	if y.Codec != CodecSnappy || y.BlockSize != 4096 {
		t.Fatalf("yaml %+v", y)
	}
	out, err := yaml.Marshal(DefaultOptions())
	if err != nil || string(out) != "encoding: zstd\nblock_size: 262144\nfilter_bits: 2\nline_hashes: false\n" {
		t.Fatalf("yaml out %q %v", out, err)
	}
}
