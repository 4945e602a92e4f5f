package solana

import (
	"crypto/sha256"
	"errors"
	"math/big"

	"github.com/mr-tron/base58"

	"github.com/sleuthhq/sleuth"
)

// PublicKey is a Solana address: 32 bytes, written in base58.
type PublicKey [32]byte

// Well-known program addresses.
var (
	// TokenMetadataProgram is Metaplex's Token Metadata program.
	TokenMetadataProgram = MustPublicKey("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s")
	// TokenProgram is the SPL Token program.
	TokenProgram = MustPublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
	// Token2022Program is the SPL Token-2022 program.
	Token2022Program = MustPublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
)

// ParsePublicKey decodes a base58 address. The error has code
// sleuth.solana.bad_address.
func ParsePublicKey(s string) (PublicKey, error) {
	var k PublicKey
	if len(s) < 32 || len(s) > 44 {
		return k, sleuth.Errorf(CodeBadAddress, "solana address %q: want 32 to 44 base58 characters", short(s))
	}
	b, err := base58.Decode(s)
	if err != nil {
		return k, sleuth.Errorf(CodeBadAddress, "solana address %q: %v", short(s), err)
	}
	if len(b) != 32 {
		return k, sleuth.Errorf(CodeBadAddress, "solana address %q: %d bytes, want 32", short(s), len(b))
	}
	copy(k[:], b)
	return k, nil
}

// MustPublicKey is ParsePublicKey for constants; it panics on a bad
// address.
func MustPublicKey(s string) PublicKey {
	k, err := ParsePublicKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

// String returns the base58 form.
func (k PublicKey) String() string { return base58.Encode(k[:]) }

// IsZero reports whether k is all zero bytes (the "none" key of some
// account layouts).
func (k PublicKey) IsZero() bool { return k == PublicKey{} }

// MaxSeeds and MaxSeedLen are the limits of program address seeds.
const (
	MaxSeeds   = 16
	MaxSeedLen = 32
)

// errOnCurve is returned by CreateProgramAddress for a candidate that is a
// valid ed25519 point (it could have a private key, so it is no PDA).
var errOnCurve = errors.New("solana: program address is on the ed25519 curve")

// CreateProgramAddress derives the program address of seeds under program
// as the runtime does: sha256(seeds... || program || "ProgramDerivedAddress"),
// refused when the hash is a point of the ed25519 curve.
func CreateProgramAddress(seeds [][]byte, program PublicKey) (PublicKey, error) {
	if len(seeds) > MaxSeeds {
		return PublicKey{}, sleuth.Errorf(CodeBadAddress, "solana: %d seeds, at most %d", len(seeds), MaxSeeds)
	}
	h := sha256.New()
	for _, s := range seeds {
		if len(s) > MaxSeedLen {
			return PublicKey{}, sleuth.Errorf(CodeBadAddress, "solana: a seed of %d bytes, at most %d", len(s), MaxSeedLen)
		}
		h.Write(s)
	}
	h.Write(program[:])
	h.Write([]byte("ProgramDerivedAddress"))
	var k PublicKey
	copy(k[:], h.Sum(nil))
	if IsOnCurve(k[:]) {
		return PublicKey{}, errOnCurve
	}
	return k, nil
}

// FindProgramAddress returns the first program address of seeds (with a
// bump seed from 255 down) that is off the curve, and its bump: Solana's
// find_program_address.
func FindProgramAddress(seeds [][]byte, program PublicKey) (PublicKey, uint8, error) {
	withBump := append(append([][]byte(nil), seeds...), nil)
	for bump := 255; bump >= 0; bump-- {
		withBump[len(seeds)] = []byte{byte(bump)}
		k, err := CreateProgramAddress(withBump, program)
		if err == nil {
			return k, uint8(bump), nil
		}
		if !errors.Is(err, errOnCurve) {
			return PublicKey{}, 0, err
		}
	}
	return PublicKey{}, 0, sleuth.Errorf(CodeBadAddress, "solana: no viable bump seed") // probability 2^-256
}

// MetadataAddress returns the address of mint's Metaplex metadata account:
// the program address of ("metadata", program id, mint).
func MetadataAddress(mint PublicKey) PublicKey {
	k, _, err := FindProgramAddress([][]byte{[]byte("metadata"), TokenMetadataProgram[:], mint[:]}, TokenMetadataProgram)
	if err != nil {
		panic(err) // unreachable: the seeds are within the limits
	}
	return k
}

// The ed25519 curve -x² + y² = 1 + d·x²·y² over GF(p), p = 2²⁵⁵ - 19.
var (
	curveP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	curveD = func() *big.Int {
		// d = -121665 / 121666 mod p
		inv := new(big.Int).ModInverse(big.NewInt(121666), curveP)
		d := new(big.Int).Mul(big.NewInt(-121665), inv)
		return d.Mod(d, curveP)
	}()
)

// IsOnCurve reports whether b (32 bytes) is the compressed form of a point
// of the ed25519 curve, with the leniency of curve25519-dalek's
// CompressedEdwardsY::decompress that Solana uses: y is the little-endian
// number with the top bit cleared, reduced mod p (non-canonical encodings
// are accepted), and the point exists when x² = (y² - 1) / (d·y² + 1) has
// a square root. The sign bit never makes a point invalid.
func IsOnCurve(b []byte) bool {
	if len(b) != 32 {
		return false
	}
	var be [32]byte
	for i := range 32 {
		be[i] = b[31-i]
	}
	be[0] &= 0x7f
	y := new(big.Int).SetBytes(be[:])
	y.Mod(y, curveP)
	yy := new(big.Int).Mul(y, y)
	yy.Mod(yy, curveP)
	u := new(big.Int).Sub(yy, big.NewInt(1))
	u.Mod(u, curveP)
	v := new(big.Int).Mul(curveD, yy)
	v.Add(v, big.NewInt(1))
	v.Mod(v, curveP)
	if v.Sign() == 0 {
		return false // d·y² = -1 has no solution, since -1/d is not a square; kept for safety
	}
	x2 := new(big.Int).ModInverse(v, curveP)
	x2.Mul(x2, u)
	x2.Mod(x2, curveP)
	return big.Jacobi(x2, curveP) >= 0
}
