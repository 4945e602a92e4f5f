package fetch

import (
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Normalize returns the canonical form of a media URL, the form Fetch
// fetches and the form to store and compare:
//
//   - IPFS content, however written, becomes "ipfs://CID[/path]": the forms
//     ipfs://CID/path, ipfs://ipfs/CID/path (a common mistake in NFT
//     metadata), /ipfs/CID/path, ipfs/CID/path, a bare CID[/path] (CIDv0
//     "Qm…" or CIDv1 "b…"), a path gateway URL http(s)://host/ipfs/CID/path
//     and a subdomain gateway URL http(s)://CID.ipfs.host/path. A CIDv1 is
//     rewritten in base32 lower case; a CIDv0 is kept. The path is
//     unescaped, cleaned of "." and ".." (never above the CID), escaped
//     again and has no trailing slash; the query and fragment are dropped.
//   - ar://ID[/path], ID an Arweave transaction ID (43 characters of
//     base64url), with the path handled as for IPFS.
//   - http:// and https:// URLs keep their path and query; the scheme and
//     host are lower-cased, a default port and the fragment are dropped. A
//     URL with credentials (user:pass@) is refused.
//   - data: URIs are kept as they are, scheme lower-cased, once their header
//     parses.
//
// Leading and trailing white space is ignored. Any other scheme (file, ftp,
// gopher, javascript, unix, ipns...) fails with CodeUnsupportedScheme; a
// malformed URL with CodeBadURL. Normalize does no I/O and allows any host:
// addresses are checked when a fetch connects.
func Normalize(rawURL string) (string, error) {
	s := strings.TrimSpace(rawURL)
	if s == "" {
		return "", errorf(CodeBadURL, "empty URL")
	}
	scheme, rest, ok := splitScheme(s)
	if !ok {
		if p, ok := strings.CutPrefix(s, "/ipfs/"); ok {
			return normalizeIPFS(p, true)
		}
		if p, ok := strings.CutPrefix(s, "ipfs/"); ok {
			return normalizeIPFS(p, true)
		}
		norm, err := normalizeIPFS(s, true)
		if err != nil {
			return "", errorf(CodeBadURL, "%q is neither a URL nor a CID", shorten(s))
		}
		return norm, nil
	}
	switch scheme {
	case "ipfs":
		rest, ok = strings.CutPrefix(rest, "//")
		if !ok {
			return "", errorf(CodeBadURL, "%q: want ipfs://CID[/path]", shorten(s))
		}
		return normalizeIPFS(strings.TrimPrefix(rest, "ipfs/"), true)
	case "ar":
		rest, ok = strings.CutPrefix(rest, "//")
		if !ok {
			return "", errorf(CodeBadURL, "%q: want ar://ID[/path]", shorten(s))
		}
		return normalizeAr(rest)
	case "http", "https":
		return normalizeHTTP(s)
	case "data":
		if _, _, _, err := parseDataHeader(rest); err != nil {
			return "", err
		}
		return "data:" + rest, nil
	default:
		return "", errorf(CodeUnsupportedScheme, "scheme %q is not supported (https, http, ipfs, ar and data are)", shorten(scheme))
	}
}

// splitScheme splits "scheme:rest" when s starts with an RFC 3986 scheme,
// returning the scheme in lower case.
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9', c == '+', c == '-', c == '.':
			if i == 0 {
				return "", "", false
			}
		case c == ':' && i > 0:
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// normalizeIPFS normalizes "CID[/path][?query][#fragment]"; escaped says
// whether the path is still percent-encoded.
func normalizeIPFS(s string, escaped bool) (string, error) {
	if escaped {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
	}
	id, p, _ := strings.Cut(s, "/")
	cid, err := canonicalCID(id)
	if err != nil {
		return "", errorf(CodeBadURL, "%q: %v", shorten(id), err)
	}
	p, err = cleanPath(p, escaped)
	if err != nil {
		return "", err
	}
	return "ipfs://" + cid + p, nil
}

// normalizeAr normalizes "ID[/path][?query][#fragment]".
func normalizeAr(s string) (string, error) {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	id, p, _ := strings.Cut(s, "/")
	if !isArweaveID(id) {
		return "", errorf(CodeBadURL, "%q: not an Arweave transaction ID (43 characters of base64url)", shorten(id))
	}
	p, err := cleanPath(p, true)
	if err != nil {
		return "", err
	}
	return "ar://" + id + p, nil
}

func isArweaveID(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// cleanPath returns p (the part after "ID/", escaped or not) unescaped,
// cleaned and escaped again, starting with '/', or "" when nothing is left.
func cleanPath(p string, escaped bool) (string, error) {
	if escaped {
		var err error
		if p, err = url.PathUnescape(p); err != nil {
			return "", errorf(CodeBadURL, "bad escape in path %q", shorten(p))
		}
	}
	p = path.Clean("/" + p)
	if p == "/" {
		return "", nil
	}
	return (&url.URL{Path: p}).EscapedPath(), nil
}

// normalizeHTTP normalizes an http or https URL, turning IPFS gateway URLs
// into ipfs:// ones.
func normalizeHTTP(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", errorf(CodeBadURL, "%v", shortenErr(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Opaque != "":
		return "", errorf(CodeBadURL, "%q: want %s://host/path", shorten(s), u.Scheme)
	case u.User != nil:
		return "", errorf(CodeBadURL, "%q: credentials in URLs are not allowed", shorten(u.Redacted()))
	}
	host := strings.ToLower(u.Hostname())
	if err := checkHost(host); err != nil {
		return "", err
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", errorf(CodeBadURL, "bad port %q", shorten(port))
		}
		port = strconv.Itoa(n)
		if u.Scheme == "http" && n == 80 || u.Scheme == "https" && n == 443 {
			port = ""
		}
		host = joinHostPort(host, port)
	} else {
		host = joinHostPort(host, "")
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""

	// Path gateway: /ipfs/CID/path, dot segments resolved first.
	if p := path.Clean("/" + u.Path); strings.HasPrefix(p, "/ipfs/") {
		if norm, err := normalizeIPFS(p[len("/ipfs/"):], false); err == nil {
			return norm, nil
		}
	}
	// Subdomain gateway: CID.ipfs.domain/path.
	if label, domain, ok := strings.Cut(u.Hostname(), "."); ok && strings.HasPrefix(domain, "ipfs.") {
		if cid, err := canonicalCID(label); err == nil {
			return normalizeIPFS(cid+"/"+u.Path, false)
		}
	}
	return u.String(), nil
}

// checkHost accepts a DNS name written in ASCII (letters, digits, '-', '_'
// and '.'; an internationalized name must come in its xn-- form) or an IP
// address without a zone.
func checkHost(host string) error {
	if host == "" {
		return errorf(CodeBadURL, "URL has no host")
	}
	if strings.Contains(host, ":") || strings.Trim(host, "0123456789.") == "" {
		ip, err := netip.ParseAddr(host)
		switch {
		case err == nil && ip.Zone() != "":
			return errorf(CodeBadURL, "host %q: IPv6 zones are not allowed", shorten(host))
		case err == nil:
			return nil
		case strings.Contains(host, ":"):
			return errorf(CodeBadURL, "bad IPv6 address %q", shorten(host))
		}
		// All digits and dots but no IPv4 address, such as 2130706433 or
		// 0177.0.0.1: a trick to reach an address past a naive check.
		return errorf(CodeBadURL, "host %q is not a valid IPv4 address", shorten(host))
	}
	if len(host) > 253 {
		return errorf(CodeBadURL, "host name too long")
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return errorf(CodeBadURL, "host %q: invalid character %q", shorten(host), c)
		}
	}
	return nil
}

// joinHostPort is net.JoinHostPort, with the port left out when empty.
func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" {
		return host
	}
	return host + ":" + port
}

// shortenErr keeps a url.Error from quoting a huge URL in full.
func shortenErr(err error) error {
	if ue, ok := err.(*url.Error); ok {
		ue.URL = shorten(ue.URL)
	}
	return err
}
