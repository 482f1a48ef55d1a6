package index

import (
	"encoding/binary"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// fixChecksums rewrites the TOC and footer checksums of a (possibly mutated) segment so that the
// fuzzer gets past them and exercises the decoders behind them.
func fixChecksums(data []byte) {
	if len(data) < headerLen+footerLen {
		return
	}
	foot := data[len(data)-footerLen:]
	tocOff := binary.BigEndian.Uint64(foot)
	tocEnd := uint64(len(data) - footerLen)
	if tocOff < headerLen || tocOff > tocEnd {
		return
	}
	toc := data[tocOff:tocEnd]
	n, k := binary.Uvarint(toc)
	pos := k
	for ; n > 0 && k > 0; n-- {
		var off, ln uint64
		_, k = binary.Uvarint(toc[pos:])
		pos += max(k, 0)
		if k > 0 {
			off, k = binary.Uvarint(toc[pos:])
			pos += max(k, 0)
		}
		if k > 0 {
			ln, k = binary.Uvarint(toc[pos:])
			pos += max(k, 0)
		}
		if k <= 0 || len(toc)-pos < 4 {
			break
		}
		if off <= tocOff && ln <= tocOff-off {
			binary.BigEndian.PutUint32(toc[pos:], crc(data[off:off+ln]))
		}
		pos += 4
	}
	binary.BigEndian.PutUint32(foot[8:], crc(toc))
}

func FuzzOpen(f *testing.F) {
	for _, n := range []int{0, 1, 5, 30} {
		_, w := testData(n, uint64(n))
		data, err := w.Finish()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, true)
		f.Add(data, false)
	}
	f.Add([]byte("SKIX\x01\x00\x00\x00"), true)
	queries := [][]*labels.Matcher{
		nil,
		{labels.MustNewMatcher(labels.MatchEqual, "app", "app-1")},
		{labels.MustNewMatcher(labels.MatchRegexp, "pod", "pod-0.*"), labels.MustNewMatcher(labels.MatchNotEqual, "level", "info")},
	}
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		if fix {
			fixChecksums(data)
		}
		r, err := Open(data)
		if err != nil {
			if !isCorruption(err) {
				t.Fatalf("Open error is not a CorruptionError: %v", err)
			}
			return
		}
		for _, ms := range queries {
			_, _ = r.Series(ms, -1<<62, 1<<62)
			_, _ = r.LabelNames(100, 200, ms)
			_, _ = r.LabelValues("app", 100, 200, ms)
		}
	})
}
