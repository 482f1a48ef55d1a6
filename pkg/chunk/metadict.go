package chunk

import (
	"encoding/binary"
	"errors"
)

// Version 3 stores a block's structured metadata as a dictionary: the distinct per-entry
// encodings once, then one id per entry. Every pushed entry carries some metadata
// (detected_level) and a stream has few distinct sets, so the column a count decompresses and
// walks per entry shrinks from ~25 bytes to one.
//
//	uvarint n │ n × (uvarint len │ one entry's encoding) │ entries × uvarint id (< n)
//
// An entry's encoding is the version 1/2 one: uvarint npairs │ npairs × (uvarint len │ name │
// uvarint len │ value).

// metaDictMaxLinear is how many distinct sets encodeMetaDict looks up by scanning.
const metaDictMaxLinear = 16

// encodeMetaDict appends the dictionary form of a block's per-entry encodings (back to back in
// meta, entries of them) to dst.
func encodeMetaDict(dst, meta []byte, entries int, offs []int) ([]byte, []int, error) {
	offs, ok := metaOffsets(meta, entries, offs)
	if !ok {
		return dst, offs, errors.New("encode metadata: bad per-entry encoding")
	}
	entry := func(i int) []byte {
		end := len(meta)
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		return meta[offs[i]:end]
	}
	var dict [][]byte
	var index map[string]uint64
	ids := make([]uint64, entries)
	for i := range entries {
		e := entry(i)
		id, found := uint64(0), false
		if index != nil {
			id, found = index[string(e)]
		} else {
			for j, d := range dict {
				if string(d) == string(e) {
					id, found = uint64(j), true
					break
				}
			}
		}
		if !found {
			id = uint64(len(dict))
			dict = append(dict, e)
			if index != nil {
				index[string(e)] = id
			} else if len(dict) > metaDictMaxLinear {
				index = make(map[string]uint64, 2*len(dict))
				for j, d := range dict {
					index[string(d)] = uint64(j)
				}
			}
		}
		ids[i] = id
	}
	dst = binary.AppendUvarint(dst, uint64(len(dict)))
	for _, d := range dict {
		dst = binary.AppendUvarint(dst, uint64(len(d)))
		dst = append(dst, d...)
	}
	for _, id := range ids {
		dst = binary.AppendUvarint(dst, id)
	}
	return dst, offs, nil
}

// decodeMetaDict parses a version 3 metadata column of entries entries into dict (each entry a
// validated single encoding) and ids.
func decodeMetaDict(col []byte, entries int, dict [][]byte, ids []uint32) ([][]byte, []uint32, error) {
	d := decbuf{b: col}
	n := d.size(entries)
	dict = dict[:0]
	var one [1]int
	for range n {
		e := d.bytes(d.size(len(col)))
		if d.err != nil {
			return dict, ids, d.err
		}
		if _, ok := metaOffsets(e, 1, one[:0]); !ok {
			return dict, ids, errors.New("bad metadata set in dictionary")
		}
		dict = append(dict, e)
	}
	ids = ids[:0]
	for range entries {
		var id uint64
		if len(d.b) > 0 && d.b[0] < 0x80 { // one byte: all but the largest dictionaries
			id, d.b = uint64(d.b[0]), d.b[1:]
		} else if id = d.uvarint(); d.err != nil {
			return dict, ids, d.err
		}
		if id >= uint64(len(dict)) {
			return dict, ids, errors.New("metadata id out of range")
		}
		ids = append(ids, uint32(id))
	}
	if d.err == nil && len(d.b) != 0 {
		return dict, ids, errors.New("trailing bytes after metadata ids")
	}
	return dict, ids, d.err
}
