package cid

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// ErrInvalid is the error every Parse failure matches with errors.Is. Like
// every *sleuth.Error it compares by code (sleuth.fingerprint.invalid).
var ErrInvalid = &sleuth.Error{Code: sleuth.CodeInvalidFingerprint, Message: "invalid Nid"}

// Info is what a CIDv1 string says.
type Info struct {
	Version  int    // CID version; always 1
	Codec    uint64 // multicodec of the block: 0x55 raw, 0x70 dag-pb, ...
	HashCode uint64 // multihash function code: 0x12 for sha2-256
	Digest   []byte // multihash digest
}

// String returns the CID in multibase base32 lower case ("b…"), the form
// Parse accepts: Parse(s) followed by String gives s back.
func (i Info) String() string {
	buf := binary.AppendUvarint(nil, uint64(i.Version))
	buf = binary.AppendUvarint(buf, i.Codec)
	buf = binary.AppendUvarint(buf, i.HashCode)
	buf = binary.AppendUvarint(buf, uint64(len(i.Digest)))
	buf = append(buf, i.Digest...)
	return string(prefixB32) + b32.EncodeToString(buf)
}

// Parse validates a CIDv1 written in multibase base32 lower case, as Nids
// are, and returns its parts. Only the canonical form is accepted: prefix
// 'b', lower case, no padding, zero trailing bits, minimal varints, and no
// bytes after the digest; a sha2-256 digest must be 32 bytes long.
//
// Every error is a *sleuth.Error with code sleuth.fingerprint.invalid and
// matches ErrInvalid.
func Parse(s string) (Info, error) {
	switch {
	case s == "":
		return Info{}, invalid(s, "empty string")
	case len(s) == 46 && strings.HasPrefix(s, "Qm"):
		return Info{}, invalid(s, "a CIDv0 (base58btc \"Qm…\"), want a CIDv1 in base32 (\"b…\")")
	case s[0] != prefixB32:
		return Info{}, invalid(s, "multibase prefix %q, want 'b' (base32 lower case)", s[0])
	}
	raw, err := b32.DecodeString(s[1:])
	if err != nil {
		return Info{}, invalid(s, "bad base32: %w", err)
	}
	// The decoder skips newlines and ignores trailing bits: insist on the
	// one canonical spelling so that equal CIDs have equal strings.
	if b32.EncodeToString(raw) != s[1:] {
		return Info{}, invalid(s, "non-canonical base32")
	}

	r := bytes.NewReader(raw)
	version, err := readUvarint(r, "version")
	if err != nil {
		return Info{}, invalid(s, "%w", err)
	}
	if version != 1 {
		return Info{}, invalid(s, "unsupported CID version %d, want 1", version)
	}
	info := Info{Version: 1}
	if info.Codec, err = readUvarint(r, "codec"); err != nil {
		return Info{}, invalid(s, "%w", err)
	}
	if info.HashCode, err = readUvarint(r, "multihash code"); err != nil {
		return Info{}, invalid(s, "%w", err)
	}
	n, err := readUvarint(r, "digest length")
	if err != nil {
		return Info{}, invalid(s, "%w", err)
	}
	switch left := uint64(r.Len()); {
	case n > left:
		return Info{}, invalid(s, "truncated digest: %d bytes, want %d", left, n)
	case n < left:
		return Info{}, invalid(s, "%d trailing bytes after the digest", left-n)
	}
	if info.HashCode == hashSHA256 && n != 32 {
		return Info{}, invalid(s, "sha2-256 digest of %d bytes, want 32", n)
	}
	info.Digest = raw[len(raw)-int(n):]
	return info, nil
}

// readUvarint reads one multiformats unsigned varint: at most 9 bytes and
// minimally encoded.
func readUvarint(r *bytes.Reader, what string) (uint64, error) {
	var v uint64
	for i := 0; ; i++ {
		c, err := r.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("truncated varint (%s)", what)
		}
		if i == 8 && c >= 0x80 {
			return 0, fmt.Errorf("varint over 9 bytes (%s)", what)
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if c == 0 && i > 0 {
				return 0, fmt.Errorf("non-minimal varint (%s)", what)
			}
			return v, nil
		}
	}
}

// invalid returns the error for a string s that does not parse; format and
// args say why, and a %w among them wraps a cause.
func invalid(s, format string, args ...any) error {
	const maxShown = 80
	if len(s) > maxShown {
		s = s[:maxShown] + "…"
	}
	return sleuth.Errorf(sleuth.CodeInvalidFingerprint, "cid: invalid Nid %q: "+format, append([]any{s}, args...)...)
}
