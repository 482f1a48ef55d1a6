package chunk

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/skaldlogs/skald/pkg/labels"
)

// DefaultBlockSize is the target uncompressed size of a block: large enough that compression
// sees repetition, small enough that a query touching one entry decompresses little.
const DefaultBlockSize = 256 << 10

// Options configure a Builder. Zero values take the defaults.
type Options struct {
	Codec             Codec `yaml:"encoding"`
	BlockSize         int   `yaml:"block_size"`  // target uncompressed bytes per block (line + metadata bytes)
	FilterBitsPerGram int   `yaml:"filter_bits"` // Bloom filter bits per distinct 4-gram of a block
	// LineHashes stores each line's xxhash64 (8 incompressible bytes per entry, about a fifth
	// of a shaped chunk) so that counts read no line bytes; without it InfoIterator rebuilds
	// and hashes the lines of the blocks it reads.
	LineHashes bool `yaml:"line_hashes"`
}

// DefaultOptions returns the options a zero Options means.
func DefaultOptions() Options {
	return Options{Codec: DefaultCodec, BlockSize: DefaultBlockSize, FilterBitsPerGram: DefaultFilterBitsPerGram}
}

func (o Options) withDefaults() Options {
	if o.Codec == CodecDefault {
		o.Codec = DefaultCodec
	}
	if o.BlockSize <= 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.FilterBitsPerGram <= 0 {
		o.FilterBitsPerGram = DefaultFilterBitsPerGram
	}
	return o
}

// Builder accumulates one stream's entries, in non-decreasing timestamp order, into a chunk.
// Full blocks are compressed as they are cut, so a builder holds at most one block uncompressed.
// Not safe for concurrent use.
type Builder struct {
	opts    Options
	version byte // formatVersion; formatVersionNoHashes only in tests of the old format
	probes  byte // per gram in the block filters (filterProbes)
	err     error

	// Finished blocks stay as separate slices (header first) and are joined once by Finish:
	// growing one buffer by doubling copied every block about twice.
	parts  [][]byte
	outLen int
	blocks []blockMeta

	// the open block
	ts       []int64
	col0     []byte
	vals     []uint64
	lines    []byte
	lineLens []int
	meta     []byte
	metaDict []byte // version 3: the block's metadata as a dictionary (metadict.go)
	metaOffs []int  // scratch for encodeMetaDict
	hashes   []byte
	hasMeta  bool
	n        int
	minT     int64
	lastT    int64
	raw      int

	entries int64
	rawSize int64
	first   int64
}

// NewBuilder returns an empty builder.
func NewBuilder(opts Options) *Builder {
	return newBuilderVersion(opts, formatVersion)
}

func newBuilderVersion(opts Options, version byte) *Builder {
	opts = opts.withDefaults()
	b := &Builder{opts: opts, version: version}
	if opts.Codec >= numCodecs {
		b.err = fmt.Errorf("new builder: unknown codec %d", opts.Codec)
	}
	b.probes = 2
	if version >= formatVersion && opts.FilterBitsPerGram <= 2 {
		b.probes = 1
	}
	probes := byte(0) // reserved before version 4
	if version >= formatVersion {
		probes = b.probes
	}
	hdr := append([]byte(magic), version, byte(opts.Codec), probes, 0)
	b.parts = append(b.parts, hdr)
	b.outLen = len(hdr)
	return b
}

// Append adds an entry. ts must not be below the previous entry's (ErrOutOfOrder).
// sm is copied (stored); it may be nil.
func (b *Builder) Append(ts int64, line string, sm labels.Labels) error {
	if b.err != nil {
		return b.err
	}
	if b.entries > 0 && ts < b.lastT {
		return fmt.Errorf("append entry at %d after %d: %w", ts, b.lastT, ErrOutOfOrder)
	}
	if b.n == 0 {
		b.minT = ts
		b.lastT = ts
	}
	if b.entries == 0 {
		b.first = ts
		b.takeBuffers()
	}
	b.ts = append(b.ts, ts)
	b.lastT = ts
	b.lineLens = append(b.lineLens, len(line))
	b.lines = append(b.lines, line...)
	size := len(line)
	b.meta = binary.AppendUvarint(b.meta, uint64(len(sm)))
	for _, l := range sm {
		b.meta = binary.AppendUvarint(b.meta, uint64(len(l.Name)))
		b.meta = append(b.meta, l.Name...)
		b.meta = binary.AppendUvarint(b.meta, uint64(len(l.Value)))
		b.meta = append(b.meta, l.Value...)
		size += len(l.Name) + len(l.Value)
	}
	if len(sm) > 0 {
		b.hasMeta = true
	}
	b.n++
	b.raw += size
	b.entries++
	b.rawSize += int64(size)
	if b.raw >= b.opts.BlockSize {
		if err := b.cut(); err != nil {
			b.err = err
			return err
		}
	}
	return nil
}

