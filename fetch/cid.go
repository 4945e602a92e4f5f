package fetch

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
)

// Multibase alphabets of the CID spellings Normalize accepts.
const (
	alphaBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	alphaBase32 = "abcdefghijklmnopqrstuvwxyz234567"
	alphaBase36 = "0123456789abcdefghijklmnopqrstuvwxyz"
	alphaBase16 = "0123456789abcdef"

	maxCIDLen = 512 // longer than any CID with a real hash; bounds the quadratic decoders
)

var b32 = base32.NewEncoding(alphaBase32).WithPadding(base32.NoPadding)

// canonicalCID checks that s is a CID and returns its canonical spelling: a
// CIDv0 ("Qm…", base58btc) as it is, a CIDv1 in multibase base32 lower case
// ("b…", as in "bafy…") whatever multibase it came in: b, B (base32), z
// (base58btc), k (base36) or f (base16). The bytes must be a whole CID: a
// version, a codec and a multihash whose digest has the length it declares.
func canonicalCID(s string) (string, error) {
	if len(s) < 2 || len(s) > maxCIDLen {
		return "", errors.New("not a CID: bad length")
	}
	if len(s) == 46 && strings.HasPrefix(s, "Qm") {
		raw, ok := decodeBaseN(s, alphaBase58)
		if !ok || len(raw) != 34 || raw[0] != 0x12 || raw[1] != 0x20 {
			return "", errors.New("not a CIDv0")
		}
		return s, nil
	}
	var raw []byte
	ok := false
	switch body := s[1:]; s[0] {
	case 'b':
		raw, ok = decodeBase32(body)
	case 'B':
		if body != strings.ToUpper(body) {
			break
		}
		raw, ok = decodeBase32(strings.ToLower(body))
	case 'z':
		raw, ok = decodeBaseN(body, alphaBase58)
	case 'k':
		raw, ok = decodeBaseN(body, alphaBase36)
	case 'f':
		if strings.Trim(body, alphaBase16) == "" {
			var err error
			raw, err = hex.DecodeString(body)
			ok = err == nil && len(raw) > 0
		}
	}
	if !ok {
		return "", errors.New("not a CID: unknown multibase or bad digits")
	}
	if err := checkCIDv1(raw); err != nil {
		return "", err
	}
	return "b" + b32.EncodeToString(raw), nil
}

// checkCIDv1 checks the binary form of a CIDv1.
func checkCIDv1(raw []byte) error {
	version, raw, ok := uvarint(raw)
	if !ok || version != 1 {
		return errors.New("not a CIDv1")
	}
	if _, raw, ok = uvarint(raw); !ok { // codec
		return errors.New("not a CID: bad codec")
	}
	if _, raw, ok = uvarint(raw); !ok { // multihash function
		return errors.New("not a CID: bad multihash")
	}
	n, raw, ok := uvarint(raw)
	if !ok || n != uint64(len(raw)) {
		return errors.New("not a CID: digest length does not match")
	}
	return nil
}

// uvarint reads a multiformats unsigned varint (at most 9 bytes) from the
// front of p.
func uvarint(p []byte) (v uint64, rest []byte, ok bool) {
	for i := 0; i < len(p) && i < 9; i++ {
		v |= uint64(p[i]&0x7f) << (7 * i)
		if p[i] < 0x80 {
			return v, p[i+1:], true
		}
	}
	return 0, nil, false
}

// decodeBase32 decodes unpadded RFC 4648 base32 in lower case, refusing any
// character outside the alphabet (the standard decoder skips newlines).
func decodeBase32(s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphaBase32, s[i]) < 0 {
			return nil, false
		}
	}
	raw, err := b32.DecodeString(s)
	return raw, err == nil && len(raw) > 0
}

// decodeBaseN decodes s as a big-endian number written with alphabet, each
// leading zero digit standing for one zero byte (as base58btc and the
// multibase base36 define). It is quadratic: callers bound len(s).
func decodeBaseN(s, alphabet string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	base := len(alphabet)
	zeros := 0
	for zeros < len(s) && s[zeros] == alphabet[0] {
		zeros++
	}
	var num []byte // little-endian
	for i := zeros; i < len(s); i++ {
		carry := strings.IndexByte(alphabet, s[i])
		if carry < 0 {
			return nil, false
		}
		for j := range num {
			carry += int(num[j]) * base
			num[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append(num, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(num))
	for i, b := range num {
		out[len(out)-1-i] = b
	}
	return out, true
}
