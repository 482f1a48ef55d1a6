package index

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/skaldlogs/skald/pkg/objstore"
)

// PeriodSeconds is the span of one index period: a UTC day.
const PeriodSeconds = 86400

const periodNanos = PeriodSeconds * 1_000_000_000

// Period returns the period of a Unix-nanosecond timestamp: floor(seconds / 86400).
func Period(ts int64) int64 {
	p := ts / periodNanos
	if ts < 0 && ts%periodNanos != 0 {
		p--
	}
	return p
}

// PeriodBounds returns the first and last nanosecond of period p, inclusive.
func PeriodBounds(p int64) (from, through int64) {
	return p * periodNanos, (p+1)*periodNanos - 1
}

// Periods returns the periods that [from, through] (inclusive) touches, ascending.
func Periods(from, through int64) []int64 {
	if through < from {
		return nil
	}
	var out []int64
	for p := Period(from); p <= Period(through); p++ {
		out = append(out, p)
	}
	return out
}

// Segment names one index segment object: written by Writer (an ingester ID, or "compactor")
// for Tenant and Period. Seq must be unique per writer and period, also across restarts: the
// Unix-nanosecond time of the flush is a good choice (and keeps listing order = write order).
type Segment struct {
	Period int64
	Tenant string
	Writer string
	Seq    uint64
}

// Object key layout, shared by the store (which writes and lists segments) and the compactor:
//
//	index/<period>/<tenant>/<writer>-<seq as 16 hex digits>.idx
//
// The fixed-width sequence number makes a writer's segments list in the order they were written.
const (
	keyRoot   = "index/"
	keySuffix = ".idx"
)

// SegmentKey returns the object key of seg. The tenant and writer must be non-empty and must
// not contain "/"; the writer may contain "-".
func SegmentKey(seg Segment) (string, error) {
	switch {
	case seg.Tenant == "" || strings.Contains(seg.Tenant, "/"):
		return "", fmt.Errorf("segment key: invalid tenant %q", seg.Tenant)
	case seg.Writer == "" || strings.Contains(seg.Writer, "/"):
		return "", fmt.Errorf("segment key: invalid writer %q", seg.Writer)
	}
	key := fmt.Sprintf("%s%d/%s/%s-%016x%s", keyRoot, seg.Period, seg.Tenant, seg.Writer, seg.Seq, keySuffix)
	if err := objstore.ValidateKey(key); err != nil {
		return "", fmt.Errorf("segment key: %w", err)
	}
	return key, nil
}

// ParseSegmentKey is the inverse of SegmentKey.
func ParseSegmentKey(key string) (Segment, error) {
	bad := func(why string) (Segment, error) {
		return Segment{}, fmt.Errorf("parse segment key %q: %w", key, errors.New(why))
	}
	rest, ok := strings.CutPrefix(key, keyRoot)
	if !ok {
		return bad("not under " + keyRoot)
	}
	if rest, ok = strings.CutSuffix(rest, keySuffix); !ok {
		return bad("no " + keySuffix + " suffix")
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] == "" {
		return bad("want index/<period>/<tenant>/<writer>-<seq>.idx")
	}
	period, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || strconv.FormatInt(period, 10) != parts[0] {
		return bad("bad period")
	}
	i := strings.LastIndexByte(parts[2], '-')
	if i <= 0 || len(parts[2])-i-1 != 16 {
		return bad("bad writer or sequence")
	}
	seq, err := strconv.ParseUint(parts[2][i+1:], 16, 64)
	if err != nil || strings.ToLower(parts[2][i+1:]) != parts[2][i+1:] {
		return bad("bad sequence")
	}
	return Segment{Period: period, Tenant: parts[1], Writer: parts[2][:i], Seq: seq}, nil
}

// PeriodPrefix is the key prefix of every tenant's segments of period p, for Bucket.Iter.
func PeriodPrefix(p int64) string { return keyRoot + strconv.FormatInt(p, 10) + "/" }

// TenantPrefix is the key prefix of tenant's segments of period p, for Bucket.Iter.
func TenantPrefix(p int64, tenant string) string { return PeriodPrefix(p) + tenant + "/" }
