package phishing

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		text string
		want []Link
	}{
		{"", nil},
		{"A calm sea at dawn, oil on canvas.", nil},
		{"https://opensea.io/collection/x", []Link{{"https://opensea.io/collection/x", "opensea.io"}}},
		{"Claim at HTTPS://Free-Azuki.COM:8443/claim?x=1.", []Link{{"HTTPS://Free-Azuki.COM:8443/claim?x=1", "free-azuki.com"}}},
		{"visit free-azuki.com now!", []Link{{"free-azuki.com", "free-azuki.com"}}},
		{"visit www.free-azuki.com/mint, then moonbirds.tv.", []Link{{"www.free-azuki.com/mint", "www.free-azuki.com"}, {"moonbirds.tv", "moonbirds.tv"}}},
		{"[claim](https://evil.xyz/a) and <a href=\"http://b.evil.xyz\">x</a>", []Link{{"https://evil.xyz/a", "evil.xyz"}, {"http://b.evil.xyz", "b.evil.xyz"}}},
		{"here:https://x.io", []Link{{"https://x.io", "x.io"}}},
		{"https://user:pw@evil.com:80/p", []Link{{"https://user:pw@evil.com:80/p", "evil.com"}}},
		{"http://127.0.0.1:8080/x", []Link{{"http://127.0.0.1:8080/x", "127.0.0.1"}}},
		{"https://myetherwallèt.com/", []Link{{"https://myetherwallèt.com/", "xn--myetherwallt-7db.com"}}},
		{"mint at myetherwallèt.com", []Link{{"myetherwallèt.com", "xn--myetherwallt-7db.com"}}},
		// Same domain twice: once.
		{"evil.com and https://evil.com/x", []Link{{"evil.com", "evil.com"}}},
		// Not domains: file names, versions, e-mail, content URLs.
		{"image.png v1.2 3.14 readme.txt me@mail.com ipfs://bafy/1.png ar://abc data:text/plain;base64,ZXZpbA==", nil},
		{"contract 0x1234.abcd and file.jpeg", nil},
		{"...https://", nil},
		{"https://", nil},
		{"evil.com.", []Link{{"evil.com", "evil.com"}}},
		{"sub.evil.co.uk/path", []Link{{"sub.evil.co.uk/path", "sub.evil.co.uk"}}},
		{"co.uk", nil}, // a public suffix alone is not a site
		{"x.xn--p1ai", []Link{{"x.xn--p1ai", "x.xn--p1ai"}}},
	}
	for _, tc := range tests {
		got := Extract(tc.text)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Extract(%q)\n got %q\nwant %q", tc.text, got, tc.want)
		}
	}
}

func TestExtractLimits(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 2*MaxFieldBytes; i++ {
		b.WriteString("site")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(".com é ")
	}
	links := Extract(b.String())
	if len(links) != MaxLinks {
		t.Errorf("%d links, want the cap %d", len(links), MaxLinks)
	}
	// A field cut at the limit inside a character is still read.
	text := strings.Repeat("é", MaxFieldBytes) + " evil.com"
	if got := Extract(text); len(got) != 0 {
		t.Errorf("a link past MaxFieldBytes was read: %v", got)
	}
}

// FuzzExtract: any text gives links whose domains are normalised (lower
// case, no port or trailing dot, no white space), at most MaxLinks, each
// domain once, each link taken from the text.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{"https://evil.com/x", "claim at free-azuki.com!", "http://[::1]:80/", "a.b.c.d.e",
		"https://xn--metamsk-en4c.io", "myetherwallèt.com", "x://y", "https://@:", "http://%zz/", "www.", ":::", "https://a.b:99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		links := Extract(s)
		if len(links) > MaxLinks {
			t.Fatalf("%d links", len(links))
		}
		seen := map[string]bool{}
		for _, l := range links {
			if l.Domain == "" || seen[l.Domain] {
				t.Fatalf("empty or repeated domain in %q", links)
			}
			seen[l.Domain] = true
			if strings.HasSuffix(l.Domain, ".") || strings.ContainsAny(l.Domain, " \t\n/") {
				t.Fatalf("domain %q not normalised", l.Domain)
			}
			if utf8.ValidString(s) && !strings.Contains(s, l.Text) {
				t.Fatalf("link %q is not in the text", l.Text)
			}
		}
	})
}
