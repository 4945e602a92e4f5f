package phishing

import (
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Limits of extraction.
const (
	// MaxFieldBytes is how much of one field's text is scanned; the rest is
	// ignored.
	MaxFieldBytes = 64 << 10
	// MaxLinks is the most links taken from one field.
	MaxLinks = 100
)

// Link is a URL or a bare domain found in a field.
type Link struct {
	// Text is the link as written (trimmed of surrounding punctuation).
	Text string `json:"link"`
	// Domain is its host as a browser would ask for it: lower case,
	// punycode (IDNA) for Unicode labels, no port, no trailing dot.
	Domain string `json:"domain"`
}

// webSchemes are the URL schemes whose host is a web site. Others (ipfs,
// ar, data, ...) name content, not a domain.
var webSchemes = map[string]bool{"http": true, "https": true, "ws": true, "wss": true, "ftp": true}

// Extract returns the links in text, in order, each domain once: URLs with
// a web scheme (http, https, ws, wss, ftp; any host, IP addresses too), and
// bare domain names ("claim at evil.xyz/now", "www.x.io") whose top-level
// label is a public suffix under ICANN (so "image.png" or "v1.2" are not
// domains). E-mail addresses are not links. Only the first MaxFieldBytes of
// text are read and at most MaxLinks links returned.
func Extract(text string) []Link {
	if len(text) > MaxFieldBytes {
		// Do not cut a character in half.
		cut := MaxFieldBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	var out []Link
	seen := map[string]bool{}
	add := func(l Link) {
		if l.Domain == "" || seen[l.Domain] || len(out) >= MaxLinks {
			return
		}
		seen[l.Domain] = true
		out = append(out, l)
	}
	for _, tok := range strings.FieldsFunc(text, isDelimiter) {
		if len(out) >= MaxLinks {
			break
		}
		if i := strings.Index(tok, "://"); i >= 0 {
			s := i
			for s > 0 && isLetter(tok[s-1]) {
				s--
			}
			scheme := strings.ToLower(tok[s:i])
			if !webSchemes[scheme] {
				continue
			}
			u := trimPunct(tok[s:])
			if len(u) < len(scheme)+3 {
				continue
			}
			if host := urlHost(u[len(scheme)+3:]); host != "" {
				add(Link{Text: u, Domain: host})
			}
			continue
		}
		for _, piece := range strings.Split(tok, ":") {
			piece = trimPunct(piece)
			if piece == "" || strings.ContainsRune(piece, '@') {
				continue
			}
			host := piece
			if j := strings.IndexAny(host, "/?#"); j >= 0 {
				host = host[:j]
			}
			if d, ok := bareDomain(host); ok {
				add(Link{Text: piece, Domain: d})
			}
		}
	}
	return out
}

// isDelimiter separates tokens: white space, quotes, brackets and the
// punctuation that surrounds links in prose, Markdown and HTML.
func isDelimiter(r rune) bool {
	if unicode.IsSpace(r) || unicode.IsControl(r) {
		return true
	}
	switch r {
	case '"', '\'', '`', '<', '>', '(', ')', '[', ']', '{', '}', '|', ',', ';', '\\', '^',
		'«', '»', '“', '”', '‘', '’', '，', '、', '。':
		return true
	}
	return false
}

// isLetter: the web schemes are letters only, so a scheme is read back
// from "://" over ASCII letters ("here:https://x" has scheme "https").
func isLetter(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// trimPunct removes punctuation that ends a sentence or wraps a link.
func trimPunct(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return strings.ContainsRune(".,:;!?*~_=+-", r) || unicode.Is(unicode.Po, r) && r != '/' && r != '#' && r != '%' && r != '&' && r != '@'
	})
}

// urlHost returns the normalised host of what follows "scheme://", or "".
func urlHost(rest string) string {
	auth := rest
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	if j := strings.LastIndexByte(auth, '@'); j >= 0 {
		auth = auth[j+1:]
	}
	host := auth
	if strings.HasPrefix(host, "[") {
		// An IPv6 literal.
		if j := strings.IndexByte(host, ']'); j > 0 {
			return strings.ToLower(host[1:j])
		}
		return ""
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if j := strings.LastIndexByte(host, ':'); j >= 0 && allDigits(host[j+1:]) {
		host = host[:j]
	}
	if u, err := url.PathUnescape(host); err == nil {
		host = u
	}
	return normalizeHost(host)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normalizeHost lowers the case, removes a trailing dot and converts
// Unicode labels to punycode as browsers do (UTS 46). A host IDNA refuses
// is kept lower-cased as it is, so that it can still be checked.
func normalizeHost(host string) string {
	host = strings.TrimSuffix(strings.TrimSpace(host), ".")
	if host == "" || len(host) > 1024 {
		return ""
	}
	if a, err := idna.Lookup.ToASCII(host); err == nil && a != "" {
		return strings.TrimSuffix(a, ".")
	}
	return strings.ToLower(host)
}

// bareDomain says whether s, a token without a scheme, is a domain name:
// two or more labels of letters, digits and hyphens (Unicode letters
// allowed), and a top-level label that is an ICANN public suffix. It
// returns the normalised name.
func bareDomain(s string) (string, bool) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	if !strings.Contains(s, ".") || len(s) > 253*4 {
		return "", false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63*4 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || unicode.Is(unicode.Mn, r)) {
				return "", false
			}
		}
	}
	d := normalizeHost(s)
	if d == "" || !isASCII(d) {
		return "", false
	}
	suffix, icann := publicsuffix.PublicSuffix(d)
	if !icann || suffix == d || !strings.HasSuffix(d, "."+suffix) {
		return "", false
	}
	// A top-level label of digits is a version number or an address, not
	// a domain.
	if tld := labels[len(labels)-1]; allDigits(tld) {
		return "", false
	}
	return d, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
