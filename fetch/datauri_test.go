package fetch

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

func TestParseDataURI(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	b64 := base64.StdEncoding.EncodeToString(png)
	ok := []struct {
		in, mime string
		body     []byte
	}{
		{"data:,Hello%2C%20World%21", "text/plain;charset=US-ASCII", []byte("Hello, World!")},
		{"data:,", "text/plain;charset=US-ASCII", []byte{}},
		{"data:text/plain;charset=utf-8,caf%C3%A9", "text/plain;charset=utf-8", []byte("café")},
		{"data:;charset=utf-8,x+y", "text/plain;charset=utf-8", []byte("x+y")},
		{"data:image/svg+xml,%3Csvg%3E%3C/svg%3E", "image/svg+xml", []byte("<svg></svg>")},
		{"data:application/json;utf8,{\"a\":1}", "application/json;utf8", []byte(`{"a":1}`)},
		{"data:image/png;base64," + b64, "image/png", png},
		{"data:IMAGE/PNG;BASE64," + b64, "image/png", png},
		{"data:image/png ; base64 ," + b64, "image/png", png},
		{"data:image/png;base64," + strings.TrimRight(b64, "="), "image/png", png},
		{"data:image/png;base64," + b64[:8] + "\n " + b64[8:], "image/png", png},
		{"data:image/png;base64," + strings.ReplaceAll(b64, "=", "%3D"), "image/png", png},
		{"data:;base64,aGk=", "text/plain;charset=US-ASCII", []byte("hi")},
		{"data:;base64,aG==", "text/plain;charset=US-ASCII", []byte("h")},
	}
	for _, tc := range ok {
		mime, body, err := parseDataURI(tc.in, 1<<20)
		if err != nil || mime != tc.mime || !bytes.Equal(body, tc.body) {
			t.Errorf("parseDataURI(%q) = %q, %q, %v; want %q, %q", tc.in, mime, body, err, tc.mime, tc.body)
		}
	}

	bad := []struct{ in, code string }{
		{"data:image/png;base64,!!!!", CodeBadURL},
		{"data:image/png;base64,aGk=aGk=", CodeBadURL},
		{"data:image/png;base64,a", CodeBadURL},      // length 1 mod 4
		{"data:image/png;base64,aGk===", CodeBadURL}, // too much padding
		{"data:,100%", CodeBadURL},
		{"data:text/plain;base64;base64,aGk", CodeBadURL},
		{"data:text/plain;base64;charset=utf-8,aGk", CodeBadURL},
		{"data:,%zz", CodeBadURL},
		{"data:image/png;base64,%4", CodeBadURL},
		{"data:png,x", CodeBadURL},
		{"data:image/,x", CodeBadURL},
		{"data:im age/png,x", CodeBadURL},
		{"data:image/png;a\x01b,x", CodeBadURL},
		{"data:" + strings.Repeat("a", 2000) + ",x", CodeBadURL},
		{"data:image/png;base64", CodeBadURL},
		{"https://example.com/", CodeBadURL},
	}
	for _, tc := range bad {
		mime, body, err := parseDataURI(tc.in, 1<<20)
		if err == nil {
			t.Errorf("parseDataURI(%q) = %q, %q; want error %s", tc.in, mime, body, tc.code)
		} else if code := sleuth.ErrorCode(err); code != tc.code {
			t.Errorf("parseDataURI(%q): code %s (%v), want %s", tc.in, code, err, tc.code)
		}
	}
}

func TestDataURITooLarge(t *testing.T) {
	const limit = 1000
	body := bytes.Repeat([]byte{0xAB}, limit)
	b64 := base64.StdEncoding.EncodeToString(body)
	pct := strings.Repeat("%AB", limit)

	for _, tc := range []struct {
		name string
		uri  string
		ok   bool
	}{
		{"base64 at limit", "data:application/octet-stream;base64," + b64, true},
		{"base64 one over", "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(append(body, 1)), false},
		{"base64 far over", "data:application/octet-stream;base64," + strings.Repeat(b64, 1000), false},
		{"percent at limit", "data:," + pct, true},
		{"percent one over", "data:," + pct + "x", false},
		{"plain far over", "data:," + strings.Repeat("x", 100*limit), false},
	} {
		_, got, err := parseDataURI(tc.uri, limit)
		switch {
		case tc.ok && (err != nil || len(got) != limit):
			t.Errorf("%s: %d bytes, %v; want %d bytes", tc.name, len(got), err, limit)
		case !tc.ok && sleuth.ErrorCode(err) != CodeTooLarge:
			t.Errorf("%s: %d bytes, %v; want %s", tc.name, len(got), err, CodeTooLarge)
		}
	}
}

func TestFetchDataURI(t *testing.T) {
	f := New(Config{MaxBytes: 4})
	ctx := context.Background()
	res, err := f.Fetch(ctx, "data:image/gif;base64,R0lG")
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Body) != "GIF" || res.MIME != "image/gif" || res.Size != 3 {
		t.Errorf("Fetch = %+v", res)
	}
	var buf bytes.Buffer
	res, err = f.FetchTo(ctx, "data:,abcd", &buf)
	if err != nil || res.Body != nil || res.Size != 4 || buf.String() != "abcd" {
		t.Errorf("FetchTo = %+v, %v; wrote %q", res, err, buf.String())
	}
	if _, err := f.Fetch(ctx, "data:,abcde"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Fetch of 5 bytes with MaxBytes 4: %v, want too_large", err)
	}
	if _, err := f.Fetch(ctx, "data:image/png;base64,***"); !errors.Is(err, ErrBadURL) {
		t.Errorf("Fetch of bad base64: %v, want bad_url", err)
	}
}