// Entries is the number of entries appended.
func (b *Builder) Entries() int64 { return b.entries }

// Size is the uncompressed bytes appended so far (lines plus structured metadata).
func (b *Builder) Size() int64 { return b.rawSize }

// CompressedSize estimates the encoded size: finished blocks as compressed plus the open block
// uncompressed.
func (b *Builder) CompressedSize() int64 {
	return int64(b.outLen + len(b.lines) + len(b.meta) + 12*b.n)
}

// Bounds returns the first and last timestamps appended (zeros when empty).
func (b *Builder) Bounds() (minT, maxT int64) {
	if b.entries == 0 {
		return 0, 0
	}
	return b.first, b.lastT
}

func (b *Builder) cut() error {
	if b.n == 0 {
		return nil
	}
	m := blockMeta{offset: b.outLen, minT: b.minT, maxT: b.lastT, entries: b.n, rawSize: b.raw}
	var meta []byte
	if b.hasMeta {
		meta = b.meta
		if b.version >= formatVersionShaped {
			var err error
			if b.metaDict, b.metaOffs, err = encodeMetaDict(b.metaDict[:0], b.meta, b.n, b.metaOffs); err != nil {
				return fmt.Errorf("cut block: %w", err)
			}
			meta = b.metaDict
		}
	}
	// The filter and the line hashes are computed here, not in Append, so an open builder holds
	// no gram bitmap (an ingester may keep one builder per stream) and hashing runs over a
	// block's lines in one tight loop.
	grams := gramSets.Get().(*gramSet)
	var shapes *shapeEncoder
	if b.version >= formatVersionShaped {
		shapes = shapeEncoders.Get().(*shapeEncoder)
		defer shapeEncoders.Put(shapes)
		shapes.reset()
	}
	hashes := b.version == formatVersionHashes || b.version >= formatVersionShaped && b.opts.LineHashes
	off := 0
	for i, l := range b.lineLens {
		line := b.lines[off : off+l]
		if shapes != nil {
			shapes.add(line, b.ts[i], grams)
		} else {
			grams.addLine(bstr(line))
		}
		if hashes {
			b.hashes = binary.LittleEndian.AppendUint64(b.hashes, xxhash.Sum64(line))
		}
		off += l
	}
	if b.version >= formatVersion {
		m.salt = filterSalt(len(b.blocks), m.minT)
	}
	m.filter = grams.buildFilter(b.opts.FilterBitsPerGram, m.salt, int(b.probes))
	grams.reset()
	gramSets.Put(grams)
	cols := [numColumns][]byte{b.timesColumn(), b.lines, meta, b.hashes}
	for c, col := range cols[:columnsOf(b.version)] {
		if len(col) > maxColumnSize {
			return fmt.Errorf("cut block: column %d is %d bytes, over %d", c, len(col), maxColumnSize)
		}
		var out []byte
		var err error
		if c == colLines && shapes != nil {
			out, err = shapes.encode(b.opts.Codec, col)
		} else {
			out, err = compress(b.opts.Codec, nil, col)
		}
		if err != nil {
			return fmt.Errorf("cut block: %w", err)
		}
		if len(out) > 0 {
			b.parts = append(b.parts, out)
		}
		b.outLen += len(out)
		m.compLen[c] = len(out)
		m.rawLen[c] = len(col)
		m.colCRC[c] = crc(out)
	}
	b.blocks = append(b.blocks, m)
	b.ts, b.lines, b.meta, b.hashes = b.ts[:0], b.lines[:0], b.meta[:0], b.hashes[:0]
	b.lineLens = b.lineLens[:0]
	b.hasMeta, b.n, b.raw = false, 0, 0
	return nil
}

