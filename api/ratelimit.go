package api

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sleuthhq/sleuth"
)

// rateLimiter keeps one token bucket per key.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   int
	buckets map[string]*rate.Limiter
}

func newRateLimiter(r float64, burst int) *rateLimiter {
	return &rateLimiter{rate: r, burst: burst, buckets: map[string]*rate.Limiter{}}
}

// allow takes a token from k's bucket and sets the rate-limit headers:
// X-RateLimit-Limit (burst), X-RateLimit-Remaining, X-RateLimit-Reset
// (seconds until the bucket is full again), and Retry-After on refusal.
func (l *rateLimiter) allow(w http.ResponseWriter, k *sleuth.APIKey) bool {
	r, burst := l.rate, l.burst
	if k.RatePerSecond > 0 {
		r = k.RatePerSecond
	}
	if k.Burst > 0 {
		burst = k.Burst
	}
	l.mu.Lock()
	b, ok := l.buckets[k.ID]
	if !ok || b.Limit() != rate.Limit(r) || b.Burst() != burst {
		b = rate.NewLimiter(rate.Limit(r), burst)
		l.buckets[k.ID] = b
	}
	l.mu.Unlock()

	now := time.Now()
	ok = b.AllowN(now, 1)
	tokens := b.TokensAt(now)
	h := w.Header()
	h.Set("X-RateLimit-Limit", fmt.Sprint(burst))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(int(math.Max(0, math.Floor(tokens)))))
	h.Set("X-RateLimit-Reset", fmt.Sprint(int(math.Ceil((float64(burst)-tokens)/r))))
	if !ok {
		h.Set("Retry-After", fmt.Sprint(int(math.Max(1, math.Ceil((1-tokens)/r)))))
	}
	return ok
}
