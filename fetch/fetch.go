package fetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultMaxBytes       = 64 << 20
	DefaultTimeout        = 30 * time.Second
	DefaultGatewayTimeout = 10 * time.Second
	DefaultMaxRedirects   = 5
)

// Limits of the HTTP transport; see the package doc.
const (
	maxHeaderBytes      = 64 << 10
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 60 * time.Second
	maxIdleConns        = 32
	maxIdleConnsPerHost = 4
)

// Default gateways, tried in order.
func defaultIPFSGateways() []string {
	return []string{"https://ipfs.io", "https://dweb.link", "https://cloudflare-ipfs.com"}
}

func defaultArweaveGateways() []string { return []string{"https://arweave.net"} }

// Config sets the limits and policy of a Fetcher. The zero value is a safe,
// usable configuration: every zero field takes the default named beside it.
type Config struct {
	// IPFSGateways are the base URLs of IPFS path gateways, tried in order;
	// a gateway serves /ipfs/<cid>/<path> below its base. Empty:
	// https://ipfs.io, https://dweb.link, https://cloudflare-ipfs.com.
	IPFSGateways []string
	// ArweaveGateways are the base URLs of Arweave gateways, tried in order;
	// a gateway serves /<id>/<path>. Empty: https://arweave.net.
	ArweaveGateways []string
	// MaxBytes is the most bytes a body (or a decoded data: URI) may have.
	// 0: 64 MiB.
	MaxBytes int64
	// Timeout bounds the whole fetch: every redirect, gateway and byte of
	// the body. 0: 30 s.
	Timeout time.Duration
	// GatewayTimeout bounds one gateway attempt until its response headers
	// arrive; past it the next gateway is tried. 0: 10 s.
	GatewayTimeout time.Duration
	// MaxRedirects is the most redirects followed per request. 0: 5;
	// negative: none.
	MaxRedirects int
	// AllowPrivate lets fetches reach loopback, private, link-local, CGNAT
	// and other non-public addresses, on any port. Never set it on a server
	// reachable by users; tests and `sleuth devnet` do.
	AllowPrivate bool
	// AllowHTTP permits plain http:// URLs and redirects to them. Default
	// false: https only (gateway base URLs are configuration and may be
	// http:// regardless).
	AllowHTTP bool
	// UserAgent is sent with every request.
	// "": "Sleuth/<version> (+https://github.com/sleuthhq/sleuth)".
	UserAgent string
}

// Result is what a fetch returns.
type Result struct {
	Body []byte // the bytes; nil from FetchTo
	MIME string // the Content-Type header as sent (may be empty), or a data: URI's media type
	URL  string // the URL finally read: after redirects, on the gateway that served it
	Size int64  // length of the body in bytes
}

// A Fetcher reads media from the network within the limits of its Config.
// It is safe for concurrent use and keeps connections alive between
// fetches; make one and share it.
type Fetcher struct {
	cfg      Config
	ipfs, ar []gateway
	client   *http.Client
	tr       *http.Transport
	dialer   *net.Dialer

	// Hooks, replaced by tests only.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	check  func(netip.AddrPort) error
}

// gateway is one parsed gateway base URL.
type gateway struct {
	raw  string
	base *url.URL
	err  error // why base is unusable
}

// New returns a Fetcher for cfg, zero fields replaced by their defaults.
func New(cfg Config) *Fetcher {
	cfg.IPFSGateways = append([]string(nil), cfg.IPFSGateways...)
	if len(cfg.IPFSGateways) == 0 {
		cfg.IPFSGateways = defaultIPFSGateways()
	}
	cfg.ArweaveGateways = append([]string(nil), cfg.ArweaveGateways...)
	if len(cfg.ArweaveGateways) == 0 {
		cfg.ArweaveGateways = defaultArweaveGateways()
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.GatewayTimeout <= 0 {
		cfg.GatewayTimeout = DefaultGatewayTimeout
	}
	switch {
	case cfg.MaxRedirects == 0:
		cfg.MaxRedirects = DefaultMaxRedirects
	case cfg.MaxRedirects < 0:
		cfg.MaxRedirects = 0
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent()
	}
	f := &Fetcher{
		cfg:    cfg,
		ipfs:   parseGateways(cfg.IPFSGateways),
		ar:     parseGateways(cfg.ArweaveGateways),
		lookup: lookupHost,
	}
	f.check = f.checkAddr
	f.dialer = &net.Dialer{Timeout: dialTimeout, Control: f.control}
	f.tr = &http.Transport{
		Proxy:                  nil, // never from the environment
		DialContext:            f.dialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		IdleConnTimeout:        idleConnTimeout,
		DisableCompression:     true, // bytes as served; Content-Length means what it says
	}
	f.client = &http.Client{Transport: f.tr, CheckRedirect: f.checkRedirect}
	return f
}

// CloseIdleConnections closes the kept-alive connections not in use.
func (f *Fetcher) CloseIdleConnections() { f.tr.CloseIdleConnections() }

func defaultUserAgent() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "Sleuth/" + v + " (+https://github.com/sleuthhq/sleuth)"
}

