package kernel

import "net/netip"

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
