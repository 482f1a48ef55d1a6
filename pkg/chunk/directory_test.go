package chunk

import (
	"errors"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
)

func TestDecodeDirectoryAndBlocks(t *testing.T) {
	entries := flogEntries(9, 3000, true)
	entries[1500].Line += " needle-q7z9x"
	data, meta, err := build(entries, Options{BlockSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(data))
	// Too short a tail says how much is needed; that much works.
	_, err = DecodeDirectory(data[:headerSize], data[len(data)-trailerSize:], size)
	var short *ShortTailError
	if !errors.As(err, &short) || short.Need <= trailerSize || short.Need > size {
		t.Fatalf("short tail: %v", err)
	}
	dc, err := DecodeDirectory(data[:headerSize], data[size-short.Need:], size)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := Decode(data)
	if m := dc.Meta(); m.Entries != meta.Entries || m.MinT != meta.MinT || m.MaxT != meta.MaxT || m.Checksum != 0 || dc.Blocks() != full.Blocks() {
		t.Fatalf("directory meta %+v blocks %d", m, dc.Blocks())
	}
	needles := []string{"needle-q7z9x"}
	need := dc.NeededBlocks(meta.MinT, meta.MaxT+1, needles)
	if len(need) == 0 || len(need) > 2 {
		t.Fatalf("needed blocks %+v of %d", need, dc.Blocks())
	}
	// Without its blocks the chunk cannot be read.
	if _, err := drain(dc.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, needles)); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Fatalf("read without blocks: %v", err)
	}
	blocks := map[int][]byte{}
	for _, br := range need {
		blocks[br.Index] = data[br.Offset : br.Offset+br.Len]
	}
	pc, err := dc.WithBlocks(blocks)
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(pc.Iterator(meta.MinT, meta.MaxT+1, iter.Backward, needles))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := drain(full.Iterator(meta.MinT, meta.MaxT+1, iter.Backward, needles))
	sameEntries(t, got, want)
	if _, err := pc.Prepare(meta.MinT, meta.MaxT+1, needles); err != nil {
		t.Fatal(err)
	}
	// A damaged block supplied this way is caught by its column checksum.
	for b, bd := range blocks {
		bad := append([]byte(nil), bd...)
		bad[len(bad)/2] ^= 1
		pc, _ := dc.WithBlocks(map[int][]byte{b: bad})
		_, err := drain(pc.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, needles))
		var ce *CorruptionError
		if !errors.As(err, &ce) {
			t.Fatalf("damaged block: %v", err)
		}
	}
	if _, err := dc.WithBlocks(map[int][]byte{0: data[:3]}); err == nil {
		t.Fatal("block of the wrong length accepted")
	}
	// The whole object as the tail works too.
	if _, err := DecodeDirectory(data[:headerSize], data, size); err != nil {
		t.Fatal(err)
	}
}
