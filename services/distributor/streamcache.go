package distributor

import (
	"strings"
	"sync"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/validation"
)

// streamCacheSize bounds the cache; when full it is emptied (agents resend the same few label
// strings, so it refills at once with what matters).
const streamCacheSize = 1 << 16

// streamKey identifies a validated stream: the raw label string as the agent sent it, and the
// limits it was checked against (a runtime reload makes new *Limits, so stale entries miss).
type streamKey struct {
	limits *validation.Limits
	raw    string
}

// streamInfo is a stream after validation and service name discovery.
type streamInfo struct {
	labels labels.Labels
	str    string
	hash   uint64
}

// streamCache memoises parsing, validation, discovery, rendering and hashing of label strings,
// the per-stream cost of a push. It is safe for concurrent use.
type streamCache struct {
	mu   sync.RWMutex
	m    map[streamKey]streamInfo
	size int
}

func newStreamCache(size int) *streamCache {
	return &streamCache{m: make(map[streamKey]streamInfo), size: size}
}

// resolve returns the stream for raw under limits, computing and caching it on a miss. Invalid
// label strings are not cached: they are rare, and their errors name the stream anyway.
func (c *streamCache) resolve(limits *validation.Limits, raw string) (streamInfo, *validation.Error) {
	key := streamKey{limits, raw}
	c.mu.RLock()
	info, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return info, nil
	}
	ls, verr := validation.ParseStream(limits, raw)
	if verr != nil {
		return streamInfo{}, verr
	}
	ls = validation.DiscoverServiceName(limits, ls)
	info = streamInfo{labels: ls, str: ls.String(), hash: ls.Hash()}
	// The raw string may alias a request body: keep a copy, not the body.
	key.raw = strings.Clone(raw)
	c.mu.Lock()
	if len(c.m) >= c.size {
		clear(c.m)
	}
	c.m[key] = info
	c.mu.Unlock()
	return info, nil
}
