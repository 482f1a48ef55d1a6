package objstore

import (
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Instrumented is a Bucket that counts and times every operation of the Bucket it wraps.
type Instrumented struct {
	bkt      Bucket
	ops      *prometheus.CounterVec
	failures *prometheus.CounterVec
	duration *prometheus.HistogramVec
	bytes    *prometheus.CounterVec
}

var _ Bucket = (*Instrumented)(nil)

// NewInstrumented wraps bkt with metrics labelled bucket=name, registered with reg (nil: not
// registered). Several buckets may share a registry under different names. A missing object is
// not a failure: Get of a not-yet-written object is normal.
func NewInstrumented(bkt Bucket, name string, reg prometheus.Registerer) *Instrumented {
	cl := prometheus.Labels{"bucket": name}
	m := &Instrumented{
		bkt: bkt,
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_objstore_operations_total", Help: "Object store operations, by operation.", ConstLabels: cl,
		}, []string{"operation"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_objstore_operation_failures_total", Help: "Object store operations that failed (not found excluded), by operation.", ConstLabels: cl,
		}, []string{"operation"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skald_objstore_operation_duration_seconds", Help: "Time until an object store operation returned (for reads: until the reader was returned).",
			ConstLabels: cl, Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"operation"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_objstore_transferred_bytes_total", Help: "Object bytes uploaded (upload) and read by callers (get, get_range).", ConstLabels: cl,
		}, []string{"operation"}),
	}
	if reg != nil {
		reg.MustRegister(m.ops, m.failures, m.duration, m.bytes)
	}
	return m
}

func (m *Instrumented) observe(op string, start time.Time, err error) {
	m.ops.WithLabelValues(op).Inc()
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !IsNotFound(err) {
		m.failures.WithLabelValues(op).Inc()
	}
}

// Upload implements Bucket.
func (m *Instrumented) Upload(ctx context.Context, name string, r io.Reader, size int64) error {
	start := time.Now()
	cr := &countingReader{r: r}
	err := m.bkt.Upload(ctx, name, cr, size)
	m.observe("upload", start, err)
	if err == nil {
		m.bytes.WithLabelValues("upload").Add(float64(cr.n))
	}
	return err
}

// Get implements Bucket.
func (m *Instrumented) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	start := time.Now()
	rc, err := m.bkt.Get(ctx, name)
	m.observe("get", start, err)
	if err != nil {
		return nil, err
	}
	return &countingReadCloser{ReadCloser: rc, c: m.bytes.WithLabelValues("get")}, nil
}

// GetRange implements Bucket.
func (m *Instrumented) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	start := time.Now()
	rc, err := m.bkt.GetRange(ctx, name, off, length)
	m.observe("get_range", start, err)
	if err != nil {
		return nil, err
	}
	return &countingReadCloser{ReadCloser: rc, c: m.bytes.WithLabelValues("get_range")}, nil
}

// Exists implements Bucket.
func (m *Instrumented) Exists(ctx context.Context, name string) (bool, error) {
	start := time.Now()
	ok, err := m.bkt.Exists(ctx, name)
	m.observe("exists", start, err)
	return ok, err
}

// Attributes implements Bucket.
func (m *Instrumented) Attributes(ctx context.Context, name string) (Attributes, error) {
	start := time.Now()
	a, err := m.bkt.Attributes(ctx, name)
	m.observe("attributes", start, err)
	return a, err
}

// Iter implements Bucket. An error returned by f counts as a failure of the iteration.
func (m *Instrumented) Iter(ctx context.Context, prefix string, f func(name string) error) error {
	start := time.Now()
	err := m.bkt.Iter(ctx, prefix, f)
	m.observe("iter", start, err)
	return err
}

// Delete implements Bucket.
func (m *Instrumented) Delete(ctx context.Context, name string) error {
	start := time.Now()
	err := m.bkt.Delete(ctx, name)
	m.observe("delete", start, err)
	return err
}

// Close implements Bucket.
func (m *Instrumented) Close() error { return m.bkt.Close() }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type countingReadCloser struct {
	io.ReadCloser
	c prometheus.Counter
}

func (c *countingReadCloser) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.c.Add(float64(n))
	return n, err
}
