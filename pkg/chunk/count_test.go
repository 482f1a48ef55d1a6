package chunk

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// CountBuckets must agree with counting InfoIterator's entries one by one.
func TestCountBucketsMatchesEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	b := NewBuilder(Options{BlockSize: 512})
	ts := int64(1000)
	for i := range 3000 {
		ts += r.Int64N(40) // repeats and bucket boundaries hit
		var sm labels.Labels
		if k := r.IntN(4); k > 0 {
			sm = labels.FromStrings("detected_level", fmt.Sprint([]string{"", "info", "warn", "error"}[k]))
		}
		if err := b.Append(ts, fmt.Sprintf("line %d %s", i, string(make([]byte, r.IntN(30)))), sm); err != nil {
			t.Fatal(err)
		}
	}
	c := finishDecode(t, b)
	for _, q := range []struct{ from, through, width, anchor int64 }{
		{0, 1 << 40, 1000, 0}, {5000, 30000, 700, 13}, {2000, 2001, 10, 0}, {0, 1 << 40, 1, 0}, {40000, 10000, 100, 0},
	} {
		type key struct {
			end int64
			sm  string
		}
		want := map[key][2]int64{}
		it := c.InfoIterator(q.from, q.through)
		for it.Next() {
			li := it.At()
			k := key{bucketEnd(li.Timestamp, q.width, q.anchor), li.StructuredMetadata.String()}
			w := want[k]
			want[k] = [2]int64{w[0] + 1, w[1] + int64(li.LineLen)}
		}
		got := map[key][2]int64{}
		last := int64(-1 << 62)
		_, err := c.CountBuckets(q.from, q.through, q.width, q.anchor, func(bc BucketCount) {
			if bc.End < last {
				t.Fatalf("%+v: bucket %d after %d", q, bc.End, last)
			}
			last = bc.End
			k := key{bc.End, bc.StructuredMetadata.String()}
			if _, dup := got[k]; dup {
				t.Fatalf("%+v: bucket %v emitted twice", q, k)
			}
			got[k] = [2]int64{bc.Entries, bc.LineBytes}
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%+v:\n got %v\nwant %v", q, got, want)
		}
	}
}

func TestMetaOffsets(t *testing.T) {
	enc := func(pairs ...string) []byte {
		b := []byte{byte(len(pairs) / 2)}
		for _, s := range pairs {
			b = append(b, byte(len(s)))
			b = append(b, s...)
		}
		return b
	}
	e1, e2 := enc("a", "b"), enc()
	e3 := append([]byte{1, 14}, "detected_level"...)
	e3 = append(append(e3, 0xc8, 0x01), make([]byte, 200)...) // a value with a two-byte length
	col := append(append(append([]byte(nil), e1...), e2...), e3...)
	off, ok := metaOffsets(col, 3, nil)
	if !ok || len(off) != 3 || off[0] != 0 || off[1] != len(e1) || off[2] != len(e1)+len(e2) {
		t.Fatalf("offsets %v ok %v", off, ok)
	}
	for _, bad := range []struct {
		name    string
		col     []byte
		entries int
	}{
		{"trailing bytes", append(append([]byte(nil), col...), 0), 3},
		{"too few entries' bytes", col[:len(col)-1], 3},
		{"count past the end", []byte{5, 1, 'a'}, 1},
		{"length past the end", []byte{1, 9, 'a'}, 1},
		{"truncated varint", []byte{1, 0x80}, 1},
		{"more entries than bytes", nil, 1},
	} {
		if _, ok := metaOffsets(bad.col, bad.entries, nil); ok {
			t.Errorf("%s: accepted", bad.name)
		}
	}
}
