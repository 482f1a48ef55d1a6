package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skaldlogs/skald/pkg/chunk"
)

// Chunk encoding is configurable as flags and YAML (`chunk:`), flags winning over the file.
func TestChunkOptionsConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "skald.yaml")
	if err := os.WriteFile(file, []byte("chunk:\n  filter_bits: 3\n  encoding: lz4\n  block_size: 131072\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want chunk.Options
	}{
		{nil, chunk.DefaultOptions()},
		{[]string{"-config.file", file}, chunk.Options{Codec: chunk.CodecLZ4, BlockSize: 131072, FilterBitsPerGram: 3}},
		{[]string{"-config.file", file, "-ingester.chunk-filter-bits=4", "-ingester.chunk-line-hashes"},
			chunk.Options{Codec: chunk.CodecLZ4, BlockSize: 131072, FilterBitsPerGram: 4, LineHashes: true}},
	} {
		cfg, _, err := loadConfig(append(c.args, "-common.path-prefix", dir))
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if cfg.Chunk != c.want {
			t.Errorf("%v: chunk options %+v, want %+v", c.args, cfg.Chunk, c.want)
		}
	}
}
