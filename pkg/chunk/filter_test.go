package chunk

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
)

// Every substring of every stored line must pass the block filter: no false negatives.
func TestFilterNoFalseNegatives(t *testing.T) {
	entries := flogEntries(6, 3000, false)
	data, meta, err := build(entries, Options{BlockSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := Decode(data)
	r := rand.New(rand.NewPCG(6, 7))
	for range 5000 {
		e := entries[r.IntN(len(entries))]
		i := r.IntN(len(e.Line))
		j := i + r.IntN(len(e.Line)-i+1)
		needle := e.Line[i:j]
		if !ch.MayContain(e.Timestamp, e.Timestamp+1, []string{needle}) {
			t.Fatalf("needle %q of line %q filtered out", needle, e.Line)
		}
		got, err := drain(ch.Iterator(e.Timestamp, e.Timestamp+1, iter.Forward, []string{needle}))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range got {
			found = found || g.Line == e.Line
		}
		if !found {
			t.Fatalf("iterator with needle %q lost line %q", needle, e.Line)
		}
	}
	_ = meta
}

func TestFilterSkipsAbsentNeedles(t *testing.T) {
	entries := flogEntries(7, 5000, false)
	data, meta, err := build(entries, Options{BlockSize: 32 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := Decode(data)
	needles := []string{"needle-7f3a9c", "Zebra", "kubernetes", "xyzzy", "0xDEADBEEF"}
	for _, n := range needles {
		it := ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, []string{n})
		got, err := drain(it)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			if strings.Contains(g.Line, n) {
				t.Fatalf("test data holds %q", n)
			}
		}
		pre, err := ch.Prepare(meta.MinT, meta.MaxT+1, []string{n})
		if err != nil {
			t.Fatal(err)
		}
		// Needles of 5-7 bytes test only 2-4 grams: at 2 bits per gram they pass about a
		// third of the blocks; longer ones nearly none.
		long := len(n) >= 8
		if pst := pre.Iterator(iter.Forward).Stats(); pst.BlocksFilterSkip != it.Stats().BlocksFilterSkip || long && pre.Size() > meta.UncompressedSize/5 {
			t.Fatalf("%q prepared: skipped %d of %d blocks, iterator %d; holds %d bytes", n, pst.BlocksFilterSkip, it.Stats().Blocks, it.Stats().BlocksFilterSkip, pre.Size())
		}
		st := it.Stats()
		// A handful of false positives are allowed; most blocks must be skipped.
		if long && st.BlocksFilterSkip*10 < st.Blocks*9 || st.BlocksFilterSkip*10 < st.Blocks*6 {
			t.Fatalf("needle %q skipped %d of %d blocks", n, st.BlocksFilterSkip, st.Blocks)
		}
	}
	// A needle present in one line keeps that line's block.
	n := entries[2500].Line[10:30]
	it := ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, []string{n})
	got, _ := drain(it)
	found := false
	for _, g := range got {
		found = found || strings.Contains(g.Line, n)
	}
	if !found || it.Stats().BlocksFilterSkip == 0 {
		t.Fatalf("present needle: found %v, skipped %d", found, it.Stats().BlocksFilterSkip)
	}
}

func FuzzFilter(f *testing.F) {
	f.Add("hello world", 0, 5)
	f.Add(`{"status":500,"msg":"boom"}`, 3, 12)
	f.Add("ab", 0, 2)
	f.Add("\x00\xff\x00\xffabc", 1, 6)
	f.Fuzz(func(t *testing.T, line string, i, j int) {
		var g gramSet
		g.addLine(line)
		g.addLine("unrelated other line")
		filter := g.buildFilter(DefaultFilterBitsPerGram, 7, 1)
		if i < 0 || j < i || j > len(line) {
			return
		}
		if !filterMayContain(filter, line[i:j], 7, 1) {
			t.Fatalf("substring %q of %q filtered out", line[i:j], line)
		}
	})
}

// TestFilterSaltDecorrelatesBlocks: an absent gram must pass each block's filter independently
// (about 40% at 2 bits per gram). Unsalted filters (version 3) let some absent grams through
// nearly every block, because blocks share most grams and so set the same relative bits.
func TestFilterSaltDecorrelatesBlocks(t *testing.T) {
	entries := flogEntries(8, 12000, false)
	r := rand.New(rand.NewPCG(8, 9))
	var grams []string
	for len(grams) < 200 {
		g := string([]byte{byte('A' + r.IntN(26)), byte('#' + r.IntN(4)), byte('A' + r.IntN(26)), byte('~' - r.IntN(2))})
		grams = append(grams, g) // upper case and punctuation the flog lines never hold together
	}
	worst := map[byte]float64{}
	for _, version := range []byte{formatVersionShaped, formatVersion} {
		data, _, err := buildVersion(entries, Options{BlockSize: 8 << 10}, version)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range grams {
			pass := 0
			for b := range ch.blocks {
				if ch.mayContain(b, []string{g}) {
					pass++
				}
			}
			worst[version] = max(worst[version], float64(pass)/float64(len(ch.blocks)))
		}
		if version == formatVersion && len(ch.blocks) < 200 {
			t.Fatalf("%d blocks: too few to measure", len(ch.blocks))
		}
	}
	t.Logf("worst absent gram passes: unsalted %.2f, salted %.2f of the blocks", worst[formatVersionShaped], worst[formatVersion])
	if worst[formatVersion] > 0.55 {
		t.Fatalf("salted filters: an absent gram passes %.2f of the blocks", worst[formatVersion])
	}
}

// TestFilterProbes: version 4 writes its probes per gram in header byte 6 (one up to 2 bits
// per gram, two above) and readers use it; earlier versions keep the byte zero and two probes.
func TestFilterProbes(t *testing.T) {
	entries := flogEntries(14, 2000, false)
	for _, tc := range []struct {
		version byte
		bits    int
		probes  byte // header byte 6
	}{{formatVersion, 2, 1}, {formatVersion, 3, 2}, {formatVersionShaped, 2, 0}} {
		data, meta, err := buildVersion(entries, Options{BlockSize: 8 << 10, FilterBitsPerGram: tc.bits}, tc.version)
		if err != nil {
			t.Fatal(err)
		}
		if data[6] != tc.probes {
			t.Fatalf("v%d %d bits: header byte 6 = %d, want %d", tc.version, tc.bits, data[6], tc.probes)
		}
		ch, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		e := entries[len(entries)/2]
		if got, err := drain(ch.Iterator(meta.MinT, meta.MaxT+1, iter.Forward, []string{e.Line[10:30]})); err != nil || len(got) == 0 {
			t.Fatalf("v%d %d bits: present needle: %d entries, %v", tc.version, tc.bits, len(got), err)
		}
		bad := slices.Clone(data)
		bad[6] = 3
		if _, err := Decode(bad); err == nil {
			t.Fatalf("v%d: header byte 6 = 3 accepted", tc.version)
		}
	}
}

// TestMayContainMatchesBlockByBlock: MayContain (first gram across blocks, then the rest)
// answers as checking each overlapping block's filter in turn does, for present, absent,
// short and several needles, over every version's filters.
func TestMayContainMatchesBlockByBlock(t *testing.T) {
	entries := flogEntries(12, 6000, false)
	entries = append(entries, iter.Entry{Timestamp: entries[len(entries)-1].Timestamp + 1, Line: "ab"}) // a block with no grams
	r := rand.New(rand.NewPCG(12, 13))
	for _, vc := range versionCases {
		data, meta, err := buildVersion(entries, Options{BlockSize: 4 << 10, FilterBitsPerGram: 2 + r.IntN(2)}, vc.version)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		needle := func() string {
			l := entries[r.IntN(len(entries))].Line
			i := r.IntN(len(l))
			n := l[i : i+r.IntN(min(12, len(l)-i)+1)]
			if r.IntN(2) == 0 && n != "" {
				n = n[:len(n)-1] + "~" // usually absent
			}
			return n
		}
		for range 3000 {
			needles := []string{needle()}
			if r.IntN(3) == 0 {
				needles = append(needles, needle())
			}
			from := meta.MinT + r.Int64N(meta.MaxT-meta.MinT+1) - 100
			through := from + r.Int64N((meta.MaxT-meta.MinT)/8+1)
			want := false
			for _, b := range ch.overlapping(from, through) {
				want = want || ch.mayContain(b, needles)
			}
			if got := ch.MayContain(from, through, needles); got != want {
				t.Fatalf("v%d needles %q [%d, %d): MayContain %v, block by block %v", vc.version, needles, from, through, got, want)
			}
		}
	}
}
