package chunk

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"unsafe"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Chunk is a decoded, validated chunk. It keeps the encoded bytes and decompresses blocks on
// demand. Safe for concurrent use: every iterator decompresses into its own buffers.
type Chunk struct {
	data []byte // the whole object; nil for a chunk from DecodeDirectory
	// blockData holds the blocks supplied by WithBlocks (index → bytes from the block's
	// offset to its end) when data is nil.
	blockData map[int][]byte
	size      int
	version   byte
	probes    uint8 // per gram in the block filters
	codec     Codec
	blocks    []blockMeta
	meta      Meta
}

// Decode validates data (header, trailer, directory checksum, block layout and time order) and
// returns the chunk. Each column's CRC32C is checked when the column is first decompressed, so
// a damaged block surfaces as a *CorruptionError from the iterator that reads it. data is kept,
// not copied: the caller must not modify it.
func Decode(data []byte) (*Chunk, error) {
	if len(data) < headerSize+trailerSize {
		return nil, corrupt(-1, 0, fmt.Sprintf("%d bytes is too short", len(data)), nil)
	}
	c, err := decodeDirectory(data[:headerSize], data, len(data))
	if err != nil {
		return nil, err
	}
	c.data = data
	c.meta.Checksum = crc(data)
	return c, nil
}

// ShortTailError is returned by DecodeDirectory when the tail given does not reach back to the
// start of the directory: Need is the tail length that does.
type ShortTailError struct{ Need int64 }

func (e *ShortTailError) Error() string {
	return fmt.Sprintf("chunk tail too short: need the last %d bytes", e.Need)
}

// DecodeDirectory decodes a chunk from its header (the first 8 bytes) and a tail (the last
// len(tail) bytes of the size-byte object) that holds its directory, without its blocks: what a
// range read of a remote object fetches to check the token filters first. If tail is too
// short it returns a *ShortTailError. The result answers Meta (without Checksum), Blocks,
// MayContain and NeededBlocks; iterate it after WithBlocks supplies the blocks.
func DecodeDirectory(head, tail []byte, size int64) (*Chunk, error) {
	if len(head) != headerSize || size < headerSize+trailerSize || int64(len(tail)) < trailerSize || int64(len(tail)) > size {
		return nil, corrupt(-1, 0, "bad header or tail length", nil)
	}
	if size > 1<<40 {
		return nil, corrupt(-1, 0, "object too large", nil)
	}
	c, err := decodeDirectory(head, tail, int(size))
	if err != nil {
		return nil, err
	}
	c.blockData = map[int][]byte{}
	return c, nil
}

