package cid

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

// b32Of returns the multibase base32 string of raw CID bytes.
func b32Of(raw ...byte) string { return "b" + b32.EncodeToString(raw) }

func digest(n int) []byte { return bytes.Repeat([]byte{0xab}, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestParseRoundTrip(t *testing.T) {
	infos := []Info{
		{Version: 1, Codec: codecRaw, HashCode: hashSHA256, Digest: digest(32)},
		{Version: 1, Codec: codecDagPB, HashCode: hashSHA256, Digest: digest(32)},
		{Version: 1, Codec: 0x71, HashCode: 0x1e, Digest: digest(32)},         // dag-cbor, blake3
		{Version: 1, Codec: 0x0129, HashCode: 0xb220, Digest: digest(32)},     // multi-byte varints
		{Version: 1, Codec: codecRaw, HashCode: 0x00, Digest: []byte{}},       // identity, empty
		{Version: 1, Codec: 1<<63 - 1, HashCode: 0x13, Digest: digest(64)},    // largest 9-byte varint
		{Version: 1, Codec: codecRaw, HashCode: 0x00, Digest: []byte("hi\n")}, // identity inline
	}
	for _, want := range infos {
		s := want.String()
		got, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%s): %v", s, err)
			continue
		}
		if got.Version != want.Version || got.Codec != want.Codec || got.HashCode != want.HashCode || !bytes.Equal(got.Digest, want.Digest) {
			t.Errorf("Parse(%s) = %+v, want %+v", s, got, want)
		}
		if again := got.String(); again != s {
			t.Errorf("String after Parse = %s, want %s", again, s)
		}
	}
	nid := Bytes([]byte(hello))
	info, err := Parse(nid)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256Sum([]byte(hello)); !bytes.Equal(info.Digest, sum) {
		t.Errorf("digest of %s = %x, want sha256 %x", nid, info.Digest, sum)
	}
}

func TestParseErrors(t *testing.T) {
	valid := Bytes([]byte(hello))
	// The last character holds two unused bits; setting one is non-canonical.
	last := strings.IndexByte("abcdefghijklmnopqrstuvwxyz234567", valid[len(valid)-1])
	nonCanonical := valid[:len(valid)-1] + string("abcdefghijklmnopqrstuvwxyz234567"[last+1])

	cases := []struct {
		name, s, want string
	}{
		{"empty", "", "empty string"},
		{"cidv0", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "CIDv0"},
		{"base58 prefix", "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "multibase prefix 'z'"},
		{"upper-case prefix", strings.ToUpper(valid), "multibase prefix 'B'"},
		{"bad base32 char", valid[:10] + "1" + valid[11:], "bad base32"},
		{"upper-case body", "b" + strings.ToUpper(valid[1:]), "bad base32"},
		{"padding", valid + "======", "bad base32"},
		{"bad length", valid[:len(valid)-1], "base32"},
		{"non-canonical bits", nonCanonical, "non-canonical base32"},
		{"newline", valid[:9] + "\n" + valid[9:], "non-canonical base32"},
		{"prefix only", "b", "truncated varint (version)"},
		{"truncated version", b32Of(0x81), "truncated varint (version)"},
		{"truncated codec", b32Of(0x01, 0x80), "truncated varint (codec)"},
		{"truncated hash code", b32Of(0x01, 0x55, 0x92), "truncated varint (multihash code)"},
		{"truncated length", b32Of(0x01, 0x55, 0x12), "truncated varint (digest length)"},
		{"non-minimal varint", b32Of(cat([]byte{0x01, 0xd5, 0x00, 0x12, 0x20}, digest(32))...), "non-minimal varint (codec)"},
		{"varint over 9 bytes", b32Of(cat([]byte{0x01}, bytes.Repeat([]byte{0xff}, 9), []byte{0x01, 0x12, 0x20}, digest(32))...), "varint over 9 bytes"},
		{"version 0", b32Of(cat([]byte{0x00, 0x55, 0x12, 0x20}, digest(32))...), "unsupported CID version 0"},
		{"version 2", b32Of(cat([]byte{0x02, 0x55, 0x12, 0x20}, digest(32))...), "unsupported CID version 2"},
		{"version 18 (v0 multihash bytes)", b32Of(cat([]byte{0x12, 0x20}, digest(32))...), "unsupported CID version 18"},
		{"truncated digest", b32Of(cat([]byte{0x01, 0x55, 0x12, 0x20}, digest(31))...), "truncated digest"},
		{"trailing bytes", b32Of(cat([]byte{0x01, 0x55, 0x12, 0x20}, digest(33))...), "1 trailing bytes"},
		{"short sha2-256", b32Of(cat([]byte{0x01, 0x55, 0x12, 0x10}, digest(16))...), "sha2-256 digest of 16 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := Parse(c.s)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", c.s, info)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if !errors.Is(err, ErrInvalid) || sleuth.ErrorCode(err) != sleuth.CodeInvalidFingerprint {
				t.Errorf("error %q: code %s, want %s", err, sleuth.ErrorCode(err), sleuth.CodeInvalidFingerprint)
			}
			if !strings.HasPrefix(err.Error(), "cid: invalid Nid ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseErrorTruncatesLongInput(t *testing.T) {
	_, err := Parse("x" + strings.Repeat("a", 10000))
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("error = %v", err)
	}
}

// FuzzParse checks that Parse never panics, that every error is an
// ErrInvalid, and that whatever it accepts re-encodes to the same string.
func FuzzParse(f *testing.F) {
	f.Add("")
	f.Add("b")
	f.Add(Bytes(nil))
	f.Add(Bytes(pat(ChunkSize + 1)))
	f.Add("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")
	f.Add(b32Of(0x01, 0x55, 0x00, 0x00))
	f.Add(b32Of(0x01, 0xd5, 0x00, 0x12))
	f.Fuzz(func(t *testing.T, s string) {
		info, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q): error %v is not ErrInvalid", s, err)
			}
			return
		}
		if info.Version != 1 {
			t.Fatalf("Parse(%q): version %d", s, info.Version)
		}
		if got := info.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
	})
}