func parseGateways(raws []string) []gateway {
	gws := make([]gateway, len(raws))
	for i, raw := range raws {
		gws[i].raw = raw
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			gws[i].err = err
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.User != nil,
			u.RawQuery != "", u.Fragment != "", u.Opaque != "":
			gws[i].err = fmt.Errorf("want http(s)://host[/prefix]")
		default:
			gws[i].base = u
		}
	}
	return gws
}

// url returns the URL of p (unescaped, starting with '/') below the gateway.
func (g gateway) url(p string) string {
	u := url.URL{Scheme: g.base.Scheme, Host: g.base.Host, Path: strings.TrimSuffix(g.base.Path, "/") + p}
	return u.String()
}

// Fetch reads the media at rawURL into memory. rawURL is anything Normalize
// accepts. The body is at most MaxBytes long; past that, or past Timeout,
// Fetch fails. Every error is a *sleuth.Error with one of this package's
// codes.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Result, error) {
	return f.fetch(ctx, rawURL, nil)
}

// FetchTo is Fetch streaming the body to w instead of memory: Result.Body is
// nil. The limits are the same; on error w may have received part of the
// body (at most MaxBytes bytes) and should be discarded. A gateway failing
// after bytes were written is not retried on the next one.
func (f *Fetcher) FetchTo(ctx context.Context, rawURL string, w io.Writer) (*Result, error) {
	if w == nil {
		return nil, errorf(CodeFailed, "FetchTo: nil writer")
	}
	return f.fetch(ctx, rawURL, w)
}

func (f *Fetcher) fetch(ctx context.Context, rawURL string, w io.Writer) (*Result, error) {
	norm, err := Normalize(rawURL)
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, classify(ctx, norm, ctx.Err())
	}
	scheme, rest, _ := strings.Cut(norm, ":")
	if scheme == "data" {
		return f.fetchData(norm, w)
	}
	if scheme == "http" && !f.cfg.AllowHTTP {
		return nil, errorf(CodeUnsupportedScheme, "%s: plain http is not allowed; use https", shorten(norm))
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.cfg.Timeout, errFetchTimeout)
	defer cancel()
	switch scheme {
	case "ipfs", "ar":
		id, p, ok := strings.Cut(rest[len("//"):], "/")
		if ok {
			if p, err = url.PathUnescape("/" + p); err != nil {
				return nil, errorf(CodeBadURL, "%s: %w", shorten(norm), err) // Normalize prevents it
			}
		}
		if scheme == "ipfs" {
			return f.viaGateways(ctx, norm, f.ipfs, "/ipfs/"+id+p, w)
		}
		return f.viaGateways(ctx, norm, f.ar, "/"+id+p, w)
	default: // http, https
		res, _, err := f.get(ctx, norm, f.cfg.AllowHTTP, 0, w)
		return res, err
	}
}

func (f *Fetcher) fetchData(norm string, w io.Writer) (*Result, error) {
	mime, body, err := parseDataURI(norm, f.cfg.MaxBytes)
	if err != nil {
		return nil, err
	}
	res := &Result{Body: body, MIME: mime, URL: norm, Size: int64(len(body))}
	if w != nil {
		if _, err := w.Write(body); err != nil {
			return nil, errorf(CodeFailed, "write: %w", err)
		}
		res.Body = nil
	}
	return res, nil
}

// viaGateways fetches p (unescaped, rooted) from each gateway in turn until
// one serves it. A gateway is left for the next on any failure except a
// body over MaxBytes, a failed write to w, bytes already written to w, or
// the end of ctx.
func (f *Fetcher) viaGateways(ctx context.Context, norm string, gws []gateway, p string, w io.Writer) (*Result, error) {
	var msgs []string
	var last error
	for _, gw := range gws {
		if gw.err != nil {
			last = errorf(CodeFailed, "gateway %q: %v", gw.raw, gw.err)
			msgs = append(msgs, strings.TrimPrefix(last.Error(), "fetch: "))
			continue
		}
		allowHTTP := f.cfg.AllowHTTP || gw.base.Scheme == "http"
		res, retry, err := f.get(ctx, gw.url(p), allowHTTP, f.cfg.GatewayTimeout, w)
		if err == nil {
			return res, nil
		}
		if !retry || ctx.Err() != nil {
			return nil, err
		}
		last = err
		msgs = append(msgs, strings.TrimPrefix(err.Error(), "fetch: "))
	}
	if last == nil {
		return nil, errorf(CodeFailed, "%s: no gateways configured", norm)
	}
	e := errorf(sleuth.ErrorCode(last), "%s: no gateway served it: %s", norm, strings.Join(msgs, "; "))
	e.Err = last
	return nil, e
}

