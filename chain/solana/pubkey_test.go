package solana

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/sleuthhq/sleuth"
)

func TestParsePublicKey(t *testing.T) {
	for _, s := range []string{
		"metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s",
		"11111111111111111111111111111111", // the system program: 32 zero bytes
		"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
	} {
		k, err := ParsePublicKey(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if k.String() != s {
			t.Errorf("round trip %s -> %s", s, k)
		}
	}
	if !MustPublicKey("11111111111111111111111111111111").IsZero() {
		t.Error("system program is not the zero key")
	}
	for _, s := range []string{"", "abc", "0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl", "1111111111111111111111111111111111111111111", "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s1111111"} {
		if _, err := ParsePublicKey(s); sleuth.ErrorCode(err) != CodeBadAddress {
			t.Errorf("ParsePublicKey(%q) error %v, want %s", s, err, CodeBadAddress)
		}
	}
}

// TestMetadataAddress checks program address derivation against addresses
// published by others (sources in testdata/solana/README.md).
func TestMetadataAddress(t *testing.T) {
	for _, tc := range []struct{ mint, want string }{
		// metaplex-foundation/python-api test: USDC's metadata account.
		{"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "5x38Kp4hvdomTCnCrAny4UtMUt5rQBdB6px2K1Ui45Wq"},
		// A pNFT's live metadata address asserted by an escrow service's tests.
		{"EFGeHr1UUhADShi7shtW9Ds1VgiRYZRE4wfpoqNKGgyp", "6oLXjYugRV1zMUK7pV3HmnMjbdhY4nzC9tSwW1oNL9Qz"},
	} {
		if got := MetadataAddress(MustPublicKey(tc.mint)).String(); got != tc.want {
			t.Errorf("MetadataAddress(%s) = %s, want %s", tc.mint, got, tc.want)
		}
	}
	// The master edition PDA adds the seed "edition".
	mint := MustPublicKey("EFGeHr1UUhADShi7shtW9Ds1VgiRYZRE4wfpoqNKGgyp")
	ed, _, err := FindProgramAddress([][]byte{[]byte("metadata"), TokenMetadataProgram[:], mint[:], []byte("edition")}, TokenMetadataProgram)
	if err != nil || ed.String() != "6NacVi5reTpcSU9nhGDcvxUkvm8FGMUsjY3YfoPjyEBM" {
		t.Errorf("master edition = %s, %v", ed, err)
	}
}

func TestFindProgramAddressBump(t *testing.T) {
	// Over many seeds some first candidates (bump 255) are on the curve;
	// each returned address must be off the curve, and every higher bump
	// must have been on it.
	prog := TokenMetadataProgram
	lower := 0
	for i := range 200 {
		seed := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		k, bump, err := FindProgramAddress([][]byte{seed[:]}, prog)
		if err != nil {
			t.Fatal(err)
		}
		if IsOnCurve(k[:]) {
			t.Fatalf("seed %d: %s is on the curve", i, k)
		}
		for b := 255; b > int(bump); b-- {
			if _, err := CreateProgramAddress([][]byte{seed[:], {byte(b)}}, prog); !errors.Is(err, errOnCurve) {
				t.Fatalf("seed %d: bump %d skipped but its address is off the curve (%v)", i, b, err)
			}
		}
		if bump < 255 {
			lower++
		}
	}
	// About half of all candidates are on the curve.
	if lower < 50 || lower > 150 {
		t.Errorf("%d of 200 derivations needed a bump below 255; expected about 100", lower)
	}
	if _, _, err := FindProgramAddress([][]byte{make([]byte, 33)}, prog); sleuth.ErrorCode(err) != CodeBadAddress {
		t.Errorf("a 33-byte seed: %v", err)
	}
	if _, _, err := FindProgramAddress(make([][]byte, 16), prog); sleuth.ErrorCode(err) != CodeBadAddress {
		t.Errorf("16 seeds plus the bump: %v", err)
	}
}

func TestIsOnCurve(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		var seed [32]byte
		for i := range seed {
			seed[i] = byte(r.Uint32())
		}
		pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
		if !IsOnCurve(pub) {
			t.Fatalf("ed25519 public key %x is reported off the curve", pub)
		}
	}
	// The identity (0, 1) and the base point are on the curve, with either
	// sign bit (dalek's decompress ignores the sign of x = 0).
	id := make([]byte, 32)
	id[0] = 1
	if !IsOnCurve(id) {
		t.Error("identity off the curve")
	}
	id[31] |= 0x80
	if !IsOnCurve(id) {
		t.Error("identity with the sign bit set off the curve")
	}
	// y = 2: x² = 3 / (4d + 1) is not a square mod p (Euler's criterion,
	// checked apart), so no point has y = 2.
	two := make([]byte, 32)
	two[0] = 2
	if IsOnCurve(two) {
		t.Error("y = 2 reported on the curve")
	}
	if IsOnCurve(make([]byte, 31)) {
		t.Error("31 bytes reported on the curve")
	}
}
