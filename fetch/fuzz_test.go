package fetch

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		cidV0, cidV1 + "/a/b.png", "ipfs://" + cidV1 + "/x%20y?z#w", "ipfs://ipfs/" + cidV0,
		"/ipfs/" + cidV0 + "/../1", "https://ipfs.io/ipfs/" + cidV1, "https://" + cidV1 + ".ipfs.dweb.link/p",
		"ar://" + arID + "/p", "https://Example.com:443/a b?q#f", "http://[::1]:80/", "http://user@h/",
		"data:image/png;base64,AAAA", "data:,x", "file:///etc/passwd", "javascript:alert(1)",
		"f01701220" + strings.Repeat("ab", 32), "http://0177.0.0.1/", "http://h/%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := Normalize(s)
		if err != nil {
			switch code := sleuth.ErrorCode(err); code {
			case CodeBadURL, CodeUnsupportedScheme:
			default:
				t.Fatalf("Normalize(%q): code %s", s, code)
			}
			return
		}
		again, err := Normalize(norm)
		if err != nil || again != norm {
			t.Fatalf("Normalize(%q) = %q, but Normalize of that = %q, %v", s, norm, again, err)
		}
		scheme, _, _ := strings.Cut(norm, ":")
		switch scheme {
		case "ipfs", "ar":
			// The canonical form has no query, fragment, dot segment or
			// trailing slash, and its path unescapes.
			if strings.ContainsAny(norm, "?# ") || strings.HasSuffix(norm, "/") ||
				strings.Contains(norm, "/./") || strings.Contains(norm, "/../") {
				t.Fatalf("Normalize(%q) = %q: not canonical", s, norm)
			}
			if _, err := url.PathUnescape(norm); err != nil {
				t.Fatalf("Normalize(%q) = %q: %v", s, norm, err)
			}
		case "http", "https":
			u, err := url.Parse(norm)
			if err != nil || u.User != nil || u.Host == "" || u.Fragment != "" {
				t.Fatalf("Normalize(%q) = %q: bad http URL (%v)", s, norm, err)
			}
		case "data":
		default:
			t.Fatalf("Normalize(%q) = %q: unexpected scheme", s, norm)
		}
	})
}

func FuzzDataURI(f *testing.F) {
	for _, s := range []string{
		"data:,Hello%2C%20World%21", "data:text/plain;charset=utf-8,caf%C3%A9",
		"data:image/png;base64,iVBORw0KGgo=", "data:;base64,aGk", "data:image/png;base64,a%3D%3D",
		"data:image/png ;BASE64, aG k=\n", "data:x/y;a;b;base64;base64,", "data:,%", "data:a,b",
	} {
		f.Add(s, int64(64))
	}
	f.Fuzz(func(t *testing.T, s string, limit int64) {
		limit = max(limit, 0) % (1 << 20)
		mime, body, err := parseDataURI(s, limit)
		if err != nil {
			switch code := sleuth.ErrorCode(err); code {
			case CodeBadURL, CodeTooLarge:
			default:
				t.Fatalf("parseDataURI(%q): code %s", s, code)
			}
			return
		}
		if int64(len(body)) > limit {
			t.Fatalf("parseDataURI(%q, %d): %d bytes", s, limit, len(body))
		}
		if _, err := Normalize(s); err != nil {
			t.Fatalf("parseDataURI(%q) succeeds but Normalize fails: %v", s, err)
		}
		// The media type and bytes make a data: URI that gives them back,
		// base64 or percent-encoded.
		for _, uri := range []string{
			"data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(body),
			"data:" + mime + "," + percentEncode(body),
		} {
			mime2, body2, err := parseDataURI(uri, limit)
			if err != nil || mime2 != mime || !bytes.Equal(body2, body) {
				t.Fatalf("parseDataURI(%q) = %q, %q; re-encoded as %q it gives %q, %q, %v", s, mime, body, uri, mime2, body2, err)
			}
		}
	})
}

func percentEncode(p []byte) string {
	var b strings.Builder
	for _, c := range p {
		if c > ' ' && c < 0x7f && c != '%' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}
