package chunk

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/skaldlogs/skald/pkg/loggen"
)

// needleBlock is a shaped block of many line kinds: every column kind, raw lines, and values
// that touch each other or the template.
type needleBlock struct {
	lines []string
	lens  []int
	ts    []int64
	size  int
	src   []byte
	all   []byte // the lines back to back
}

func newNeedleBlock(t testing.TB, codec Codec) *needleBlock {
	t.Helper()
	lines := slices.Clone(shapeSeedLines)
	g, err := loggen.NewGenerator(7, 4, loggen.FormatMixed)
	if err != nil {
		t.Fatal(err)
	}
	const base = 1_764_000_000_016_000_000
	for range 400 {
		lines = append(lines, g.Next(base+int64(len(lines))*1_000_123).Line)
	}
	for _, e := range flogEntries(9, 200, false) {
		lines = append(lines, e.Line)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		// Split decimals (user123), leading decimals (45ms), dotted numbers, hex, values
		// with no literal between them, and the entry's own timestamp.
		lines = append(lines,
			"user"+itoa(r.IntN(1000))+" took "+itoa(r.IntN(500))+"ms from 10."+itoa(r.IntN(256))+".0."+itoa(i%256),
			`{"id":"`+hexOf(r.Uint64())+`","n":`+itoa(r.IntN(99999))+`,"s":"q`+itoa(i)+`w"}`,
			"level=info at="+"2026-11-24T17:08:16.016Z"+" x="+itoa(i)+itoa(i+1))
	}
	b := &needleBlock{lines: lines}
	for i, l := range lines {
		b.ts = append(b.ts, base+int64(i)*1_000_123)
		b.lens = append(b.lens, len(l))
		b.size += len(l)
	}
	e := shapeEncoders.Get().(*shapeEncoder)
	defer shapeEncoders.Put(e)
	e.reset()
	for i, l := range lines {
		e.add([]byte(l), b.ts[i], &gramSet{})
		b.all = append(b.all, l...)
	}
	src, err := e.encode(codec, b.all)
	if err != nil {
		t.Fatal(err)
	}
	if e.shaped < len(lines)/2 {
		t.Fatalf("%d of %d lines shaped", e.shaped, len(lines))
	}
	b.src = slices.Clone(src)
	return b
}

func itoa(n int) string { return string(appendDecimal(nil, uint64(n))) }

func hexOf(x uint64) string {
	var b [8]byte
	for i := range b {
		b[i] = byte(x >> (8 * i))
	}
	return string(appendHex(nil, b[:]))
}

// check compares a needle decode with filtering the full decode.
func (b *needleBlock) check(t *testing.T, codec Codec, needles ...string) int {
	t.Helper()
	got, keep, err := decodeLines(codec, b.src, b.size, b.lens, b.ts, needles)
	if err != nil {
		t.Fatalf("needles %q: %v", needles, err)
	}
	want, wantKeep := filterLines(slices.Clone(b.all), b.lens, needles)
	if string(got) != string(want) || !slices.Equal(keep, wantKeep) {
		t.Fatalf("needles %q: kept lines %v, want %v", needles, keep, wantKeep)
	}
	return len(keep)
}

// TestNeedleDecodeMatchesFilter: a needle decode keeps exactly the lines that hold every needle,
// for needles cut from the lines anywhere (inside values, across values and the template,
// whole lines), hex, digits, punctuation and absent words.
func TestNeedleDecodeMatchesFilter(t *testing.T) {
	for _, codec := range []Codec{CodecNone, CodecZstd} {
		b := newNeedleBlock(t, codec)
		r := rand.New(rand.NewPCG(3, 4))
		found := 0
		fixed := []string{"needle", "a", "0", "7", ".", "Z", "T1", ":", `":"`, `","`, "ms", "user1", "10.", ".0.",
			"info", "level=info", "GET", "200", "12ms", "4bf92f35", "bf92f3", "b34da6a3ce929d0e0e4736}",
			"2026-11-24T17", "16.016Z", "16Z", "\x01", "q1w", "1w", "3ms f", "user", "rms", "x=12", "e4736\",\"msg"}
		for _, n := range fixed {
			found += b.check(t, codec, n)
		}
		for range 3000 {
			l := b.lines[r.IntN(len(b.lines))]
			if l == "" {
				continue
			}
			i := r.IntN(len(l))
			j := i + 1 + r.IntN(min(len(l)-i, 24))
			n := l[i:j]
			switch r.IntN(4) {
			case 0:
				found += b.check(t, codec, n)
			case 1: // a second needle from another line: few lines hold both
				o := b.lines[r.IntN(len(b.lines))]
				k := r.IntN(len(o))
				b.check(t, codec, n, o[k:min(len(o), k+1+r.IntN(8))])
			case 2: // one byte changed: usually absent
				m := []byte(n)
				m[r.IntN(len(m))] = "0123456789abcdefxyz\":,= "[r.IntN(24)]
				b.check(t, codec, string(m))
			case 3:
				found += b.check(t, codec, l)
			}
		}
		if found == 0 {
			t.Fatal("no needle found a line: the test checks nothing")
		}
	}
}

