package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Writer collects the series and chunk refs of one segment and encodes them with Finish. It is
// not safe for concurrent use. A Writer can be reused after Finish only through Reset.
type Writer struct {
	series map[uint64][]*wseries // by fingerprint; a slice because hashes can collide
	n      int
}

type wseries struct {
	lbls   labels.Labels
	fp     uint64
	chunks []ChunkRef
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{series: make(map[uint64][]*wseries)}
}

// Reset empties the Writer for reuse.
func (w *Writer) Reset() { clear(w.series); w.n = 0 }

// Len returns the number of distinct series added.
func (w *Writer) Len() int { return w.n }

// Add records that the series lbls has the chunk ref. Labels with an empty value are dropped (an
// empty value means "absent", as in Loki and Prometheus). lbls is not modified and not retained
// if it needs normalising; otherwise it is retained and must not be modified afterwards. Invalid
// input (duplicate label names, a ref with Through < From or no key) is reported by Finish.
func (w *Writer) Add(lbls labels.Labels, ref ChunkRef) {
	lbls = normalise(lbls)
	fp := lbls.Hash()
	for _, s := range w.series[fp] {
		if labels.Equal(s.lbls, lbls) {
			s.chunks = append(s.chunks, ref)
			return
		}
	}
	w.series[fp] = append(w.series[fp], &wseries{lbls: lbls, fp: fp, chunks: []ChunkRef{ref}})
	w.n++
}

func normalise(lbls labels.Labels) labels.Labels {
	ok := sort.IsSorted(lbls)
	for _, l := range lbls {
		if l.Value == "" {
			ok = false
		}
	}
	if ok {
		return lbls
	}
	out := make(labels.Labels, 0, len(lbls))
	for _, l := range lbls {
		if l.Value != "" {
			out = append(out, l)
		}
	}
	sort.Stable(out)
	return out
}

func validate(s *wseries) error {
	for i, l := range s.lbls {
		if l.Name == "" {
			return errors.New("empty label name")
		}
		if i > 0 && s.lbls[i-1].Name == l.Name {
			return fmt.Errorf("duplicate label name %q", l.Name)
		}
	}
	minT, maxT := int64(maxTime), int64(minTime)
	for _, c := range s.chunks {
		minT, maxT = min(minT, c.From), max(maxT, c.Through)
		switch {
		case c.Through-c.From < 0 || maxT-minT < 0: // the second also catches overflow
			return fmt.Errorf("chunk %s: time span [%d, %d] too long or reversed", c.Key, c.From, c.Through)
		case c.Through < c.From:
			return fmt.Errorf("chunk %s: through before from", c.Key)
		case c.Key == "":
			return errors.New("chunk with an empty key")
		case c.Size < 0 || c.UncompressedSize < 0 || c.Entries < 0:
			return fmt.Errorf("chunk %s: negative size or entries", c.Key)
		}
	}
	return nil
}

