package distributor

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/skaldlogs/skald/pkg/validation"
)

func TestStreamCache(t *testing.T) {
	c := newStreamCache(4)
	l1 := validation.Defaults()
	info, err := c.resolve(&l1, `{b="2", app="x"}`)
	if err != nil || info.str != `{app="x", b="2", service_name="x"}` || info.hash != info.labels.Hash() {
		t.Fatalf("%+v %v", info, err)
	}
	if _, err := c.resolve(&l1, `{b="2", app="x"}`); err != nil || len(c.m) != 1 {
		t.Fatalf("second resolve: %v, %d entries", err, len(c.m))
	}
	// New limits (a runtime reload) are a different key: discovery off now.
	l2 := validation.Defaults()
	l2.DiscoverServiceName = nil
	if info, _ := c.resolve(&l2, `{b="2", app="x"}`); info.str != `{app="x", b="2"}` {
		t.Fatalf("stale entry served after reload: %s", info.str)
	}
	// Invalid strings are rejected every time and never cached.
	for i := 0; i < 2; i++ {
		if _, err := c.resolve(&l1, `{a=`); err == nil || err.Reason != validation.ReasonInvalidLabels {
			t.Fatalf("invalid: %v", err)
		}
	}
	if len(c.m) != 2 {
		t.Fatalf("%d entries", len(c.m))
	}
	// The cache stays bounded.
	for i := 0; i < 10; i++ {
		if _, err := c.resolve(&l1, fmt.Sprintf(`{a="%d"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.m) > 4 {
		t.Fatalf("%d entries, bound 4", len(c.m))
	}
	// The key must not alias the caller's buffer (decoded label strings point into request
	// bodies): overwrite the buffer after the call and the entry must keep its key.
	raw := []byte(`{z="1"}`)
	if _, err := c.resolve(&l1, unsafe.String(&raw[0], len(raw))); err != nil {
		t.Fatal(err)
	}
	copy(raw, `{y="2"}`)
	for k := range c.m {
		if k.raw == `{z="1"}` {
			return
		}
	}
	t.Fatal("cache key changed with the request buffer")
}