// decodeDirectory validates header, trailer and directory. tail is the object's last bytes.
func decodeDirectory(head, tail []byte, size int) (*Chunk, error) {
	base := size - len(tail) // absolute offset of tail[0]
	if string(head[:4]) != magic || string(tail[len(tail)-4:]) != magic {
		return nil, corrupt(-1, 0, "bad magic", nil)
	}
	if head[4] != formatVersion && head[4] != formatVersionShaped && head[4] != formatVersionHashes && head[4] != formatVersionNoHashes {
		return nil, corrupt(-1, 4, fmt.Sprintf("unsupported version %d", head[4]), nil)
	}
	codec := Codec(head[5])
	if codec == CodecDefault || codec >= numCodecs {
		return nil, corrupt(-1, 5, fmt.Sprintf("unknown codec %d", head[5]), nil)
	}
	probes := 2 // before version 4
	if head[4] >= formatVersion {
		probes = int(head[6])
	}
	if head[4] < formatVersion && head[6] != 0 || probes < 1 || probes > 2 || head[7] != 0 {
		return nil, corrupt(-1, 6, "reserved header bytes set", nil)
	}
	tr := tail[len(tail)-trailerSize:]
	dirOff64 := binary.LittleEndian.Uint64(tr)
	dirEnd := size - trailerSize
	if dirOff64 < headerSize || dirOff64 >= uint64(dirEnd) {
		return nil, corrupt(-1, dirEnd, fmt.Sprintf("directory offset %d out of range", dirOff64), nil)
	}
	dirOff := int(dirOff64)
	if dirOff < base {
		return nil, &ShortTailError{Need: int64(size - dirOff)}
	}
	dir := tail[dirOff-base : dirEnd-base]
	if dirChecksum(head, dir) != binary.LittleEndian.Uint32(tr[8:]) {
		return nil, corrupt(-1, dirOff, "directory checksum mismatch", nil)
	}
	c := &Chunk{codec: codec, size: size, version: head[4], probes: uint8(probes)}
	ncols := columnsOf(c.version)
	d := decbuf{b: dir}
	n := d.size(len(dir))
	c.blocks = make([]blockMeta, 0, n)
	next := headerSize
	for i := 0; i < n && d.err == nil; i++ {
		var m blockMeta
		m.offset = d.size(dirOff)
		m.minT = d.varint()
		span := d.uvarint()
		m.entries = d.size(maxColumnSize)
		m.rawSize = d.size(maxColumnSize * 2)
		for col := 0; col < ncols; col++ {
			m.compLen[col] = d.size(dirOff)
			m.rawLen[col] = d.size(maxColumnSize)
			m.colCRC[col] = d.u32()
		}
		m.filter = d.bytes(d.size(len(dir)))
		if d.err != nil {
			break
		}
		m.maxT = m.minT + int64(span)
		if c.version >= formatVersion {
			m.salt = filterSalt(i, m.minT)
		}
		switch {
		case span > 1<<62 || m.maxT < m.minT:
			return nil, corrupt(i, dirOff, "bad block time span", nil)
		case m.offset != next || m.end() > dirOff:
			return nil, corrupt(i, dirOff, fmt.Sprintf("block at %d, want %d", m.offset, next), nil)
		case m.entries == 0:
			return nil, corrupt(i, dirOff, "empty block", nil)
		case ncols > colHashes && m.rawLen[colHashes] != 8*m.entries && (c.version < formatVersionShaped || m.rawLen[colHashes] != 0):
			return nil, corrupt(i, dirOff, "line hash column size does not match the entries", nil)
		case len(m.filter)%8 != 0:
			return nil, corrupt(i, dirOff, "filter length not a multiple of 8", nil)
		case i > 0 && m.minT < c.blocks[i-1].maxT:
			return nil, corrupt(i, dirOff, "blocks out of time order", nil)
		}
		next = m.end()
		c.meta.Entries += int64(m.entries)
		c.meta.UncompressedSize += int64(m.rawSize)
		c.blocks = append(c.blocks, m)
	}
	if d.err != nil {
		return nil, corrupt(-1, dirOff, "bad directory", d.err)
	}
	if len(d.b) != 0 {
		return nil, corrupt(-1, dirOff, "trailing bytes after directory", nil)
	}
	if next != dirOff {
		return nil, corrupt(-1, next, "gap between blocks and directory", nil)
	}
	if len(c.blocks) > 0 {
		c.meta.MinT = c.blocks[0].minT
		c.meta.MaxT = c.blocks[len(c.blocks)-1].maxT
	}
	c.meta.CompressedSize = int64(size)
	return c, nil
}

// BlockRange is the byte range of one block in the chunk object.
type BlockRange struct {
	Index       int
	Offset, Len int64
}

// NeededBlocks returns the blocks an Iterator or Prepare over [from, through) with needles
// would read, in ascending order.
func (c *Chunk) NeededBlocks(from, through int64, needles []string) []BlockRange {
	var out []BlockRange
	for _, b := range c.overlapping(from, through) {
		if c.mayContain(b, needles) {
			m := &c.blocks[b]
			out = append(out, BlockRange{Index: b, Offset: int64(m.offset), Len: int64(m.end() - m.offset)})
		}
	}
	return out
}

// WithBlocks returns a copy of a chunk from DecodeDirectory that can read the given blocks
// (index → the object's bytes of that block range, as NeededBlocks lists them). Their content is
// verified by the column checksums when read; reading any other block is an error.
func (c *Chunk) WithBlocks(blocks map[int][]byte) (*Chunk, error) {
	if c.data != nil {
		return c, nil
	}
	cp := *c
	cp.blockData = make(map[int][]byte, len(c.blockData)+len(blocks))
	maps.Copy(cp.blockData, c.blockData)
	for b, bd := range blocks {
		if b < 0 || b >= len(c.blocks) {
			return nil, fmt.Errorf("with blocks: no block %d", b)
		}
		if m := &c.blocks[b]; len(bd) != m.end()-m.offset {
			return nil, fmt.Errorf("with blocks: block %d is %d bytes, want %d", b, len(bd), m.end()-m.offset)
		}
		cp.blockData[b] = bd
	}
	return &cp, nil
}

// Meta returns the chunk's summary, as the builder's Finish returned it (Checksum is zero for
// a chunk from DecodeDirectory).
func (c *Chunk) Meta() Meta { return c.meta }

// Codec is the compression the chunk's blocks use.
func (c *Chunk) Codec() Codec { return c.codec }

// Blocks is the number of blocks.
func (c *Chunk) Blocks() int { return len(c.blocks) }

// column decompresses column col of block b after checking its CRC.
func (c *Chunk) column(b, col int) ([]byte, error) {
	src, off, err := c.columnSrc(b, col)
	if err != nil {
		return nil, err
	}
	out, err := decompress(c.codec, src, c.blocks[b].rawLen[col])
	if err != nil {
		return nil, corrupt(b, off, fmt.Sprintf("column %d", col), err)
	}
	return out, nil
}

