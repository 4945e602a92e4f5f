// Package fetch is Sleuth's only way to read media from the network: the
// fileURL a user sends, and the image and animation URLs that NFT metadata
// points to. It reads https:// and (when allowed) http:// URLs, IPFS content
// through path gateways with failover, Arweave content through its gateways,
// and data: URIs without any I/O. It is built to be pointed at hostile URLs:
// it refuses to reach internal addresses (SSRF) and bounds every resource a
// fetch can use.
//
// Normalize gives the canonical form of a media URL (ipfs://CID/path,
// ar://ID/path, https://..., data:...), the one to store and compare. A
// Fetcher, made by New from a Config and shared, fetches into memory (Fetch)
// or streams to an io.Writer such as a spool file (FetchTo).
//
// # Limits
//
// Defaults, for zero Config fields:
//
//   - MaxBytes 64 MiB: a Content-Length over it fails before the body is
//     read; otherwise at most MaxBytes+1 bytes are read, and one byte over
//     fails. For data: URIs the limit applies to the decoded bytes.
//   - Timeout 30 s for the whole fetch: DNS, connections, TLS, redirects,
//     every gateway tried and the whole body. The caller's context is
//     honored too.
//   - GatewayTimeout 10 s per gateway attempt, until its response headers.
//   - MaxRedirects 5 per request (negative: none); each redirect is checked
//     like the first URL.
//   - Gateways: IPFS https://ipfs.io, https://dweb.link,
//     https://cloudflare-ipfs.com; Arweave https://arweave.net.
//
// Fixed limits of the transport: response headers 64 KiB, TCP connect 10 s
// per address, TLS handshake 10 s, TLS 1.2 or later, 32 idle connections
// (4 per host) closed after 60 s idle. No compression is asked for, so the
// bytes are those served.
//
// # Gateways
//
// An ipfs:// URL is fetched as <gateway>/ipfs/<cid>/<path> from each IPFS
// gateway in order, an ar:// URL as <gateway>/<id>/<path>. A gateway that
// fails (network error, no response headers within GatewayTimeout, any
// non-2xx status including 404 and 429, a refused redirect) is left for the
// next; the error of the last one is returned, listing them all. A body over
// MaxBytes stops the fetch at once (the content is the same everywhere), and
// so does a failure after FetchTo has written bytes to its writer. Gateway
// base URLs are configuration, trusted to be http:// as well as https://,
// but their addresses are checked like any other.
//
// # SSRF rules
//
// Unless Config.AllowPrivate is set:
//
//   - Schemes: https; http only with Config.AllowHTTP (default false:
//     secure by default, and the zero Config is the production one; set it
//     to read old NFT metadata that still points at http://). ipfs and ar
//     go through the configured gateways; data: does no I/O. Everything
//     else (file, ftp, gopher, javascript, ipns...) is refused, and so is
//     a redirect to anything but https (or http when allowed).
//   - URLs with credentials (user:pass@host) are refused, and so are host
//     names that are not plain ASCII DNS names or IP addresses (numeric
//     tricks such as 2130706433 or 0177.0.0.1, IPv6 zones).
//   - The transport has no proxy (the environment is ignored) and one way
//     out, a dialer that resolves the host itself, checks every address it
//     resolves to (one bad address refuses the name), then connects only to
//     checked addresses; the dialer's Control hook checks each address again
//     just before connect. So the first request, every redirect and every
//     gateway are checked, and a name that resolves to a public address
//     once and to an internal one the next time (DNS rebinding) is refused
//     when it matters: at connect time.
//   - Refused addresses: unspecified (0.0.0.0/8, ::), loopback (127/8, ::1),
//     private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
//     (169.254/16 with the cloud metadata service 169.254.169.254,
//     fe80::/10), carrier-grade NAT (100.64/10), multicast (224/4, ff00::/8),
//     reserved and broadcast (240/4, 255.255.255.255), documentation,
//     benchmarking and protocol ranges, deprecated IPv6 site-local and
//     IPv4-compatible forms, Teredo, and IPv4 addresses hidden in IPv6 ones:
//     IPv4-mapped (::ffff:127.0.0.1), NAT64 (64:ff9b::/96) and 6to4
//     (2002::/16) forms are checked as the IPv4 address they carry.
//   - Ports: only 80 and 443. Other ports are refused, so that a URL cannot
//     probe services on odd ports of public hosts.
//
// AllowPrivate lifts the address and port rules (not the scheme rules); it
// is for tests and `sleuth devnet`, and for a local IPFS gateway, never for a
// server that takes URLs from users.
//
// # Errors
//
// Every error is a *sleuth.Error with one of these codes, to be mapped to
// the HTTP status beside it:
//
//	sleuth.fetch.bad_url             400  malformed URL, CID, Arweave ID or data: URI; credentials in a URL
//	sleuth.fetch.unsupported_scheme  422  scheme not allowed, or a redirect to one
//	sleuth.fetch.forbidden_address   403  an internal address, or a port other than 80/443
//	sleuth.fetch.too_large           413  body (or decoded data: URI) over MaxBytes
//	sleuth.fetch.timeout             504  Timeout, GatewayTimeout on every gateway, or the caller's deadline
//	sleuth.fetch.upstream_status     502  a non-2xx status (from every gateway, for ipfs and ar)
//	sleuth.fetch.too_many_redirects  502  more than MaxRedirects redirects
//	sleuth.fetch.failed              502  anything else: DNS, connection, TLS, reset, a failed write, cancellation
//
// A timeout wraps context.DeadlineExceeded and a cancellation wraps
// context.Canceled, for errors.Is.
package fetch
