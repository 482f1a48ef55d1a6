package ingester

import (
	"fmt"
	"slices"
	"testing"
)

func TestMergeSources(t *testing.T) {
	type item struct {
		ts  int64
		tag string
	}
	src := func(items ...item) source[item] {
		k := 0
		return source[item]{
			next: func() (item, int64, bool) {
				if k >= len(items) {
					return item{}, 0, false
				}
				k++
				return items[k-1], items[k-1].ts, true
			},
			err: func() error { return nil },
		}
	}
	rev := func(items []item) []item { out := slices.Clone(items); slices.Reverse(out); return out }
	f := func(name string, pieces [][]item, want string) {
		t.Helper()
		for _, backward := range []bool{false, true} {
			var srcs []source[item]
			for _, p := range pieces {
				if backward {
					p = rev(p)
				}
				srcs = append(srcs, src(p...))
			}
			var got []string
			if err := mergeSources(srcs, backward, func(it *item) bool { got = append(got, fmt.Sprint(it.ts, it.tag)); return true }); err != nil {
				t.Fatal(err)
			}
			if backward {
				slices.Reverse(got)
			}
			if s := fmt.Sprint(got); s != want {
				t.Errorf("%s backward=%v: got %s, want %s", name, backward, s, want)
			}
		}
	}
	f("empty", nil, "[]")
	f("one", [][]item{{{1, "a"}, {2, "b"}}}, "[1a 2b]")
	f("interleaved", [][]item{{{1, "a"}, {3, "c"}}, {{2, "b"}, {4, "d"}}}, "[1a 2b 3c 4d]")
	// Ties: the earlier piece first, within a piece arrival order (a stable sort).
	f("ties", [][]item{{{1, "a"}, {2, "b1"}, {2, "b2"}}, {{2, "c1"}, {2, "c2"}}, {}, {{1, "d"}}}, "[1a 1d 2b1 2b2 2c1 2c2]")
}
