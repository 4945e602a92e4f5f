package fetch

import "net/http"

// Transport returns the Fetcher's HTTP transport, for other requests to
// URLs that users give (webhooks): every connection it makes passes the
// same address policy as a fetch (no loopback, private, link-local or
// other non-public address, ports 80 and 443 only, unless
// Config.AllowPrivate), and it never uses a proxy from the environment.
// Redirects and timeouts are the caller's (set them on its http.Client).
func (f *Fetcher) Transport() http.RoundTripper { return f.tr }
