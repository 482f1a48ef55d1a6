package chunk

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Codec is the compression applied to each column of each block on its own.
type Codec uint8

const (
	// CodecDefault in Options means DefaultCodec; it is never stored in a chunk.
	CodecDefault Codec = iota
	CodecNone
	CodecSnappy
	CodecLZ4
	CodecZstd
	CodecGzip
	numCodecs
)

// DefaultCodec is zstd at its fastest level: in chunk_bench_test.go on flog-like data it stores
// about 1.6× fewer bytes than snappy or lz4 while encoding at a comparable rate and decoding fast
// enough that a scan is bound by the pipeline, not decompression (docs/format/chunk.md).
const DefaultCodec = CodecZstd

var codecNames = [...]string{"default", "none", "snappy", "lz4", "zstd", "gzip"}

func (c Codec) String() string {
	if c < numCodecs {
		return codecNames[c]
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// ParseCodec maps a codec name (as String prints it) to its Codec.
func ParseCodec(s string) (Codec, error) {
	for i, n := range codecNames {
		if n == s && i > 0 {
			return Codec(i), nil
		}
	}
	return 0, fmt.Errorf("parse codec %q: unknown (want none, snappy, lz4, zstd or gzip)", s)
}

// The zstd encoder and decoder are expensive to build (tables, goroutines) and safe for
// concurrent EncodeAll/DecodeAll, so one of each is built lazily and shared. They carry no state
// between calls, so sharing them changes no result.
var (
	zstdOnce sync.Once
	zstdEnc  *zstd.Encoder
	zstdDec  *zstd.Decoder
)

func zstdCodecs() (*zstd.Encoder, *zstd.Decoder) {
	zstdOnce.Do(func() {
		var err error
		// EncodeAll takes an encoder from a pool of GOMAXPROCS (the default concurrency), so
		// concurrent flushes do not queue behind each other.
		zstdEnc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithWindowSize(1<<20))
		if err != nil {
			panic("BUG: zstd writer: " + err.Error())
		}
		zstdDec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxColumnSize))
		if err != nil {
			panic("BUG: zstd reader: " + err.Error())
		}
	})
	return zstdEnc, zstdDec
}

// compress appends the compressed form of src to dst.
func compress(c Codec, dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, nil
	}
	switch c {
	case CodecNone:
		return append(dst, src...), nil
	case CodecSnappy:
		n := snappy.MaxEncodedLen(len(src))
		dst = grow(dst, n)
		out := snappy.Encode(dst[len(dst):len(dst)+n], src)
		return dst[:len(dst)+len(out)], nil
	case CodecLZ4:
		n := lz4.CompressBlockBound(len(src))
		dst = grow(dst, n)
		var comp lz4.Compressor
		w, err := comp.CompressBlock(src, dst[len(dst):len(dst)+n])
		if err != nil {
			return nil, fmt.Errorf("lz4 compress: %w", err)
		}
		if w == 0 { // incompressible: lz4 block format signals it with 0; store raw behind a marker
			dst = append(dst, 0)
			return append(dst, src...), nil
		}
		// A leading 1 marks a compressed body, so the decoder never has to guess.
		body := append([]byte(nil), dst[len(dst):len(dst)+w]...)
		dst = append(dst, 1)
		return append(dst, body...), nil
	case CodecZstd:
		enc, _ := zstdCodecs()
		return enc.EncodeAll(src, dst), nil
	case CodecGzip:
		var buf bytes.Buffer
		w, err := gzip.NewWriterLevel(&buf, flate.BestSpeed)
		if err != nil {
			return nil, fmt.Errorf("gzip compress: %w", err)
		}
		if _, err := w.Write(src); err != nil {
			return nil, fmt.Errorf("gzip compress: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("gzip compress: %w", err)
		}
		return append(dst, buf.Bytes()...), nil
	}
	return nil, fmt.Errorf("compress: unknown codec %d", c)
}

// decompress returns the decompressed form of src, which must be exactly size bytes long.
// Output never aliases src.
func decompress(c Codec, src []byte, size int) ([]byte, error) {
	return decompressTo(c, nil, src, size)
}

// decompressTo is decompress into buf when it is large enough (scratch that is reused).
func decompressTo(c Codec, buf, src []byte, size int) ([]byte, error) {
	if size == 0 {
		if len(src) != 0 {
			return nil, fmt.Errorf("decompress %s: %d bytes for an empty column", c, len(src))
		}
		return buf[:0], nil
	}
	// 64 bytes of slack let zstd's decoder use its wide copies up to the last block (with an
	// exact-size buffer it falls back to bounds-exact copies for the final block).
	var out []byte
	if cap(buf) >= size+64 {
		out = buf[:size]
	} else {
		out = make([]byte, size, size+64)
	}
	var n int
	switch c {
	case CodecNone:
		n = copy(out, src)
		if len(src) != size {
			return nil, fmt.Errorf("decompress none: %d bytes, want %d", len(src), size)
		}
	case CodecSnappy:
		dl, err := snappy.DecodedLen(src)
		if err != nil {
			return nil, fmt.Errorf("decompress snappy: %w", err)
		}
		if dl != size {
			return nil, fmt.Errorf("decompress snappy: length %d, want %d", dl, size)
		}
		res, err := snappy.Decode(out, src)
		if err != nil {
			return nil, fmt.Errorf("decompress snappy: %w", err)
		}
		n = len(res)
	case CodecLZ4:
		if len(src) == 0 {
			return nil, fmt.Errorf("decompress lz4: empty input")
		}
		if src[0] == 0 {
			if len(src)-1 != size {
				return nil, fmt.Errorf("decompress lz4: raw body %d bytes, want %d", len(src)-1, size)
			}
			n = copy(out, src[1:])
			break
		}
		if src[0] != 1 {
			return nil, fmt.Errorf("decompress lz4: bad marker %d", src[0])
		}
		w, err := lz4.UncompressBlock(src[1:], out)
		if err != nil {
			return nil, fmt.Errorf("decompress lz4: %w", err)
		}
		n = w
	case CodecZstd:
		_, dec := zstdCodecs()
		res, err := dec.DecodeAll(src, out[:0])
		if err != nil {
			return nil, fmt.Errorf("decompress zstd: %w", err)
		}
		if len(res) != size || (size > 0 && &res[0] != &out[0]) {
			return nil, fmt.Errorf("decompress zstd: %d bytes, want %d", len(res), size)
		}
		n = len(res)
	case CodecGzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, fmt.Errorf("decompress gzip: %w", err)
		}
		n, err = io.ReadFull(r, out)
		if err != nil {
			return nil, fmt.Errorf("decompress gzip: %w", err)
		}
		// The stream must end exactly here, or the recorded size lies.
		var one [1]byte
		if m, _ := r.Read(one[:]); m != 0 {
			return nil, fmt.Errorf("decompress gzip: more than %d bytes", size)
		}
	default:
		return nil, fmt.Errorf("decompress: unknown codec %d", c)
	}
	if n != size {
		return nil, fmt.Errorf("decompress %s: %d bytes, want %d", c, n, size)
	}
	return out, nil
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}