// openBuffers are an open block's buffers. A builder takes a set on its first entry and gives
// it back in Finish: growing them afresh to a block's size for every chunk (each by doubling,
// each step zeroed and copied) cost about a sixth of encoding on the bench data.
type openBuffers struct {
	ts       []int64
	lines    []byte
	lineLens []int
	meta     []byte
	hashes   []byte
	col0     []byte
	vals     []uint64
}

var openBufferPool = sync.Pool{New: func() any { return &openBuffers{} }}

func (b *Builder) takeBuffers() {
	o := openBufferPool.Get().(*openBuffers)
	b.ts, b.lines, b.lineLens, b.meta, b.hashes, b.col0, b.vals = o.ts[:0], o.lines[:0], o.lineLens[:0], o.meta[:0], o.hashes[:0], o.col0[:0], o.vals[:0]
	*o = openBuffers{}
	openBuffers0.Put(o)
}

func (b *Builder) releaseBuffers() {
	o := openBuffers0.Get().(*openBuffers)
	*o = openBuffers{b.ts[:0], b.lines[:0], b.lineLens[:0], b.meta[:0], b.hashes[:0], b.col0[:0], b.vals[:0]}
	b.ts, b.lines, b.lineLens, b.meta, b.hashes, b.col0, b.vals = nil, nil, nil, nil, nil, nil, nil
	openBufferPool.Put(o)
}

// openBuffers0 recycles the empty holders themselves.
var openBuffers0 = sync.Pool{New: func() any { return &openBuffers{} }}

// timesColumn encodes column 0 of the open block: timestamp deltas, then line lengths. From
// version 3 the deltas are divided by their greatest common divisor (written first), so stamps
// of millisecond precision shrink by 10⁶, and both halves are fixed-width byte planes
// (planes.go), which compress better than interleaved varints.
func (b *Builder) timesColumn() []byte {
	col := b.col0[:0]
	if b.version >= formatVersionShaped {
		var g uint64
		for i := 1; i < len(b.ts) && g != 1; i++ {
			g = gcd(g, uint64(b.ts[i]-b.ts[i-1]))
		}
		if g == 0 {
			g = 1
		}
		col = binary.AppendUvarint(col, g)
		vals := b.vals[:0]
		prev := b.minT
		for _, t := range b.ts {
			vals = append(vals, uint64(t-prev)/g)
			prev = t
		}
		col = appendPlanes(col, vals)
		vals = vals[:0]
		for _, l := range b.lineLens {
			vals = append(vals, uint64(l))
		}
		col = appendPlanes(col, vals)
		b.vals = vals
		b.col0 = col
		return col
	}
	prev := b.minT
	for _, t := range b.ts {
		col = binary.AppendUvarint(col, uint64(t-prev))
		prev = t
	}
	for _, l := range b.lineLens {
		col = binary.AppendUvarint(col, uint64(l))
	}
	b.col0 = col
	return col
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Finish cuts the last block and returns the encoded chunk and its Meta. The builder must not
// be used afterwards.
func (b *Builder) Finish() ([]byte, Meta, error) {
	if b.err != nil {
		return nil, Meta{}, b.err
	}
	if err := b.cut(); err != nil {
		return nil, Meta{}, err
	}
	dirOff := b.outLen
	var dir []byte
	dir = binary.AppendUvarint(dir, uint64(len(b.blocks)))
	for i := range b.blocks {
		dir = appendBlockMeta(dir, &b.blocks[i], b.version)
	}
	out := make([]byte, 0, dirOff+len(dir)+trailerSize)
	for _, p := range b.parts {
		out = append(out, p...)
	}
	out = append(out, dir...)
	out = binary.LittleEndian.AppendUint64(out, uint64(dirOff))
	out = binary.LittleEndian.AppendUint32(out, dirChecksum(out[:headerSize], dir))
	out = append(out, magic...)
	b.parts, b.blocks = nil, nil
	b.err = fmt.Errorf("builder already finished")
	b.releaseBuffers()
	meta := Meta{Entries: b.entries, UncompressedSize: b.rawSize, CompressedSize: int64(len(out)), Checksum: crc(out)}
	meta.MinT, meta.MaxT = b.first, b.lastT
	if b.entries == 0 {
		meta.MinT, meta.MaxT = 0, 0
	}
	return out, meta, nil
}
