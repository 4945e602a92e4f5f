package fetch

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// blockedRange is a range of addresses that a fetch never connects to
// unless Config.AllowPrivate is set.
type blockedRange struct {
	prefix netip.Prefix
	why    string
}

// blocked lists the ranges refused by forbiddenReason. IPv4-mapped IPv6
// addresses are unmapped before the lookup, and the IPv4 address inside a
// NAT64 or 6to4 address is checked as well.
var blocked = func() []blockedRange {
	ranges := []struct{ cidr, why string }{
		{"0.0.0.0/8", "unspecified (\"this network\")"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "carrier-grade NAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"}, // 169.254.169.254: cloud metadata
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignment"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "6to4 relay"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved or broadcast"}, // includes 255.255.255.255
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "discard-only"},
		{"2001::/32", "Teredo"},
		{"2001:db8::/32", "documentation"},
		{"fc00::/7", "private (unique local)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blockedRange, len(ranges))
	for i, r := range ranges {
		out[i] = blockedRange{netip.MustParsePrefix(r.cidr), r.why}
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// forbiddenReason says why a fetch must not connect to ip ("loopback",
// "private", ...), or returns "" when ip is a public unicast address.
func forbiddenReason(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.WithZone("").Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	for _, b := range blocked {
		if b.prefix.Contains(ip) {
			return b.why
		}
	}
	if ip.Is6() {
		a := ip.As16()
		var embedded netip.Addr
		switch {
		case nat64.Contains(ip):
			embedded = netip.AddrFrom4([4]byte(a[12:16]))
		case sixToFour.Contains(ip):
			embedded = netip.AddrFrom4([4]byte(a[2:6]))
		}
		if embedded.IsValid() {
			if why := forbiddenReason(embedded); why != "" {
				return why + " (embedded in " + ip.String() + ")"
			}
		}
	}
	if !ip.IsGlobalUnicast() {
		return "not global unicast" // a catch-all; the table above should name it
	}
	return ""
}

// checkAddr is the default address policy: with AllowPrivate everything
// goes; otherwise the address must be public and the port 80 or 443.
func (f *Fetcher) checkAddr(ap netip.AddrPort) error {
	if f.cfg.AllowPrivate {
		return nil
	}
	if why := forbiddenReason(ap.Addr()); why != "" {
		return errorf(CodeForbiddenAddress, "refusing to connect to %s: %s address", ap.Addr(), why)
	}
	if p := ap.Port(); p != 80 && p != 443 {
		return errorf(CodeForbiddenAddress, "refusing to connect to port %d: only 80 and 443 are allowed", p)
	}
	return nil
}

// lookupHost resolves host with the system's resolver.
func lookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// dialContext is the Transport's only way out. It resolves addr itself,
// checks every address the name resolves to (one forbidden address refuses
// the name, so that a mixed answer cannot be used), then dials the checked
// addresses in turn. The net.Dialer's Control hook checks again the address
// the socket is about to connect to, so nothing reaches connect(2) unchecked
// whatever path led there: a first request, a redirect, a gateway, or a name
// that resolves differently from one connection to the next.
func (f *Fetcher) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, errorf(CodeUnsupportedScheme, "refusing to dial network %q", network)
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, errorf(CodeBadURL, "bad address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return nil, errorf(CodeBadURL, "bad port in %q", addr)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		if ips, err = f.lookup(ctx, host); err != nil {
			return nil, errorf(CodeFailed, "resolve %s: %w", host, err)
		}
		if len(ips) == 0 {
			return nil, errorf(CodeFailed, "resolve %s: no addresses", host)
		}
	}
	for i, ip := range ips {
		ips[i] = ip.Unmap() // resolvers may answer ::ffff:a.b.c.d for a.b.c.d
	}
	for _, ip := range ips {
		if err := f.check(netip.AddrPortFrom(ip, uint16(port))); err != nil {
			if ip.String() == host {
				return nil, err
			}
			e := errorf(CodeForbiddenAddress, "%s (%s): %s", host, ip, strings.TrimPrefix(err.Error(), "fetch: "))
			e.Err = err
			return nil, e
		}
	}
	var firstErr error
	for _, ip := range ips {
		conn, err := f.dialer.DialContext(ctx, network, netip.AddrPortFrom(ip, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// control is the net.Dialer's Control hook: the last check before connect.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errorf(CodeForbiddenAddress, "refusing to connect to unparsable address %q", address)
	}
	return f.check(ap)
}
