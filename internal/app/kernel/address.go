package kernel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// AddressKey is what limits per client address count by: the address, or for IPv6 its /64,
// which one household or phone holds whole.
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() || ip.Is4In6() {
		return addr
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// Limit is at most Max hits on Key in a window: a rate limit of what anyone may ask for.
type Limit struct {
	Key string
	Max int
}

// CountLimits counts one hit on each limit's key, in order, each committed on its own (a
// refused request counts too), and refuses the first hit over its limit, saying when to try
// again; what names the requests in the message.
func (a *Core) CountLimits(ctx context.Context, window time.Duration, what string, limits ...Limit) error {
	now := a.Now()
	for _, l := range limits {
		hits, start, err := a.DB.CountHit(ctx, l.Key, now.Add(-window), now)
		if err != nil {
			return err
		}
		if hits > l.Max {
			after := start.Add(window).Sub(now)
			return errs.Throttled(after, "too many %s; try again in %d minutes", what, int((after+time.Minute-1)/time.Minute))
		}
	}
	return nil
}

// HashKey keys a counter by a personal value (an e-mail address) without keeping the value.
func HashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}