// columnSrc returns the stored bytes of column col of block b, and their offset in the chunk,
// after checking their CRC.
func (c *Chunk) columnSrc(b, col int) ([]byte, int, error) {
	m := &c.blocks[b]
	off := m.colOffset(col)
	var src []byte
	if c.data != nil {
		src = c.data[off : off+m.compLen[col]]
	} else {
		bd, ok := c.blockData[b]
		if !ok {
			return nil, off, fmt.Errorf("read block %d: not loaded (only the directory was read)", b)
		}
		src = bd[off-m.offset : off-m.offset+m.compLen[col]]
	}
	if crc(src) != m.colCRC[col] {
		return nil, off, corrupt(b, off, fmt.Sprintf("column %d checksum mismatch", col), nil)
	}
	return src, off, nil
}

// decodedBlock is a block's columns unpacked for iteration.
type decodedBlock struct {
	ts      []int64
	lens    []int
	offs    []int // start of each line in lines
	lines   []byte
	meta    []byte
	metaOff []int // start of each entry's metadata in meta; nil when the block has none
	// Version 3: the distinct encodings and each entry's index into them (metadict.go);
	// metaIDs is nil when the block has none (metaOff is then nil too).
	metaDict [][]byte
	metaIDs  []uint32
	// orig maps an entry to its index in the block when only some were kept (needles); the
	// metadata offsets cover all entries.
	orig []int32
}

// loadTimes decodes timestamps and line lengths of block b.
func (c *Chunk) loadTimes(b int, db *decodedBlock) error {
	m := &c.blocks[b]
	col, err := c.column(b, colTimes)
	if err != nil {
		return err
	}
	db.ts = db.ts[:0]
	db.lens = db.lens[:0]
	if c.version >= formatVersionShaped {
		return c.loadTimesV3(b, col, db)
	}
	d := decbuf{b: col}
	t := m.minT
	for i := 0; i < m.entries; i++ {
		delta := d.uvarint()
		t += int64(delta)
		if d.err != nil || delta > 1<<62 || t > m.maxT {
			return corrupt(b, m.offset, "bad timestamps", d.err)
		}
		db.ts = append(db.ts, t)
	}
	if t != m.maxT {
		return corrupt(b, m.offset, "last timestamp does not match the directory", nil)
	}
	total := 0
	for i := 0; i < m.entries; i++ {
		l := d.size(m.rawLen[colLines])
		total += l
		db.lens = append(db.lens, l)
	}
	if d.err != nil || len(d.b) != 0 || total != m.rawLen[colLines] {
		return corrupt(b, m.offset, "bad line lengths", d.err)
	}
	return nil
}

// loadTimesV3 decodes a version 3 column 0: unit, delta planes, length planes.
func (c *Chunk) loadTimesV3(b int, col []byte, db *decodedBlock) error {
	m := &c.blocks[b]
	d := decbuf{b: col}
	unit := d.uvarint()
	if d.err != nil || unit == 0 || unit > 1<<62 {
		return corrupt(b, m.offset, "bad timestamp unit", d.err)
	}
	n := m.entries
	w, p, rest, err := splitPlanes(d.b, n)
	if err != nil {
		return corrupt(b, m.offset, "bad timestamps", err)
	}
	t, limit := m.minT, uint64((1<<62)/unit)
	for i := 0; i < n; i++ {
		delta := planeValue(p, n, w, i)
		if delta > limit {
			return corrupt(b, m.offset, "bad timestamps", nil)
		}
		t += int64(delta * unit)
		if t > m.maxT || t < m.minT {
			return corrupt(b, m.offset, "bad timestamps", nil)
		}
		db.ts = append(db.ts, t)
	}
	if t != m.maxT {
		return corrupt(b, m.offset, "last timestamp does not match the directory", nil)
	}
	w, p, rest, err = splitPlanes(rest, n)
	if err != nil || len(rest) != 0 {
		return corrupt(b, m.offset, "bad line lengths", err)
	}
	total, max := 0, uint64(m.rawLen[colLines])
	for i := 0; i < n; i++ {
		l := planeValue(p, n, w, i)
		if l > max {
			return corrupt(b, m.offset, "bad line lengths", nil)
		}
		total += int(l)
		db.lens = append(db.lens, int(l))
	}
	if total != m.rawLen[colLines] {
		return corrupt(b, m.offset, "bad line lengths", nil)
	}
	return nil
}

