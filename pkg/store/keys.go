package store

import (
	"fmt"
	"strings"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/objstore"
)

// ChunkKey is the object key of a chunk of the stream with fingerprint fp. Fixed-width hex keeps
// a stream's chunks listing in time order.
func ChunkKey(tenant string, fp uint64, m chunk.Meta) string {
	return fmt.Sprintf("chunks/%s/%016x/%016x-%016x-%08x", tenant, fp, uint64(m.MinT), uint64(m.MaxT), m.Checksum)
}

// ChunkTenantPrefix is the key prefix of all of tenant's chunks, for Bucket.Iter.
func ChunkTenantPrefix(tenant string) string { return "chunks/" + tenant + "/" }

func validateTenant(tenant string) error {
	if tenant == "" || strings.Contains(tenant, "/") {
		return fmt.Errorf("invalid tenant %q", tenant)
	}
	return objstore.ValidateKey(ChunkTenantPrefix(tenant) + "x")
}
