package store

import "testing"

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
