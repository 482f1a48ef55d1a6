package objstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/s3test"
)

func benchBucket(b *testing.B, bkt objstore.Bucket) {
	ctx := context.Background()
	for _, size := range []int{16 << 10, 1 << 20} {
		data := bytes.Repeat([]byte("x"), size)
		b.Run(fmt.Sprintf("upload-%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				i++
				if err := bkt.Upload(ctx, fmt.Sprintf("bench/%d/%d", size, i%64), bytes.NewReader(data), int64(size)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("get-%dKiB", size>>10), func(b *testing.B) {
			key := fmt.Sprintf("bench/%d/get", size)
			if err := bkt.Upload(ctx, key, bytes.NewReader(data), int64(size)); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				rc, err := bkt.Get(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				_ = rc.Close()
			}
		})
	}
}

func BenchmarkFilesystem(b *testing.B) {
	bkt, err := objstore.NewFilesystem(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	benchBucket(b, bkt)
}

func BenchmarkS3(b *testing.B) {
	bkt, err := objstore.NewS3(s3test.Start(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	benchBucket(b, bkt)
}
