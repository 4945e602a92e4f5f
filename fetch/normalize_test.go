package fetch

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

const (
	cidV0    = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
	cidV1    = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	cidV1Raw = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	arID     = "bNbA3TEQVL60xlgCcqdz4ZPHFZ711cZ3hmkpGttDt_U"
)

// encodeBaseN is decodeBaseN's inverse, for building test CIDs.
func encodeBaseN(raw []byte, alphabet string) string {
	zeros := 0
	for zeros < len(raw) && raw[zeros] == 0 {
		zeros++
	}
	var digits []byte // little-endian, base len(alphabet)
	for _, b := range raw[zeros:] {
		carry := int(b)
		for j := range digits {
			carry += int(digits[j]) << 8
			digits[j] = byte(carry % len(alphabet))
			carry /= len(alphabet)
		}
		for carry > 0 {
			digits = append(digits, byte(carry%len(alphabet)))
			carry /= len(alphabet)
		}
	}
	out := strings.Repeat(alphabet[:1], zeros)
	for i := len(digits) - 1; i >= 0; i-- {
		out += alphabet[digits[i] : digits[i]+1]
	}
	return out
}

func TestNormalize(t *testing.T) {
	raw, err := b32.DecodeString(cidV1[1:])
	if err != nil {
		t.Fatal(err)
	}
	v1Base58 := "z" + encodeBaseN(raw, alphaBase58)
	v1Base36 := "k" + encodeBaseN(raw, alphaBase36)
	v1Base16 := "f" + hex.EncodeToString(raw)
	v1Upper := "B" + strings.ToUpper(cidV1[1:])

	ok := []struct{ in, want string }{
		// IPFS, every spelling.
		{cidV0, "ipfs://" + cidV0},
		{cidV1, "ipfs://" + cidV1},
		{cidV1Raw, "ipfs://" + cidV1Raw},
		{cidV0 + "/1.png", "ipfs://" + cidV0 + "/1.png"},
		{cidV1 + "/dir/1.png", "ipfs://" + cidV1 + "/dir/1.png"},
		{"ipfs://" + cidV0, "ipfs://" + cidV0},
		{"ipfs://" + cidV0 + "/", "ipfs://" + cidV0},
		{"IPFS://" + cidV0 + "/a/b.gif", "ipfs://" + cidV0 + "/a/b.gif"},
		{"ipfs://" + cidV1 + "/metadata/42.json", "ipfs://" + cidV1 + "/metadata/42.json"},
		{"ipfs://ipfs/" + cidV1 + "/7", "ipfs://" + cidV1 + "/7"},
		{"ipfs://" + cidV1 + "/a%20b.png", "ipfs://" + cidV1 + "/a%20b.png"},
		{"ipfs://" + cidV1 + "/a b.png", "ipfs://" + cidV1 + "/a%20b.png"},
		{"ipfs://" + cidV1 + "/a/./b/../c.png", "ipfs://" + cidV1 + "/a/c.png"},
		{"ipfs://" + cidV1 + "/../../etc/passwd", "ipfs://" + cidV1 + "/etc/passwd"},
		{"ipfs://" + cidV1 + "//x//y/", "ipfs://" + cidV1 + "/x/y"},
		{"ipfs://" + cidV1 + "/x.png?filename=x.png#frag", "ipfs://" + cidV1 + "/x.png"},
		{"/ipfs/" + cidV0 + "/1.png", "ipfs://" + cidV0 + "/1.png"},
		{"ipfs/" + cidV0, "ipfs://" + cidV0},
		{"https://ipfs.io/ipfs/" + cidV0 + "/1.png", "ipfs://" + cidV0 + "/1.png"},
		{"https://gateway.pinata.cloud/ipfs/" + cidV1, "ipfs://" + cidV1},
		{"http://127.0.0.1:8080/ipfs/" + cidV1 + "/a%2Fb?format=raw", "ipfs://" + cidV1 + "/a/b"},
		{"https://x.example/ipfs/" + cidV1 + "/../" + cidV0 + "/y", "ipfs://" + cidV0 + "/y"},
		{"https://" + cidV1 + ".ipfs.dweb.link/1.png", "ipfs://" + cidV1 + "/1.png"},
		{"https://" + cidV1 + ".ipfs.w3s.link", "ipfs://" + cidV1},
		{"  ipfs://" + cidV0 + "\n", "ipfs://" + cidV0},
		// Other multibases of a CIDv1 become base32.
		{"ipfs://" + v1Base58, "ipfs://" + cidV1},
		{"ipfs://" + v1Base36 + "/x", "ipfs://" + cidV1 + "/x"},
		{"ipfs://" + v1Base16, "ipfs://" + cidV1},
		{"ipfs://" + v1Upper, "ipfs://" + cidV1},
		{"https://" + v1Base36 + ".ipfs.dweb.link/", "ipfs://" + cidV1},
		// Arweave.
		{"ar://" + arID, "ar://" + arID},
		{"AR://" + arID + "/img/1.png?x#y", "ar://" + arID + "/img/1.png"},
		// http(s).
		{"https://example.com/a.png", "https://example.com/a.png"},
		{"HTTPS://Example.COM:443/A.png?Q=1#frag", "https://example.com/A.png?Q=1"},
		{"http://example.com:80/", "http://example.com/"},
		{"http://example.com:8080/x", "http://example.com:8080/x"},
		{"https://example.com/a b", "https://example.com/a%20b"},
		{"https://example.com/ipfs/notacid", "https://example.com/ipfs/notacid"},
		{"https://1.2.3.4/x", "https://1.2.3.4/x"},
		{"https://[2001:4860::8888]:443/x", "https://[2001:4860::8888]/x"},
		{"http://[::ffff:127.0.0.1]/", "http://[::ffff:127.0.0.1]/"}, // refused at fetch, not here
		{"https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"},
		// data: URIs are kept.
		{"data:,hello", "data:,hello"},
		{"DATA:image/png;base64,iVBORw0K", "data:image/png;base64,iVBORw0K"},
	}
	for _, tc := range ok {
		got, err := Normalize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Errorf("Normalize(%q) = %q, %v; not idempotent", got, again, err)
		}
	}

	bad := []struct{ in, code string }{
		{"", CodeBadURL},
		{"   ", CodeBadURL},
		{"hello", CodeBadURL},
		{"/etc/passwd", CodeBadURL},
		{"./x.png", CodeBadURL},
		{"//example.com/x", CodeBadURL},
		{"Qmshort", CodeBadURL},
		{cidV0[:45] + "0", CodeBadURL},     // '0' is not base58
		{cidV1[:len(cidV1)-1], CodeBadURL}, // truncated digest
		{"bafy" + strings.Repeat("a", 600), CodeBadURL},
		{"ipfs://", CodeBadURL},
		{"ipfs:" + cidV0, CodeBadURL},
		{"ipfs://notacid/x", CodeBadURL},
		{"ipfs://" + cidV1 + "/%zz", CodeBadURL},
		{"ar://short", CodeBadURL},
		{"ar://" + arID[:42] + "!", CodeBadURL},
		{"https://", CodeBadURL},
		{"https:///x", CodeBadURL},
		{"https:example.com", CodeBadURL},
		{"https://user:pass@example.com/", CodeBadURL},
		{"https://user@example.com/", CodeBadURL},
		{"https://example.com:0/", CodeBadURL},
		{"https://example.com:99999/", CodeBadURL},
		{"https://exa mple.com/", CodeBadURL},
		{"https://bücher.example/", CodeBadURL},
		{"http://2130706433/", CodeBadURL},
		{"http://0177.0.0.1/", CodeBadURL},
		{"http://127.1/", CodeBadURL},
		{"http://[fe80::1%25eth0]/", CodeBadURL},
		{"data:nocomma", CodeBadURL},
		{"data:text,x", CodeBadURL},
		{"file:///etc/passwd", CodeUnsupportedScheme},
		{"FILE:///etc/passwd", CodeUnsupportedScheme},
		{"ftp://example.com/x", CodeUnsupportedScheme},
		{"gopher://example.com/", CodeUnsupportedScheme},
		{"javascript:alert(1)", CodeUnsupportedScheme},
		{"unix:///var/run/docker.sock", CodeUnsupportedScheme},
		{"ipns://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8/x", CodeUnsupportedScheme},
		{"localhost:8080/x", CodeUnsupportedScheme},
	}
	for _, tc := range bad {
		got, err := Normalize(tc.in)
		if err == nil {
			t.Errorf("Normalize(%q) = %q, want error %s", tc.in, got, tc.code)
			continue
		}
		if code := sleuth.ErrorCode(err); code != tc.code {
			t.Errorf("Normalize(%q): code %s (%v), want %s", tc.in, code, err, tc.code)
		}
	}
}

func TestCanonicalCIDRejectsMixedCaseUpper(t *testing.T) {
	// "B" + upper case is base32 upper; any lower-case letter spoils it.
	s := "B" + strings.ToUpper(cidV1[1:len(cidV1)-1]) + "i"
	if _, err := canonicalCID(s); err == nil {
		t.Errorf("canonicalCID(%q) succeeded", s)
	}
}
