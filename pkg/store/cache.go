package store

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// lru is a byte-budgeted cache of immutable values that evicts the least recently used,
// approximately: a lookup only marks its entry used (under a read lock, so the many lookups of
// a query's workers do not queue on one mutex), and eviction gives a used entry at the back a
// second chance at the front instead of dropping it (the CLOCK scheme). Safe for concurrent
// use. Values larger than the whole budget are not cached.
type lru[V any] struct {
	mu     sync.RWMutex
	budget int64
	used   int64
	ll     *list.List // front: most recently inserted or given a second chance
	items  map[string]*list.Element
	hits   atomic.Int64
	misses atomic.Int64
}

type lruItem[V any] struct {
	key    string
	val    V
	size   int64
	recent atomic.Bool // looked up since it last reached the back
}

func newLRU[V any](budget int64) *lru[V] {
	return &lru[V]{budget: budget, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	v, ok := c.peek(key)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok
}

// peek returns a cached value like get, marked as used, without counting a hit or a miss: for
// a look that decides whether the real read (which counts) is needed at all.
func (c *lru[V]) peek(key string) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.items[key]; ok {
		it := e.Value.(*lruItem[V])
		it.recent.Store(true)
		return it.val, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) put(key string, val V, size int64) {
	if size > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		it := e.Value.(*lruItem[V])
		c.used += size - it.size
		it.val, it.size = val, size
		c.ll.MoveToFront(e)
	} else {
		c.items[key] = c.ll.PushFront(&lruItem[V]{key: key, val: val, size: size})
		c.used += size
	}
	// Each pass clears one entry's mark or evicts it, so the loop ends within two rounds.
	for c.used > c.budget {
		e := c.ll.Back()
		it := e.Value.(*lruItem[V])
		if it.recent.Swap(false) {
			c.ll.MoveToFront(e)
			continue
		}
		c.ll.Remove(e)
		delete(c.items, it.key)
		c.used -= it.size
	}
}

// stats returns hits, misses and the bytes held.
func (c *lru[V]) stats() (hits, misses, bytes int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.hits.Load(), c.misses.Load(), c.used
}

// usage returns the bytes held and the entry count.
func (c *lru[V]) usage() (int64, int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.used, len(c.items)
}