// Finish encodes the segment. It fails only on invalid input given to Add.
func (w *Writer) Finish() ([]byte, error) {
	all := make([]*wseries, 0, w.n)
	for _, ss := range w.series {
		all = append(all, ss...)
	}
	slices.SortFunc(all, func(a, b *wseries) int { return labels.Compare(a.lbls, b.lbls) })

	symset := make(map[string]struct{})
	for _, s := range all {
		if err := validate(s); err != nil {
			return nil, fmt.Errorf("finish index: series %s: %w", s.lbls, err)
		}
		slices.SortFunc(s.chunks, compareChunkRefs)
		s.chunks = slices.CompactFunc(s.chunks, func(a, b ChunkRef) bool { return a == b })
		for _, l := range s.lbls {
			symset[l.Name] = struct{}{}
			symset[l.Value] = struct{}{}
		}
	}
	syms := make([]string, 0, len(symset))
	for s := range symset {
		syms = append(syms, s)
	}
	slices.Sort(syms)
	ref := make(map[string]uint64, len(syms))
	for i, s := range syms {
		ref[s] = uint64(i)
	}

	var symbols, series, chunks, postings []byte
	symbols = binary.AppendUvarint(symbols, uint64(len(syms)))
	for _, s := range syms {
		symbols = binary.AppendUvarint(symbols, uint64(len(s)))
		symbols = append(symbols, s...)
	}

	// postings[name][value] = series IDs, ascending because series are visited in ID order.
	post := make(map[string]map[string][]uint32)
	series = binary.AppendUvarint(series, uint64(len(all)))
	for id, s := range all {
		series = binary.BigEndian.AppendUint64(series, s.fp)
		series = binary.AppendUvarint(series, uint64(len(s.lbls)))
		for _, l := range s.lbls {
			series = binary.AppendUvarint(series, ref[l.Name])
			series = binary.AppendUvarint(series, ref[l.Value])
			vals := post[l.Name]
			if vals == nil {
				vals = make(map[string][]uint32)
				post[l.Name] = vals
			}
			vals[l.Value] = append(vals[l.Value], uint32(id))
		}
		minT, maxT := s.chunks[0].From, s.chunks[0].Through
		for _, c := range s.chunks {
			maxT = max(maxT, c.Through)
		}
		series = binary.AppendVarint(series, minT)
		series = binary.AppendUvarint(series, uint64(maxT-minT))
		series = binary.AppendUvarint(series, uint64(len(chunks)))
		series = binary.AppendUvarint(series, uint64(len(s.chunks)))
		prev := minT
		for _, c := range s.chunks {
			chunks = binary.AppendVarint(chunks, c.From-prev)
			prev = c.From
			chunks = binary.AppendUvarint(chunks, uint64(c.Through-c.From))
			chunks = binary.AppendUvarint(chunks, uint64(c.Size))
			chunks = binary.AppendUvarint(chunks, uint64(c.UncompressedSize))
			chunks = binary.AppendUvarint(chunks, uint64(c.Entries))
			chunks = binary.BigEndian.AppendUint32(chunks, c.Checksum)
			chunks = binary.AppendUvarint(chunks, uint64(len(c.Key)))
			chunks = append(chunks, c.Key...)
		}
	}

	names := make([]string, 0, len(post))
	for n := range post {
		names = append(names, n)
	}
	slices.Sort(names)
	postings = binary.AppendUvarint(postings, uint64(len(names)))
	var list []byte
	for _, n := range names {
		vals := post[n]
		vs := make([]string, 0, len(vals))
		for v := range vals {
			vs = append(vs, v)
		}
		slices.SortFunc(vs, strings.Compare)
		postings = binary.AppendUvarint(postings, ref[n])
		postings = binary.AppendUvarint(postings, uint64(len(vs)))
		for _, v := range vs {
			ids := vals[v]
			list = list[:0]
			prev := uint32(0)
			for i, id := range ids {
				if i == 0 {
					list = binary.AppendUvarint(list, uint64(id))
				} else {
					list = binary.AppendUvarint(list, uint64(id-prev))
				}
				prev = id
			}
			postings = binary.AppendUvarint(postings, ref[v])
			postings = binary.AppendUvarint(postings, uint64(len(ids)))
			postings = binary.AppendUvarint(postings, uint64(len(list)))
			postings = append(postings, list...)
		}
	}
	return assemble([]section{{secSymbols, symbols}, {secSeries, series}, {secChunks, chunks}, {secPostings, postings}}), nil
}

type section struct {
	id   uint64
	data []byte
}

func assemble(secs []section) []byte {
	size := headerLen + footerLen + 64
	for _, s := range secs {
		size += len(s.data)
	}
	out := make([]byte, 0, size)
	out = append(out, magic...)
	out = append(out, formatVersion, 0, 0, 0)
	var toc []byte
	toc = binary.AppendUvarint(toc, uint64(len(secs)))
	for _, s := range secs {
		toc = binary.AppendUvarint(toc, s.id)
		toc = binary.AppendUvarint(toc, uint64(len(out)))
		toc = binary.AppendUvarint(toc, uint64(len(s.data)))
		toc = binary.BigEndian.AppendUint32(toc, crc(s.data))
		out = append(out, s.data...)
	}
	tocOff := len(out)
	out = append(out, toc...)
	out = binary.BigEndian.AppendUint64(out, uint64(tocOff))
	out = binary.BigEndian.AppendUint32(out, crc(toc))
	return append(out, magic...)
}
