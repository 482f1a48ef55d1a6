package store

import (
	"fmt"
	"sync"
	"testing"
)

func TestLRU(t *testing.T) {
	c := newLRU[int](100)
	c.put("a", 1, 40)
	c.put("b", 2, 40)
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Fatal("a missing")
	}
	c.put("c", 3, 40) // evicts b, the least recently used
	if _, ok := c.get("b"); ok {
		t.Fatal("b not evicted")
	}
	if _, ok := c.get("a"); !ok {
		t.Fatal("a evicted")
	}
	c.put("huge", 4, 101)
	if _, ok := c.get("huge"); ok {
		t.Fatal("over-budget value cached")
	}
	c.put("a", 5, 10) // replace shrinks usage
	if used, n := c.usage(); used != 50 || n != 2 {
		t.Fatalf("usage %d bytes %d items", used, n)
	}
}

// TestLRUConcurrent: lookups and inserts from many goroutines keep the budget and the counts.
func TestLRUConcurrent(t *testing.T) {
	c := newLRU[int](1000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := fmt.Sprint((g*7 + i) % 300)
				if _, ok := c.get(k); !ok {
					c.put(k, i, 10)
				}
				c.peek(fmt.Sprint(i % 50))
			}
		}()
	}
	wg.Wait()
	hits, misses, used := c.stats()
	if used > 1000 || hits+misses != 8*2000 {
		t.Fatalf("used %d, hits %d + misses %d", used, hits, misses)
	}
	if _, n := c.usage(); int64(n)*10 != used {
		t.Fatalf("%d entries for %d bytes", n, used)
	}
}
