package engine

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// cache keeps values for a TTL and fetches each key once at a time, however
// many callers ask for it: the pool descriptions, and SNS's and SES's
// answers.
type cache[V any] struct {
	mu      sync.Mutex
	entries map[string]cacheEntry[V]
	group   singleflight.Group
}

type cacheEntry[V any] struct {
	val     V
	expires time.Time
}

// get returns key's value while it is fresh at now, or else fetches it
// (once for every caller that asks at the same time; see shared) and keeps
// it until now+ttl.
func (c *cache[V]) get(ctx context.Context, key string, now func() time.Time, ttl time.Duration, fetch func(context.Context) (V, error)) (V, error) {
	if v, ok := c.fresh(key, now()); ok {
		return v, nil
	}
	return shared(ctx, &c.group, key, func() (V, error) {
		// Checked again: a fetch may have finished between the miss above
		// and this one starting.
		if v, ok := c.fresh(key, now()); ok {
			return v, nil
		}
		v, err := fetch(ctx)
		if err != nil {
			return v, err
		}
		c.put(key, v, now().Add(ttl))
		return v, nil
	})
}

// fresh returns key's value when it has not expired at now.
func (c *cache[V]) fresh(key string, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && now.Before(e.expires) {
		return e.val, true
	}
	var zero V
	return zero, false
}

// forget drops key's value: the next get fetches it again.
func (c *cache[V]) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// put keeps v under key until expires.
func (c *cache[V]) put(key string, v V, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry[V]{}
	}
	c.entries[key] = cacheEntry[V]{v, expires}
}