// loadLines decodes the lines and structured metadata of block b; loadTimes must have run.
// With needles the block keeps only the entries whose line contains every needle (those the
// pipeline's line filters would let through): a block the token filter let through by a false
// positive then costs no line allocation and no pipeline work.
func (c *Chunk) loadLines(b int, db *decodedBlock, needles []string) error {
	var lines []byte
	var keep []int32
	var err error
	if c.version >= formatVersionShaped {
		var src []byte
		var off int
		if src, off, err = c.columnSrc(b, colLines); err != nil {
			return err
		}
		if lines, keep, err = decodeLines(c.codec, src, c.blocks[b].rawLen[colLines], db.lens, db.ts, needles); err != nil {
			return corrupt(b, off, "lines", err)
		}
	} else {
		if lines, err = c.column(b, colLines); err != nil {
			return err
		}
		if len(needles) > 0 {
			lines, keep = filterLines(lines, db.lens, needles)
		}
	}
	db.lines = lines
	db.orig = keep
	if keep != nil {
		for j, i := range keep {
			db.ts[j], db.lens[j] = db.ts[i], db.lens[i]
		}
		db.ts, db.lens = db.ts[:len(keep)], db.lens[:len(keep)]
	}
	db.offs = db.offs[:0]
	off := 0
	for _, l := range db.lens {
		db.offs = append(db.offs, off)
		off += l
	}
	return c.loadMeta(b, db)
}

// loadMeta decodes the structured metadata of block b and validates it.
func (c *Chunk) loadMeta(b int, db *decodedBlock) error {
	m := &c.blocks[b]
	db.metaOff = db.metaOff[:0]
	db.meta = nil
	db.metaIDs = nil
	if m.rawLen[colMeta] == 0 {
		db.metaOff = nil
		return nil
	}
	meta, err := c.column(b, colMeta)
	if err != nil {
		return err
	}
	if c.version >= formatVersionShaped {
		db.metaOff = nil
		dict, ids, err := decodeMetaDict(meta, m.entries, db.metaDict, make([]uint32, 0, m.entries))
		if err != nil {
			return corrupt(b, m.offset, "bad structured metadata", err)
		}
		db.metaDict, db.metaIDs = dict, ids
		return nil
	}
	// Validate the whole column once so that reading an entry's metadata cannot fail later.
	var ok bool
	if db.metaOff, ok = metaOffsets(meta, m.entries, db.metaOff); !ok {
		return corrupt(b, m.offset, "bad structured metadata", nil)
	}
	db.meta = meta
	return nil
}

// metaOffsets appends to off where each of the entries' metadata starts in meta, checking that
// the encodings (uvarint npairs, then npairs × (uvarint len, name, uvarint len, value)) fill
// meta exactly. Every entry of a pushed stream has some (detected_level), so this runs per
// entry of a count: lengths are almost always one byte, read without a call.
func metaOffsets(meta []byte, entries int, off []int) ([]int, bool) {
	off = slices.Grow(off[:0], entries)
	p := 0
	next := func() (uint64, bool) {
		if p < len(meta) && meta[p] < 0x80 {
			p++
			return uint64(meta[p-1]), true
		}
		v, k := binary.Uvarint(meta[min(p, len(meta)):])
		if k <= 0 {
			return 0, false
		}
		p += k
		return v, true
	}
	for range entries {
		off = append(off, p)
		n, ok := next()
		if !ok || n > uint64(len(meta)) {
			return off, false
		}
		for range 2 * n {
			l, ok := next()
			if !ok || l > uint64(len(meta)-p) {
				return off, false
			}
			p += int(l)
		}
	}
	return off, p == len(meta)
}

// metaRaw returns the encoded structured metadata of entry i (validated by loadLines); nil
// when the block has none.
func (db *decodedBlock) metaRaw(i int) []byte {
	if db.orig != nil {
		i = int(db.orig[i])
	}
	if db.metaIDs != nil {
		return db.metaDict[db.metaIDs[i]]
	}
	if db.metaOff == nil {
		return nil
	}
	end := len(db.meta)
	if i+1 < len(db.metaOff) {
		end = db.metaOff[i+1]
	}
	return db.meta[db.metaOff[i]:end]
}

// parseMeta decodes one entry's encoded structured metadata. The strings share raw's buffer,
// which is never written after decompression.
func parseMeta(raw []byte) labels.Labels {
	d := decbuf{b: raw}
	n := d.size(len(d.b))
	if n == 0 {
		return nil
	}
	out := make(labels.Labels, 0, n)
	for j := 0; j < n; j++ {
		name := d.bytes(d.size(len(d.b)))
		value := d.bytes(d.size(len(d.b)))
		out = append(out, labels.Label{Name: bstr(name), Value: bstr(value)})
	}
	return out
}

// line returns entry i's line as a string sharing the block buffer. The buffer is freshly
// allocated per decompression and never written afterwards, so the string stays valid and
// immutable for as long as it is referenced.
func (db *decodedBlock) line(i int) string {
	return bstr(db.lines[db.offs[i] : db.offs[i]+db.lens[i]])
}

func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
