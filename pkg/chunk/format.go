package chunk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Layout (docs/format/chunk.md has the full description):
//
//	header    magic "SKCH" | version u8 | codec u8 | 2 reserved zero bytes
//	blocks    per block, its compressed columns back to back: timestamps+lengths, lines,
//	          metadata, and (version 2 on) line hashes; version 3 splits the lines by shape
//	directory uvarint block count, then per block its summary (blockMeta) and token filter
//	trailer   directory offset u64 | CRC32C of header+directory u32 | magic "SKCH"
const (
	magic = "SKCH"
	// formatVersion is what a Builder writes: version 3 with block filters whose hashes are
	// salted per block (filter.go, filterSalt), so that a gram's false positives in one block
	// say nothing of the next.
	formatVersion = 4
	// formatVersionShaped split the lines by shape (shape.go), put timestamps in a per-block
	// unit and made line hashes optional per block. Still read (unsalted filters).
	formatVersionShaped = 3
	// formatVersionHashes added the line hash column to version 1. Still read.
	formatVersionHashes = 2
	// formatVersionNoHashes is the first version: no line hash column. Still read.
	formatVersionNoHashes = 1
	headerSize            = 8
	trailerSize           = 16

	numColumns = 4
	colTimes   = 0 // delta-encoded timestamps then line lengths, uvarints
	colLines   = 1 // line bytes back to back
	colMeta    = 2 // structured metadata per entry; empty when no entry has any
	// colHashes holds each line's xxhash64 (u64 little-endian), version 2 on: the hash a
	// sample carries for deduplication, so a count or byte sum needs no line bytes. In
	// version 3 it is empty unless Options.LineHashes; readers then hash the lines.
	colHashes = 3

	// maxColumnSize bounds a decompressed column, so a damaged or hostile directory cannot make
	// a reader allocate without limit.
	maxColumnSize = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// dirChecksum covers the header too, so that every byte of a chunk is under some checksum: the
// header and directory here, each column by its own CRC, the trailer by pointing at both.
func dirChecksum(header, dir []byte) uint32 {
	return crc32.Update(crc(header), castagnoli, dir)
}

// ErrOutOfOrder is returned by Append for an entry older than the previous one.
var ErrOutOfOrder = errors.New("entry out of order")

// CorruptionError reports a chunk whose bytes do not match their checksums or structure.
// Block is the index of the damaged block, or -1 when the damage is outside any block.
type CorruptionError struct {
	Block  int
	Offset int // byte offset in the chunk where the damage was found, -1 if unknown
	Reason string
	Err    error
}

func (e *CorruptionError) Error() string {
	s := "corrupt chunk"
	if e.Block >= 0 {
		s += fmt.Sprintf(" block %d", e.Block)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at offset %d", e.Offset)
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CorruptionError) Unwrap() error { return e.Err }

func corrupt(block, off int, reason string, err error) error {
	return &CorruptionError{Block: block, Offset: off, Reason: reason, Err: err}
}

// Meta summarises a finished chunk: what an index chunk ref records.
type Meta struct {
	MinT, MaxT       int64 // Unix ns of the first and last entry, inclusive
	Entries          int64
	UncompressedSize int64 // line bytes plus structured metadata bytes as appended
	CompressedSize   int64 // len of the encoded chunk
	Checksum         uint32
}

// blockMeta is a block's directory entry.
type blockMeta struct {
	offset     int // of the first column, from the chunk start
	minT, maxT int64
	entries    int
	rawSize    int // line bytes + metadata bytes, as the builder counted them
	compLen    [numColumns]int
	rawLen     [numColumns]int
	colCRC     [numColumns]uint32
	filter     []byte // aliases the chunk bytes
	salt       uint64 // of the filter's hashes (version 4 on; 0 before)
}

func (m *blockMeta) end() int {
	end := m.offset
	for _, l := range m.compLen {
		end += l
	}
	return end
}

func (m *blockMeta) colOffset(c int) int {
	off := m.offset
	for i := 0; i < c; i++ {
		off += m.compLen[i]
	}
	return off
}

// columnsOf is the number of columns a block has in a chunk of version v (from version 3 the
// hash column may be empty).
func columnsOf(v byte) int {
	if v == formatVersionNoHashes {
		return 3
	}
	return numColumns
}

func appendBlockMeta(b []byte, m *blockMeta, version byte) []byte {
	b = binary.AppendUvarint(b, uint64(m.offset))
	b = binary.AppendVarint(b, m.minT)
	b = binary.AppendUvarint(b, uint64(m.maxT-m.minT))
	b = binary.AppendUvarint(b, uint64(m.entries))
	b = binary.AppendUvarint(b, uint64(m.rawSize))
	for c := 0; c < columnsOf(version); c++ {
		b = binary.AppendUvarint(b, uint64(m.compLen[c]))
		b = binary.AppendUvarint(b, uint64(m.rawLen[c]))
		b = binary.LittleEndian.AppendUint32(b, m.colCRC[c])
	}
	b = binary.AppendUvarint(b, uint64(len(m.filter)))
	return append(b, m.filter...)
}

// decbuf reads the directory; the first error sticks and later reads return zero values.
type decbuf struct {
	b   []byte
	err error
}

func (d *decbuf) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("bad uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decbuf) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errors.New("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// size reads a uvarint that must fit in [0, limit].
func (d *decbuf) size(limit int) int {
	v := d.uvarint()
	if d.err == nil && v > uint64(limit) {
		d.err = fmt.Errorf("size %d over limit %d", v, limit)
		return 0
	}
	return int(v)
}

func (d *decbuf) u32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.err = errors.New("short read")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decbuf) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errors.New("short read")
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}
