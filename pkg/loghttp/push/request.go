package push

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/skaldlogs/skald/proto/logproto"
)

// Limits bounds request bodies. Zero means no limit.
type Limits struct {
	// MaxCompressedBytes bounds the body as sent (after Content-Length, before any decoding).
	MaxCompressedBytes int64
	// MaxDecompressedBytes bounds the body after Content-Encoding and snappy are undone.
	MaxDecompressedBytes int64
}

// Stats describes a decoded request, for metrics and logs.
type Stats struct {
	// BodyBytes is the size of the body as received.
	BodyBytes int64
	// DecodedBytes is the size of the JSON or protobuf message after decompression.
	DecodedBytes int64
	ContentType  string
	Encoding     string
}

// Decoder parses push requests. It pools the buffers that compressed bodies are read into. It is
// safe for concurrent use.
type Decoder struct {
	limits Limits
	bufs   sync.Pool // *bytes.Buffer for compressed bodies
	gz     sync.Pool // *gzip.Reader
}

// NewDecoder returns a Decoder enforcing limits.
func NewDecoder(limits Limits) *Decoder {
	return &Decoder{limits: limits}
}

// Legacy reports whether path is the deprecated push endpoint, whose JSON shape differs.
func Legacy(path string) bool { return strings.HasSuffix(path, "/api/prom/push") }

// ParseRequest reads and decodes the body of r. The error, if any, is an *Error whose status
// is what Loki answers (413 too large, 400 for everything else).
func (d *Decoder) ParseRequest(r *http.Request) (*logproto.PushRequest, Stats, error) {
	st := Stats{ContentType: mediaType(r.Header.Get("Content-Type")), Encoding: r.Header.Get("Content-Encoding")}
	// A JSON body is decoded in place, so it must not live in a pooled buffer; snappy
	// decoding copies anyway.
	plain, release, err := d.readBody(r, &st, st.ContentType == "application/json")
	defer release()
	if err != nil {
		return nil, st, err
	}
	req, err := d.Decode(plain, st.ContentType, Legacy(r.URL.Path), &st)
	return req, st, err
}

// ParseOTLPRequest reads and decodes an OTLP logs export (POST /otlp/v1/logs), protobuf or
// JSON encoded, with Content-Encoding gzip, deflate or zstd. Records without a timestamp get
// nowNanos.
func (d *Decoder) ParseOTLPRequest(r *http.Request, nowNanos int64) (*logproto.PushRequest, Stats, error) {
	st := Stats{ContentType: mediaType(r.Header.Get("Content-Type")), Encoding: r.Header.Get("Content-Encoding")}
	if st.ContentType != "application/x-protobuf" && st.ContentType != "application/json" {
		return nil, st, &Error{Status: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf("content type: %s is not supported", st.ContentType)}
	}
	plain, release, err := d.readBody(r, &st, true)
	defer release()
	if err != nil {
		return nil, st, err
	}
	st.DecodedBytes = int64(len(plain))
	if lim := d.limits.MaxDecompressedBytes; lim > 0 && st.DecodedBytes > lim {
		return nil, st, tooLarge(st.DecodedBytes, lim)
	}
	var req *logproto.PushRequest
	if st.ContentType == "application/json" {
		req, err = DecodeOTLPJSON(plain, nowNanos)
	} else {
		req, err = DecodeOTLP(plain, nowNanos)
	}
	return req, st, err
}

