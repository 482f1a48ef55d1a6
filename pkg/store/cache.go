package store

import (
	"container/list"
	"sync"
)

// lru is a byte-budgeted least-recently-used cache of immutable values. Safe for concurrent
// use. Values larger than the whole budget are not cached.
type lru[V any] struct {
	mu     sync.Mutex
	budget int64
	used   int64
	ll     *list.List // front: most recent
	items  map[string]*list.Element
	hits   int64
	misses int64
}

type lruItem[V any] struct {
	key  string
	val  V
	size int64
}

func newLRU[V any](budget int64) *lru[V] {
	return &lru[V]{budget: budget, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		c.hits++
		return e.Value.(*lruItem[V]).val, true
	}
	c.misses++
	var zero V
	return zero, false
}

// peek returns a cached value like get, marked as recently used, without counting a hit or a
// miss: for a look that decides whether the real read (which counts) is needed at all.
func (c *lru[V]) peek(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruItem[V]).val, true
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
	for c.used > c.budget {
		e := c.ll.Back()
		it := e.Value.(*lruItem[V])
		c.ll.Remove(e)
		delete(c.items, it.key)
		c.used -= it.size
	}
}

// stats returns hits, misses and the bytes held.
func (c *lru[V]) stats() (hits, misses, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses, c.used
}

// usage returns the bytes held and the entry count.
func (c *lru[V]) usage() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, len(c.items)
}
