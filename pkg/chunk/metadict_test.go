package chunk

import (
	"fmt"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// Metadata comes back per entry whatever the number of distinct sets (past the linear lookup
// into the map), through every iterator, and through a needle search that keeps some entries.
func TestMetaDictRoundTrip(t *testing.T) {
	for _, distinct := range []int{1, 3, metaDictMaxLinear + 5, 300} {
		b := NewBuilder(Options{BlockSize: 16 << 10})
		var want []labels.Labels
		for i := range 2000 {
			var sm labels.Labels
			if i%5 != 0 {
				sm = labels.FromStrings("detected_level", fmt.Sprint("l", i%distinct), "pod", "p")
			}
			want = append(want, sm)
			if err := b.Append(int64(i), fmt.Sprintf("line %d needle%d", i, i%10), sm); err != nil {
				t.Fatal(err)
			}
		}
		c := finishDecode(t, b)
		it := c.Iterator(0, 2000, iter.Forward, nil)
		info := c.InfoIterator(0, 2000)
		for i := 0; it.Next(); i++ {
			if !info.Next() {
				t.Fatal("info iterator ended early")
			}
			if got := it.At().StructuredMetadata; !labels.Equal(got, want[i]) || !labels.Equal(info.At().StructuredMetadata, want[i]) {
				t.Fatalf("distinct %d, entry %d: %v / %v, want %v", distinct, i, got, info.At().StructuredMetadata, want[i])
			}
		}
		if it.Err() != nil || info.Err() != nil {
			t.Fatal(it.Err(), info.Err())
		}
		n := 0
		for it := c.Iterator(0, 2000, iter.Forward, []string{"needle7"}); it.Next(); n++ {
			e := it.At()
			var i int
			fmt.Sscanf(e.Line, "line %d", &i)
			if i%10 != 7 || !labels.Equal(e.StructuredMetadata, want[i]) {
				t.Fatalf("needle entry %q: metadata %v, want %v", e.Line, e.StructuredMetadata, want[i])
			}
		}
		if n != 200 {
			t.Fatalf("needle kept %d entries, want 200", n)
		}
	}
}

func FuzzDecodeMetaDict(f *testing.F) {
	var meta []byte
	for _, sm := range []labels.Labels{labels.FromStrings("a", "b"), nil, labels.FromStrings("a", "b")} {
		meta = appendMetaEncoding(meta, sm)
	}
	col, _, err := encodeMetaDict(nil, meta, 3, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(col, 3)
	f.Add([]byte{0}, 0)
	f.Add([]byte{1, 0, 0, 0}, 2)
	f.Fuzz(func(t *testing.T, col []byte, entries int) {
		if entries < 0 || entries > 1<<16 {
			return
		}
		dict, ids, err := decodeMetaDict(col, entries, nil, nil)
		if err != nil {
			return
		}
		if len(ids) != entries {
			t.Fatalf("%d ids for %d entries", len(ids), entries)
		}
		for _, id := range ids {
			parseMeta(dict[id]) // validated: must not panic
		}
	})
}

// appendMetaEncoding appends one entry's per-entry metadata encoding, as the builder writes it.
func appendMetaEncoding(b []byte, sm labels.Labels) []byte {
	b = append(b, byte(len(sm)))
	for _, l := range sm {
		b = append(b, byte(len(l.Name)))
		b = append(b, l.Name...)
		b = append(b, byte(len(l.Value)))
		b = append(b, l.Value...)
	}
	return b
}
