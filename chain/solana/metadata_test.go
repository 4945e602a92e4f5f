package solana

import (
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

// fixture reads a real account's data from testdata/solana.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("..", "..", "testdata", "solana", name+".b64"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(s)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func u8p(v uint8) *uint8 { return &v }

func TestDecodeRealAccounts(t *testing.T) {
	type creator struct {
		addr     string
		verified bool
		share    uint8
	}
	for _, tc := range []struct {
		file, account                    string
		ua, mint, name, symbol, uri      string
		fee                              uint16
		creators                         []creator
		primarySale, mutable             bool
		nonce, standard                  *uint8
		collection, ruleSet, standardStr string
	}{
		{
			file: "special-sauce", account: "6L255rMB19d544HLNumpvbdTKkTgiQ3fgMszzX6F9VAL",
			ua: "7oUUEdptZnZVhSet4qobU9PtpPfiNUEJ8ftPnrC6YEaa", mint: "5ZXToo7froykjvjnpHtTLYr9u2tW3USMwPg3sNkiaQVh",
			name: "SPECIAL SAUCE", symbol: "", uri: "https://bafkreif4wx54wjr7pgfug3wlatr3nfntsfwngv6eusebbquezrxenj6ck4.ipfs.dweb.link?ext=",
			fee: 1000,
			creators: []creator{
				{"7oUUEdptZnZVhSet4qobU9PtpPfiNUEJ8ftPnrC6YEaa", true, 98},
				{"tsU33UT3K2JTfLgHUo7hdzRhRe4wth885cqVbM8WLiq", true, 2},
			},
			primarySale: false, mutable: true, nonce: u8p(255), standard: u8p(StandardNonFungible), standardStr: "NonFungible",
			collection: "Bv3uQfxRHL6mdWXPgdXP6hNut2GL6VCMKatAAmWb3Eui",
		},
		{
			file: "gooberg-2235", account: "9VHphpWFmUxVHxzWyeYJYYbQADWZ7X6PLzyWER8Lc3k2",
			ua: "3sJDa9yoaPGiCdCMUxPVqKractvrBoxt7NnBUktcR7Bs", mint: "BghihYzykKNX1dMyS1snAR266G8czLi28xFK45ShCiMB",
			name: "Gooberg #2235", symbol: "TGB", uri: "https://nftstorage.link/ipfs/bafybeid3vxffm77zjc2ezlzxlkejusjjpsaiiym2qbhjb2tgetqspwr7kq/2235.json",
			fee: 750,
			creators: []creator{
				{"2Q4oTtkWuRuhQNAXm6hcEz63GXUc2bcRzYsMLtDeddqM", true, 0},
				{"3sJDa9yoaPGiCdCMUxPVqKractvrBoxt7NnBUktcR7Bs", false, 100},
			},
			primarySale: true, mutable: true, nonce: u8p(255), standard: u8p(StandardProgrammableNonFungible), standardStr: "ProgrammableNonFungible",
			collection: "sthjmSDHECgWnkxnrVsFBefLfRfuXTh1EYFagfeYmry", ruleSet: "eBJLFYPxJmMGKuFwpDWkzxZeUrad92kZRC5BJLpzyT9",
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := fixture(t, tc.file)
			if len(data) != 679 {
				t.Fatalf("%d bytes, want 679", len(data))
			}
			m, err := DecodeMetadata(data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Key != KeyMetadataV1 || m.UpdateAuthority.String() != tc.ua || m.Mint.String() != tc.mint {
				t.Errorf("key %d, update authority %s, mint %s", m.Key, m.UpdateAuthority, m.Mint)
			}
			if MetadataAddress(m.Mint).String() != tc.account {
				t.Errorf("metadata address of the mint = %s, want %s", MetadataAddress(m.Mint), tc.account)
			}
			if m.Name != tc.name || m.Symbol != tc.symbol || m.URI != tc.uri || m.SellerFeeBasisPoints != tc.fee {
				t.Errorf("name %q symbol %q uri %q fee %d", m.Name, m.Symbol, m.URI, m.SellerFeeBasisPoints)
			}
			if len(m.Creators) != len(tc.creators) {
				t.Fatalf("%d creators, want %d", len(m.Creators), len(tc.creators))
			}
			for i, c := range tc.creators {
				got := m.Creators[i]
				if got.Address.String() != c.addr || got.Verified != c.verified || got.Share != c.share {
					t.Errorf("creator %d: %s %v %d", i, got.Address, got.Verified, got.Share)
				}
			}
			if first, ok := m.FirstVerifiedCreator(); !ok || first.String() != tc.creators[0].addr {
				t.Errorf("first verified creator %s %v", first, ok)
			}
			if m.PrimarySaleHappened != tc.primarySale || m.IsMutable != tc.mutable {
				t.Errorf("primary sale %v, mutable %v", m.PrimarySaleHappened, m.IsMutable)
			}
			if m.EditionNonce == nil || *m.EditionNonce != *tc.nonce || m.TokenStandard == nil || *m.TokenStandard != *tc.standard || m.StandardName() != tc.standardStr {
				t.Errorf("edition nonce %v, token standard %v (%s)", m.EditionNonce, m.TokenStandard, m.StandardName())
			}
			if k, ok := m.VerifiedCollection(); !ok || k.String() != tc.collection {
				t.Errorf("collection %+v", m.Collection)
			}
			if m.Uses != nil || m.CollectionSize != nil {
				t.Errorf("uses %+v, collection size %v", m.Uses, m.CollectionSize)
			}
			switch {
			case tc.ruleSet == "" && m.RuleSet != nil, tc.ruleSet != "" && (m.RuleSet == nil || m.RuleSet.String() != tc.ruleSet):
				t.Errorf("rule set %v, want %q", m.RuleSet, tc.ruleSet)
			}
			if m.TailErr != "" {
				t.Errorf("tail error %s", m.TailErr)
			}
		})
	}
}

// TestDecodeTruncated cuts a real account at every length: the required
// part must fail with a coded error, a cut in the optional tail must only
// drop the fields after the cut.
func TestDecodeTruncated(t *testing.T) {
	data := fixture(t, "gooberg-2235")
	full, err := DecodeMetadata(data)
	if err != nil {
		t.Fatal(err)
	}
	// End of is_mutable: 326 + 2 creators × 34 + 2.
	const required = FirstCreatorOffset + 2*34 + 2
	for n := range len(data) {
		m, err := DecodeMetadata(data[:n])
		if n < required {
			if sleuth.ErrorCode(err) != CodeBadAccount {
				t.Fatalf("cut at %d: %v, want %s", n, err, CodeBadAccount)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cut at %d (in the optional tail): %v", n, err)
		}
		if m.Name != full.Name || len(m.Creators) != 2 || m.IsMutable != full.IsMutable {
			t.Fatalf("cut at %d: required fields differ", n)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := fixture(t, "special-sauce")
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	const nameLen = 1 + 32 + 32
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "key: 1 bytes needed"},
		{"master edition key", mutate(func(b []byte) { b[0] = 6 }), "key 6"},
		{"name longer than the data", mutate(func(b []byte) { binary.LittleEndian.PutUint32(b[nameLen:], 1<<31) }), "name: length 2147483648"},
		{"creators count too large", mutate(func(b []byte) { binary.LittleEndian.PutUint32(b[FirstCreatorOffset-4:], 1000) }), "1000 entries do not fit"},
		{"bad option tag", mutate(func(b []byte) { b[FirstCreatorOffset-5] = 2 }), "option tag 2"},
		{"bad bool", mutate(func(b []byte) { b[FirstCreatorOffset+32] = 7 }), "bool byte 7"},
	} {
		_, err := DecodeMetadata(tc.data)
		if sleuth.ErrorCode(err) != CodeBadAccount || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %s containing %q", tc.name, err, CodeBadAccount, tc.msg)
		}
	}
	// Errors in the optional tail are recorded, not returned.
	tail := FirstCreatorOffset + 2*34 + 2                                             // edition_nonce option
	m, err := DecodeMetadata(mutate(func(b []byte) { b[tail+2] = 1; b[tail+3] = 9 })) // token_standard Some(9)
	if err != nil || m.TokenStandard != nil || m.Collection != nil || !strings.Contains(m.TailErr, "token_standard 9 unknown") {
		t.Errorf("unknown token standard: %v, %+v", err, m)
	}
	if m.EditionNonce == nil || *m.EditionNonce != 255 {
		t.Errorf("edition nonce before the bad field lost: %v", m.EditionNonce)
	}
	// Old accounts end after is_mutable, or hold zeros: every option None.
	m, err = DecodeMetadata(good[:tail])
	if err != nil || m.EditionNonce != nil || m.TokenStandard != nil || m.Collection != nil || m.TailErr != "" {
		t.Errorf("v1.0 account: %v %+v", err, m)
	}
	// Invalid UTF-8 in a string is replaced, NUL padding trimmed.
	m, err = DecodeMetadata(mutate(func(b []byte) { b[nameLen+4] = 0xff }))
	if err != nil || m.Name != "\uFFFDPECIAL SAUCE" {
		t.Errorf("invalid UTF-8: %q %v", m.Name, err)
	}
}

// FuzzDecodeMetadata: never panics, every error is coded, an accepted
// account has the MetadataV1 key, no more creators than its bytes can hold
// and no NUL padding left in its name.
func FuzzDecodeMetadata(f *testing.F) {
	for _, name := range []string{"special-sauce", "gooberg-2235"} {
		b := fixture(f, name)
		f.Add(b)
		f.Add(b[:FirstCreatorOffset+40])
	}
	f.Add([]byte{4})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMetadata(data)
		if err != nil {
			if sleuth.ErrorCode(err) != CodeBadAccount {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		if m.Key != KeyMetadataV1 || len(m.Creators)*34 > len(data) {
			t.Fatalf("accepted key %d with %d creators from %d bytes", m.Key, len(m.Creators), len(data))
		}
		if strings.HasSuffix(m.Name, "\x00") || strings.HasSuffix(m.URI, "\x00") {
			t.Fatalf("NUL padding kept in %q", m.Name)
		}
	})
}
