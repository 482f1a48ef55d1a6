package index

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/skaldlogs/skald/pkg/objstore"
)

// UploadSegment stores an encoded segment (Writer.Finish) under SegmentKey(seg) and returns the
// key.
func UploadSegment(ctx context.Context, bkt objstore.Bucket, seg Segment, data []byte) (string, error) {
	key, err := SegmentKey(seg)
	if err != nil {
		return "", err
	}
	if err := bkt.Upload(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", fmt.Errorf("upload index segment: %w", err)
	}
	return key, nil
}

// ListSegments returns the segments of tenant for period p, in key order (for each writer, in
// sequence order). Objects under the prefix that are not segment keys are skipped.
func ListSegments(ctx context.Context, bkt objstore.Bucket, tenant string, p int64) ([]Segment, error) {
	var out []Segment
	err := bkt.Iter(ctx, TenantPrefix(p, tenant), func(key string) error {
		if seg, err := ParseSegmentKey(key); err == nil && seg.Tenant == tenant && seg.Period == p {
			out = append(out, seg)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list index segments of %s for period %d: %w", tenant, p, err)
	}
	return out, nil
}

// ReadSegment downloads and opens one segment.
func ReadSegment(ctx context.Context, bkt objstore.Bucket, seg Segment) (*Reader, error) {
	key, err := SegmentKey(seg)
	if err != nil {
		return nil, err
	}
	rc, err := bkt.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read index segment: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read index segment %s: %w", key, err)
	}
	r, err := Open(data)
	if err != nil {
		return nil, fmt.Errorf("open index segment %s: %w", key, err)
	}
	return r, nil
}
