package ingester

import (
	"fmt"
	"time"

	"github.com/skaldlogs/skald/pkg/validation"
)

// Limits gives the per-tenant limits the ingester enforces (*validation.Overrides does). Safe
// for concurrent use; the returned Limits must not be modified.
type Limits interface {
	For(tenant string) *validation.Limits
}

// maxStreams is the tenant's stream limit on this ingester, 0 for none. The global limit is
// applied as a local one: exact when every ingester holds every stream (RF equal to the number
// of ingesters, as in the monolith and a 3-node RF=3 cluster), lenient beyond.
func maxStreams(l *validation.Limits) int {
	n := l.MaxStreamsPerUser
	if g := l.MaxGlobalStreamsPerUser; g > 0 && (n == 0 || g < n) {
		n = g
	}
	return n
}

// streamLimitError is Loki's 429 text for a tenant over its stream limit.
func streamLimitError(stream, tenant string) string {
	return fmt.Sprintf(validation.StreamLimitErrorMsg, stream, tenant)
}

// allowBytes takes n bytes from the stream's token bucket (rate bytes/s, burst bytes) and
// reports whether they were available. Caller holds s.mu.
func (s *stream) allowBytesLocked(now time.Time, n int, rate, burst float64) bool {
	if s.rateLast.IsZero() {
		s.rateTokens, s.rateLast = burst, now
	}
	s.rateTokens = min(burst, s.rateTokens+now.Sub(s.rateLast).Seconds()*rate)
	s.rateLast = now
	if float64(n) > s.rateTokens {
		return false
	}
	s.rateTokens -= float64(n)
	return true
}

// checkStreamRate applies the per-stream rate limit to a push's bytes for s and returns Loki's
// 429 text when over it.
func (i *Ingester) checkStreamRate(l *validation.Limits, s *stream, n int) string {
	if l == nil || l.PerStreamRateLimit <= 0 || n == 0 {
		return ""
	}
	burst := max(float64(l.PerStreamRateLimitBurst), float64(l.PerStreamRateLimit))
	s.mu.Lock()
	ok := s.allowBytesLocked(time.Now(), n, float64(l.PerStreamRateLimit), burst)
	s.mu.Unlock()
	if ok {
		return ""
	}
	return fmt.Sprintf(validation.PerStreamRateLimitErrorMsg, l.PerStreamRateLimit.String(), s.lstr, validation.ByteSize(n).String())
}
