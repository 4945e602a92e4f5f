package fetch

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// Stable error codes of this package. Every error Fetch, FetchTo and
// Normalize return is a *sleuth.Error carrying one of them; the HTTP status
// each should map to is given beside it (see the package doc).
const (
	CodeBadURL            = "sleuth.fetch.bad_url"            // 400: malformed URL, CID, Arweave ID or data: URI; credentials in a URL
	CodeUnsupportedScheme = "sleuth.fetch.unsupported_scheme" // 422: a scheme other than https, http (when allowed), ipfs, ar, data
	CodeForbiddenAddress  = "sleuth.fetch.forbidden_address"  // 403: a private, loopback, link-local... address or a port other than 80/443
	CodeTooLarge          = "sleuth.fetch.too_large"          // 413: the body (or decoded data: URI) is over MaxBytes
	CodeTimeout           = "sleuth.fetch.timeout"            // 504: the fetch, or every gateway, took too long
	CodeUpstreamStatus    = "sleuth.fetch.upstream_status"    // 502: the server or every gateway answered with a non-2xx status
	CodeTooManyRedirects  = "sleuth.fetch.too_many_redirects" // 502: more than MaxRedirects redirects
	CodeFailed            = "sleuth.fetch.failed"             // 502: any other failure: DNS, connection, TLS, reset, write to the destination, canceled
)

// Sentinel errors for errors.Is; like every *sleuth.Error they compare by
// code only.
var (
	ErrBadURL            = &sleuth.Error{Code: CodeBadURL, Message: "bad URL"}
	ErrUnsupportedScheme = &sleuth.Error{Code: CodeUnsupportedScheme, Message: "unsupported URL scheme"}
	ErrForbiddenAddress  = &sleuth.Error{Code: CodeForbiddenAddress, Message: "forbidden address"}
	ErrTooLarge          = &sleuth.Error{Code: CodeTooLarge, Message: "response too large"}
	ErrTimeout           = &sleuth.Error{Code: CodeTimeout, Message: "fetch timed out"}
	ErrUpstreamStatus    = &sleuth.Error{Code: CodeUpstreamStatus, Message: "upstream error status"}
	ErrTooManyRedirects  = &sleuth.Error{Code: CodeTooManyRedirects, Message: "too many redirects"}
	ErrFailed            = &sleuth.Error{Code: CodeFailed, Message: "fetch failed"}
)

// Causes used to tell the two kinds of deadline apart.
var (
	errFetchTimeout   = errors.New("fetch deadline exceeded")
	errAttemptTimeout = errors.New("gateway attempt deadline exceeded")
)

// errorf returns a *sleuth.Error whose message starts with "fetch: ".
func errorf(code, format string, args ...any) *sleuth.Error {
	return sleuth.Errorf(code, "fetch: "+format, args...)
}

// shorten cuts s for use in a message, so that a huge data: URI or a long
// URL does not flood logs.
func shorten(s string) string {
	const maxShown = 120
	if len(s) > maxShown {
		return s[:maxShown] + "…"
	}
	return s
}

// classify turns an error from the HTTP client, the dialer or a body read
// into a *sleuth.Error. ctx is the context of the attempt; target names the
// URL in the message.
func classify(ctx context.Context, target string, err error) error {
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); cause {
		case errAttemptTimeout:
			return errorf(CodeTimeout, "%s: no response in time: %w", shorten(target), context.DeadlineExceeded)
		case errFetchTimeout:
			return errorf(CodeTimeout, "%s: timed out: %w", shorten(target), context.DeadlineExceeded)
		default:
			if errors.Is(cause, context.DeadlineExceeded) {
				return errorf(CodeTimeout, "%s: %w", shorten(target), cause)
			}
			return errorf(CodeFailed, "%s: %w", shorten(target), cause)
		}
	}
	var se *sleuth.Error
	if errors.As(err, &se) {
		// Keep the code of the guard's or the redirect check's error.
		e := errorf(se.Code, "%s: %s", shorten(target), strings.TrimPrefix(se.Message, "fetch: "))
		e.Err = se
		return e
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errorf(CodeTimeout, "%s: %w", shorten(target), err)
	}
	return errorf(CodeFailed, "%s: %w", shorten(target), err)
}