// reqOpts travel in a request's context to checkRedirect.
type reqOpts struct{ allowHTTP bool }

type reqOptsKey struct{}

// get makes one GET of target and reads the body into memory (w nil) or
// into w. headerTimeout, when positive, bounds the wait for response
// headers. retry reports whether another gateway may be tried after err.
func (f *Fetcher) get(ctx context.Context, target string, allowHTTP bool, headerTimeout time.Duration, w io.Writer) (res *Result, retry bool, err error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	actx = context.WithValue(actx, reqOptsKey{}, reqOpts{allowHTTP: allowHTTP})
	req, err := http.NewRequestWithContext(actx, http.MethodGet, target, nil)
	if err != nil {
		return nil, false, errorf(CodeBadURL, "%s: %w", shorten(target), err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "*/*")

	var timer *time.Timer
	if headerTimeout > 0 {
		timer = time.AfterFunc(headerTimeout, func() { cancel(errAttemptTimeout) })
	}
	resp, err := f.client.Do(req)
	if timer != nil && !timer.Stop() && err == nil {
		// The timer fired as the headers came: the body is unreadable.
		resp.Body.Close()
		err = errAttemptTimeout
	}
	if err != nil {
		return nil, true, classify(actx, target, err)
	}
	defer resp.Body.Close()

	final := resp.Request.URL.String()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, true, errorf(CodeUpstreamStatus, "%s: status %s", shorten(final), resp.Status)
	}
	limit := f.cfg.MaxBytes
	if resp.ContentLength > limit {
		return nil, false, errorf(CodeTooLarge, "%s: Content-Length %d is over the limit of %d bytes", shorten(final), resp.ContentLength, limit)
	}
	res = &Result{MIME: resp.Header.Get("Content-Type"), URL: final}
	var buf *bytes.Buffer
	dst := &countWriter{w: w}
	if w == nil {
		buf = new(bytes.Buffer)
		if resp.ContentLength > 0 {
			buf.Grow(int(resp.ContentLength))
		}
		dst.w = buf
	}
	n, err := readBody(resp.Body, dst, limit)
	switch {
	case err == errBodyTooLarge:
		return nil, false, errorf(CodeTooLarge, "%s: body is over the limit of %d bytes", shorten(final), limit)
	case dst.err != nil:
		return nil, false, errorf(CodeFailed, "write: %w", dst.err)
	case err != nil:
		return nil, dst.n == 0 || w == nil, classify(actx, final, err)
	}
	res.Size = n
	if buf != nil {
		res.Body = buf.Bytes()
	}
	return res, false, nil
}

// checkRedirect vets each redirect before the client follows it: the count,
// the scheme, the absence of credentials and the form of the host, as
// Normalize does. Its address is vetted by the dialer like any other.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.cfg.MaxRedirects {
		return errorf(CodeTooManyRedirects, "stopped after %d redirects", f.cfg.MaxRedirects)
	}
	opts, _ := req.Context().Value(reqOptsKey{}).(reqOpts)
	u := req.URL
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http":
		if !opts.allowHTTP {
			return errorf(CodeUnsupportedScheme, "redirect to plain http refused: %s", shorten(u.String()))
		}
	default:
		return errorf(CodeUnsupportedScheme, "redirect to scheme %q refused", u.Scheme)
	}
	if u.User != nil {
		return errorf(CodeBadURL, "redirect to a URL with credentials refused")
	}
	if err := checkHost(strings.ToLower(u.Hostname())); err != nil {
		e := errorf(CodeBadURL, "redirect refused: %s", strings.TrimPrefix(err.Error(), "fetch: "))
		e.Err = err
		return e
	}
	return nil
}

var errBodyTooLarge = fmt.Errorf("body too large")

// readBody copies at most limit bytes of r to w, then reads one byte more
// to tell a body of exactly limit bytes from a longer one: it never reads
// more than limit+1 bytes.
func readBody(r io.Reader, w io.Writer, limit int64) (int64, error) {
	n, err := io.CopyN(w, r, limit)
	if err == io.EOF {
		return n, nil
	}
	if err != nil {
		return n, err
	}
	var one [1]byte
	switch m, err := io.ReadFull(r, one[:]); {
	case m > 0:
		return n, errBodyTooLarge
	case err == io.EOF:
		return n, nil
	default:
		return n, err
	}
}

// countWriter counts the bytes written through it and remembers a failed
// write, so that a write error is not mistaken for a read error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}
