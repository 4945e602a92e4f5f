package fingerprint

import (
	"math/bits"
	"strconv"

	"github.com/sleuthhq/sleuth"
)

// PHash is a 64-bit DCT perceptual hash: Sleuth's variant of pHash.org's
// ph_dct_imagehash, built on PDQ's work so that it costs almost nothing once
// PDQ is computed (it is what /v1/lookup takes as binding_hash).
//
// Definition, exactly:
//
//  1. Take PDQ's 64x64 luma buffer A: the image (reduced to 512x512 by
//     nearest-neighbour sampling when a side exceeds 512, as PDQ's reference
//     tool does), luma Y = 0.299 R + 0.587 G + 0.114 B, two-pass Jarosz tent
//     filter, decimated to 64x64 at the pixel centres.
//  2. Compute the 2-D DCT-II coefficients C(u,v) = sum_{x,y} D[u][y] A[y][x]
//     D[v][x] for u, v = 1..8, with D[u][y] = sqrt(2/64) cos(pi/128 u (2y+1))
//     (u the vertical, v the horizontal frequency). The DC row and column
//     (u = 0 or v = 0) are skipped, like pHash.org's crop(1,1,8,8). These
//     are the top-left 8x8 of PDQ's 16x16 DCT, computed with the same float32
//     arithmetic (the first 8 rows of PDQ's DCT matrix).
//  3. Let m be the lower median of the 64 coefficients (the 32nd smallest,
//     found with the same Torben routine PDQ uses).
//  4. Bit 63-(8(u-1)+(v-1)) is 1 iff C(u,v) > m: bit 63 (the most
//     significant bit) is (u=1,v=1), then row-major, (u=1,v=2) in bit 62, ...,
//     (u=8,v=8) in bit 0. Absent ties, exactly 32 bits are set.
//
// Images PDQ cannot hash (a side under 5 pixels after the reduction) get 0.
// String is 16 lower-case hex digits, most significant first.
type PHash uint64

// String returns the hash as 16 lower-case hex characters.
func (h PHash) String() string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[h&15]
		h >>= 4
	}
	return string(b[:])
}

var errPHashSyntax = &sleuth.Error{Code: sleuth.CodeInvalidFingerprint, Message: "malformed pHash: want exactly 16 hex characters"}

// ParsePHash parses the 16-hex-character form written by PHash.String
// (upper- or lower-case hex digits; no prefix, sign or whitespace).
func ParsePHash(s string) (PHash, error) {
	if len(s) != 16 {
		return 0, errPHashSyntax
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return 0, errPHashSyntax
		}
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, errPHashSyntax
	}
	return PHash(v), nil
}

// Distance returns the Hamming distance between h and o (0..64).
func (h PHash) Distance(o PHash) int { return bits.OnesCount64(uint64(h ^ o)) }

// phashFromDCT derives the PHash from PDQ's 16x16 DCT output b (whose
// entry [i][j] is the coefficient for frequencies u=i+1, v=j+1).
func phashFromDCT(b *[16 * 16]float32) PHash {
	var c [64]float32
	for i := 0; i < 8; i++ {
		copy(c[i*8:i*8+8], b[i*16:i*16+8])
	}
	med := torben(c[:])
	var h PHash
	for k, v := range c {
		if v > med {
			h |= 1 << (63 - k)
		}
	}
	return h
}
