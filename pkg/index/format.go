package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The file layout is described in docs/format/index.md; keep the two in step.
const (
	magic         = "SKIX"
	formatVersion = 1
	headerLen     = 8  // magic, version, 3 reserved bytes
	footerLen     = 16 // TOC offset (8), TOC CRC32C (4), magic (4)
)

// Section IDs. Readers ignore sections they do not know, so later versions may add some.
const (
	secSymbols  = 1
	secSeries   = 2
	secChunks   = 3
	secPostings = 4
)

func sectionName(id uint64) string {
	switch id {
	case secSymbols:
		return "symbols"
	case secSeries:
		return "series"
	case secChunks:
		return "chunks"
	case secPostings:
		return "postings"
	case 0:
		return "file"
	}
	return fmt.Sprintf("section-%d", id)
}

// castagnoli is read-only after initialisation.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// ErrCorrupt is wrapped by every CorruptionError, for errors.Is.
var ErrCorrupt = errors.New("corrupt index")

// CorruptionError reports a damaged or malformed index segment: where it is and why. The segment
// cannot be used; the repair is to rebuild it from its chunks (or drop it if a merged copy exists).
type CorruptionError struct {
	Section string // "file", "symbols", "series", "chunks" or "postings"
	Offset  int64  // byte offset within the file where the problem was found, -1 if unknown
	Err     error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("corrupt index: section %s at offset %d: %v", e.Section, e.Offset, e.Err)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true and exposes the cause.
func (e *CorruptionError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// errShort is the cause when a field runs past the end of its section.
var errShort = errors.New("unexpected end of section")

// decbuf decodes fields from one section, remembering the first error so that callers check
// once after a group of reads. base is the section's offset in the file, for error reports.
type decbuf struct {
	b    []byte
	pos  int
	base int64
	sec  uint64
	err  error
}

func (d *decbuf) fail(err error) {
	if d.err == nil {
		d.err = &CorruptionError{Section: sectionName(d.sec), Offset: d.base + int64(d.pos), Err: err}
	}
}

func (d *decbuf) failf(format string, args ...any) { d.fail(fmt.Errorf(format, args...)) }

func (d *decbuf) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.pos += n
	return v
}

func (d *decbuf) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.pos:])
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.pos += n
	return v
}

// count reads a uvarint that counts items of at least minSize bytes each, rejecting counts the
// rest of the section cannot hold so that a damaged count never causes a huge allocation.
func (d *decbuf) count(minSize int) int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.b)-d.pos)/uint64(minSize) {
		d.failf("count %d exceeds the section", v)
		return 0
	}
	return int(v)
}

func (d *decbuf) be32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.pos < 4 {
		d.fail(errShort)
		return 0
	}
	v := binary.BigEndian.Uint32(d.b[d.pos:])
	d.pos += 4
	return v
}

func (d *decbuf) be64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.pos < 8 {
		d.fail(errShort)
		return 0
	}
	v := binary.BigEndian.Uint64(d.b[d.pos:])
	d.pos += 8
	return v
}

func (d *decbuf) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.pos) {
		d.fail(errShort)
		return nil
	}
	b := d.b[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b
}
