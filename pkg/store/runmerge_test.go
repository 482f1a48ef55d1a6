package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

type kv struct {
	ts  int64
	key string
}

type sliceSource struct {
	s []kv
	i int
}

func (s *sliceSource) Next() bool { s.i++; return s.i <= len(s.s) }
func (s *sliceSource) At() kv     { return s.s[s.i-1] }
func (s *sliceSource) Err() error { return nil }

func TestRunMerge(t *testing.T) {
	f := func(backward bool, inputs [][]kv, want []kv, wantDups int64) {
		t.Helper()
		srcs := make([]runSource[kv], len(inputs))
		for i, in := range inputs {
			srcs[i] = &sliceSource{s: in}
		}
		m := newRunMerge(srcs, backward, func(e kv) int64 { return e.ts }, func(e kv) string { return e.key })
		var got []kv
		for m.Next() {
			got = append(got, m.At())
		}
		if !slices.Equal(got, want) || m.Duplicates() != wantDups || m.Err() != nil {
			t.Fatalf("got %v (dups %d, err %v), want %v (dups %d)", got, m.Duplicates(), m.Err(), want, wantDups)
		}
	}
	a, b, c := kv{1, "a"}, kv{1, "b"}, kv{2, "c"}
	// identical replicas, same-timestamp entries out of key order
	f(false, [][]kv{{b, a, c}, {b, a, c}}, []kv{b, a, c}, 3)
	// replicas giving one timestamp's entries in other orders
	f(false, [][]kv{{b, a, c}, {a, b}}, []kv{b, a, c}, 2)
	// a line logged twice at one instant stays twice; the replica's copies go
	f(false, [][]kv{{a, a, c}, {a, a, b}}, []kv{a, a, b, c}, 2)
	// the replica holding it more often decides
	f(false, [][]kv{{a}, {a, a}}, []kv{a, a}, 1)
	// disjoint parts of a run
	f(false, [][]kv{{a}, {c}}, []kv{a, c}, 0)
	f(true, [][]kv{{c, b}, {c, a}}, []kv{c, b, a}, 1)
	f(false, [][]kv{nil, {a}}, []kv{a}, 0)
	// a large group switches to map counting with the same result
	var big, bigWant []kv
	for i := range 100 {
		big = append(big, kv{5, fmt.Sprint(i % 40)})
	}
	bigWant = append(bigWant, big...)
	f(false, [][]kv{big, slices.Clone(big)}, bigWant, 100)
	extra := append(slices.Clone(big), kv{5, "x"}, kv{5, "0"})
	f(false, [][]kv{big, extra}, append(slices.Clone(bigWant), kv{5, "x"}, kv{5, "0"}), 100)
}

// refRunMerge is runMerge's contract written plainly: timestamp by timestamp, input by input,
// an entry is kept when its input holds its key more often than the output does so far.
func refRunMerge(inputs [][]kv, backward bool) []kv {
	var ts []int64
	for _, in := range inputs {
		for _, e := range in {
			ts = append(ts, e.ts)
		}
	}
	slices.Sort(ts)
	ts = slices.Compact(ts)
	if backward {
		slices.Reverse(ts)
	}
	var out []kv
	for _, t := range ts {
		outCount := map[string]int{}
		for _, in := range inputs {
			inCount := map[string]int{}
			for _, e := range in {
				if e.ts != t {
					continue
				}
				inCount[e.key]++
				if inCount[e.key] > outCount[e.key] {
					out = append(out, e)
					outCount[e.key]++
				}
			}
		}
	}
	return out
}

func TestRunMergeMatchesContract(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 2000 {
		backward := round%2 == 1
		inputs := make([][]kv, 1+r.IntN(3))
		for i := range inputs {
			start := r.Int64N(50)
			n := r.IntN(30)
			ts := start
			for range n {
				ts += r.Int64N(3) // repeats make same-timestamp groups
				inputs[i] = append(inputs[i], kv{ts, fmt.Sprint(r.IntN(4))})
			}
			if backward {
				slices.Reverse(inputs[i])
			}
		}
		srcs := make([]runSource[kv], len(inputs))
		for i, in := range inputs {
			srcs[i] = &sliceSource{s: in}
		}
		m := newRunMerge(srcs, backward, func(e kv) int64 { return e.ts }, func(e kv) string { return e.key })
		var got []kv
		for m.Next() {
			got = append(got, m.At())
		}
		if want := refRunMerge(inputs, backward); !slices.Equal(got, want) {
			t.Fatalf("round %d (backward %v) inputs %v:\n got %v\nwant %v", round, backward, inputs, got, want)
		}
	}
}