// readBody reads r's body within the size limits and undoes its Content-Encoding. With owned
// set the result never aliases a pooled buffer; otherwise it may, until release is called.
func (d *Decoder) readBody(r *http.Request, st *Stats, owned bool) (plain []byte, release func(), err error) {
	release = func() {}
	if lim := d.limits.MaxCompressedBytes; lim > 0 && r.ContentLength > lim {
		return nil, release, tooLarge(r.ContentLength, lim)
	}
	compressed := d.getBuf()
	release = func() { d.putBuf(compressed) }
	n, err := readLimited(compressed, r.Body, d.limits.MaxCompressedBytes)
	st.BodyBytes = n
	if err != nil {
		return nil, release, err
	}
	body := compressed.Bytes()
	switch strings.ToLower(strings.TrimSpace(st.Encoding)) {
	case "", "snappy", "identity":
		// snappy is accepted and ignored: the protobuf path is snappy anyway and some agents
		// set the header (Loki does the same).
		if owned {
			return bytes.Clone(body), release, nil
		}
		return body, release, nil
	case "gzip", "x-gzip":
		plain, err = d.gunzip(body)
	case "deflate":
		plain, err = d.inflate(body)
	case "zstd":
		zr, zerr := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
		if zerr != nil {
			return nil, release, badRequest("decode zstd: %v", zerr)
		}
		defer zr.Close()
		plain, err = d.inflated(zr, "zstd")
	default:
		err = badRequest("Content-Encoding %q not supported", st.Encoding)
	}
	return plain, release, err
}

// Decode decodes an uncompressed body of the given media type: application/json (the legacy
// shape when legacy is set), anything else as snappy protobuf as Loki does. st, if not nil,
// receives DecodedBytes.
func (d *Decoder) Decode(plain []byte, contentType string, legacy bool, st *Stats) (*logproto.PushRequest, error) {
	var (
		req *logproto.PushRequest
		err error
	)
	decoded := int64(len(plain))
	switch contentType {
	case "application/json":
		if lim := d.limits.MaxDecompressedBytes; lim > 0 && decoded > lim {
			return nil, tooLarge(decoded, lim)
		}
		if legacy {
			req, err = DecodeLegacyJSON(plain)
		} else {
			req, err = DecodeJSON(plain)
		}
	default:
		req, decoded, err = DecodeSnappyProto(plain, d.limits.MaxDecompressedBytes)
	}
	if st != nil {
		st.DecodedBytes = decoded
	}
	return req, err
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// readLimited reads all of r into buf, failing with 413 past limit (0: none).
func readLimited(buf *bytes.Buffer, r io.Reader, limit int64) (int64, error) {
	if r == nil {
		return 0, nil
	}
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := buf.ReadFrom(src)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return n, tooLarge(n, mbe.Limit)
		}
		return n, badRequest("read request body: %v", err)
	}
	if limit > 0 && n > limit {
		return n, tooLarge(n, limit)
	}
	return n, nil
}

func (d *Decoder) gunzip(body []byte) ([]byte, error) {
	zr, _ := d.gz.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(body))
	} else {
		err = zr.Reset(bytes.NewReader(body))
	}
	if err != nil {
		return nil, badRequest("decode gzip: %v", err)
	}
	defer d.gz.Put(zr)
	return d.inflated(zr, "gzip")
}

// inflate undoes Content-Encoding deflate. RFC 9110 means zlib-wrapped data, but some clients
// send raw deflate: the zlib header (CMF/FLG check) tells them apart.
func (d *Decoder) inflate(body []byte) ([]byte, error) {
	if len(body) >= 2 && body[0]&0x0f == 8 && (uint16(body[0])<<8|uint16(body[1]))%31 == 0 {
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, badRequest("decode deflate: %v", err)
		}
		defer zr.Close()
		return d.inflated(zr, "deflate")
	}
	fr := flate.NewReader(bufio.NewReader(bytes.NewReader(body)))
	defer fr.Close()
	return d.inflated(fr, "deflate")
}

func (d *Decoder) inflated(r io.Reader, name string) ([]byte, error) {
	var out bytes.Buffer
	lim := d.limits.MaxDecompressedBytes
	src := r
	if lim > 0 {
		src = io.LimitReader(r, lim+1)
	}
	n, err := out.ReadFrom(src)
	if err != nil {
		return nil, badRequest("decode %s: %v", name, err)
	}
	if lim > 0 && n > lim {
		return nil, tooLarge(n, lim)
	}
	return out.Bytes(), nil
}

func (d *Decoder) getBuf() *bytes.Buffer {
	if b, ok := d.bufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

// putBuf returns buf to the pool unless it grew huge, so that one big push does not pin memory.
func (d *Decoder) putBuf(b *bytes.Buffer) {
	if b.Cap() > 8<<20 {
		return
	}
	b.Reset()
	d.bufs.Put(b)
}
