package ingester

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/skaldlogs/skald/pkg/wal/natstest"
)

// TestFullFlushEmptiesWALOnDisk: after a flush of everything, with no flush marks left, the
// WAL's files shrink to a few bytes (the checkpoint), not a block of purged records; the
// checkpoint still covers every record.
func TestFullFlushEmptiesWALOnDisk(t *testing.T) {
	dir := t.TempDir()
	h := start(t, natstest.RunServerInDir(t, dir), newMemStore(), testConfig())
	for i := range 2000 {
		if err := push(t, h.ing, "t", fmt.Sprintf(`{app="a%d"}`, i%10), entry(int64(i+1), fmt.Sprintf("line %d %x", i, i*7919*7919))); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.ing.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	seq, meta, err := h.ing.wal.Load().LoadCheckpoint(context.Background())
	if err != nil || seq != h.ing.applied+1 || len(meta) != 0 {
		t.Fatalf("checkpoint %d (applied %d), %d bytes of marks, %v", seq, h.ing.applied, len(meta), err)
	}
	var blocks int64
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && filepath.Ext(p) == ".blk" {
			blocks += fi.Size()
		}
		return nil
	})
	if blocks > 16<<10 {
		t.Fatalf("%d bytes of WAL blocks after a full flush", blocks)
	}
}