// TestNeedleSkipsBlockWithoutRebuild: an absent needle made of letters no number, time or hex
// value can render rebuilds nothing; a present one rebuilds only its candidate lines.
func TestNeedleCandidates(t *testing.T) {
	b := newNeedleBlock(t, CodecZstd)
	d := &shapeDecoder{}
	if _, _, err := d.decode(CodecZstd, b.src[1:], b.size, b.lens, b.ts, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		needle string
		most   int // candidate lines at most
	}{
		{"needle68e7cb2f", 0},
		{"zzqx", 0},
		{"q17w", 1}, // one value of the "s" column
	} {
		d.rawOff = 0
		if err := d.parseCols(len(d.frames) - 2); err != nil {
			t.Fatal(err)
		}
		cand, _ := d.candidates([]string{tc.needle})
		n := 0
		for _, c := range cand {
			n += c.count()
		}
		if n > tc.most {
			t.Errorf("%q: %d candidate lines, want at most %d", tc.needle, n, tc.most)
		}
		b.check(t, CodecZstd, tc.needle)
	}
}

func TestOverlaps(t *testing.T) {
	for _, tc := range []struct {
		lit, needle string
		want        bool
	}{
		{`","msg":"`, "needle68e7cb2f", false},
		{`","msg":"`, `msg`, true},
		{`","msg":"`, `x","m`, true},  // needle ends inside the literal
		{`","msg":"`, `":"abc`, true}, // needle starts inside it
		{`","msg":"`, `a","msg":"b`, true},
		{`ab`, "ba", true},
		{`ab`, "cd", false},
		{``, "x", false},
	} {
		if got := overlaps([]byte(tc.lit), tc.needle); got != tc.want {
			t.Errorf("overlaps(%q, %q) = %v", tc.lit, tc.needle, got)
		}
	}
}

func TestNumberJoin(t *testing.T) {
	for _, tc := range []struct {
		v, needle  string
		lead, want bool
	}{
		{"user", "r12", false, true},
		{"user", "12", false, true},
		{"user", "ru", false, false},
		{"user", "r1x", false, false},
		{"ms", "5m", true, true},
		{"ms", "5s", true, false},
		{"ms", "s5", true, false},
	} {
		if got := numberJoin([]byte(tc.v), tc.needle, tc.lead); got != tc.want {
			t.Errorf("numberJoin(%q, %q, %v) = %v", tc.v, tc.needle, tc.lead, got)
		}
	}
}

// FuzzNeedleDecode: whatever the needles, a needle decode keeps what filtering the full decode
// keeps.
func FuzzNeedleDecode(f *testing.F) {
	b := newNeedleBlock(f, CodecNone)
	for _, n := range []string{"needle", "4bf92f35", `":"`, "user1", "5ms", "10.1", "2026-11-25T17:08:16.016Z"} {
		f.Add(n, "")
	}
	f.Fuzz(func(t *testing.T, n1, n2 string) {
		needles := []string{n1}
		if n2 != "" {
			needles = append(needles, n2)
		}
		if strings.Contains(n1, "\n") {
			return // lines hold no newline; still fine, but keeps the corpus readable
		}
		b.check(t, CodecNone, needles...)
	})
}

// BenchmarkNeedleBlock: a needle search over one 256 KiB loggen block, against rebuilding every
// line and filtering (what the search did before it read the columns).
func BenchmarkNeedleBlock(b *testing.B) {
	g, err := loggen.NewGenerator(11, 1, loggen.FormatJSON)
	if err != nil {
		b.Fatal(err)
	}
	var all []byte
	var lens []int
	var ts []int64
	var lines []string
	e := shapeEncoders.Get().(*shapeEncoder)
	e.reset()
	for t := int64(1_764_000_000_016_000_000); len(all) < DefaultBlockSize; t += 1_000_123 {
		l := g.Next(t).Line
		e.add([]byte(l), t, &gramSet{})
		all, lens, ts, lines = append(all, l...), append(lens, len(l)), append(ts, t), append(lines, l)
	}
	src, err := e.encode(CodecZstd, all)
	if err != nil {
		b.Fatal(err)
	}
	src = slices.Clone(src)
	mid := lines[len(lines)/2]
	trace := mid[strings.Index(mid, `"trace_id":"`)+12:][:16]
	for _, needle := range []string{"needle68e7cb2f", "4bf92f3577b34da6", trace, "GET", "info", "200"} {
		b.Run(needle+"/columns", func(b *testing.B) {
			b.SetBytes(int64(len(all)))
			for b.Loop() {
				if _, _, err := decodeLines(CodecZstd, src, len(all), lens, ts, []string{needle}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(needle+"/rebuild", func(b *testing.B) {
			b.SetBytes(int64(len(all)))
			for b.Loop() {
				out, _, err := decodeLines(CodecZstd, src, len(all), lens, ts, nil)
				if err != nil {
					b.Fatal(err)
				}
				filterLines(out, lens, []string{needle})
			}
		})
	}
}
