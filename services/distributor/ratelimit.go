package distributor

import (
	"sync"
	"time"
)

// rateLimiter holds one token bucket per tenant. Rate and burst are passed on every call, so a
// runtime override or a change in the number of distributors applies at once.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter() *rateLimiter { return &rateLimiter{buckets: map[string]*bucket{}} }

// allowN takes n tokens from tenant's bucket at now, refilled at rate per second up to burst.
// A rate of 0 or less means no limit. A request larger than the burst is never allowed.
func (r *rateLimiter) allowN(tenant string, now time.Time, rate, burst float64, n int) bool {
	if rate <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.buckets[tenant]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		r.buckets[tenant] = b
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(burst, b.tokens+dt*rate)
		b.last = now
	}
	b.tokens = min(b.tokens, burst) // the burst may have shrunk since the last call
	if float64(n) > b.tokens {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// prune forgets buckets idle for longer than idle: a full bucket and a missing one behave alike
// once the bucket has had time to refill.
func (r *rateLimiter) prune(now time.Time, idle time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for t, b := range r.buckets {
		if now.Sub(b.last) > idle {
			delete(r.buckets, t)
		}
	}
}
