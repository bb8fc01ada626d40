package open311

import (
	"sync"
	"time"
)

// limiter is a token bucket per api_key, in this process: each key earns rate requests a
// minute up to burst at once. Several server processes each keep their own buckets, so a key's
// ceiling is the sum over processes; a shared count would need the database on every call.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	clock   func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the memory a stream of made-up keys can take: full buckets are forgotten
// when it is reached (a full bucket is what a new key gets anyway).
const maxBuckets = 10000

func newLimiter(perMinute, burst int, clock func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), clock: clock, buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket and returns 0, or how long until one is earned.
func (l *limiter) take(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return 0
}

func (l *limiter) forgetFull(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets) // a flood of keys: start every bucket full again rather than grow
	}
}
