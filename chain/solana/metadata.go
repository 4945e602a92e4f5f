package solana

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// KeyMetadataV1 is the first byte (the Key enum) of a Metadata account.
const KeyMetadataV1 = 4

// Token standards (the TokenStandard enum).
const (
	StandardNonFungible                    = 0
	StandardFungibleAsset                  = 1
	StandardFungible                       = 2
	StandardNonFungibleEdition             = 3
	StandardProgrammableNonFungible        = 4
	StandardProgrammableNonFungibleEdition = 5
)

// Fixed sizes of the Metadata layout: the program pads name, symbol and
// uri to these lengths (puff_out_data_fields), which puts the first
// creator at a fixed offset.
const (
	MaxNameLen   = 32
	MaxSymbolLen = 10
	MaxURILen    = 200
	// FirstCreatorOffset is the offset of the first creator's address in
	// a metadata account whose strings are padded: key 1 + update
	// authority 32 + mint 32 + name 4+32 + symbol 4+10 + uri 4+200 +
	// seller fee 2 + creators option 1 + vector length 4.
	FirstCreatorOffset = 1 + 32 + 32 + 4 + MaxNameLen + 4 + MaxSymbolLen + 4 + MaxURILen + 2 + 1 + 4
)

// Metadata is a decoded Metaplex Token Metadata account (mpl-token-metadata
// state::Metadata). Option fields are nil when absent.
type Metadata struct {
	Key             uint8
	UpdateAuthority PublicKey
	Mint            PublicKey
	// Name, Symbol and URI have their NUL padding removed.
	Name, Symbol, URI    string
	SellerFeeBasisPoints uint16
	// Creators is nil when the option is None.
	Creators            []Creator
	PrimarySaleHappened bool
	IsMutable           bool
	EditionNonce        *uint8
	TokenStandard       *uint8
	Collection          *Collection
	Uses                *Uses
	// CollectionSize is the size of a sized collection's parent NFT
	// (CollectionDetails::V1); nil otherwise.
	CollectionSize *uint64
	// RuleSet is the programmable config's rule set (pNFTs); nil when
	// absent.
	RuleSet *PublicKey
	// TailErr says why the optional fields after IsMutable stopped being
	// read (an unknown enum value, or data too short); those fields are
	// then nil. The program itself reads old and damaged accounts this
	// leniently.
	TailErr string
}

// Creator is one entry of Metadata.Creators.
type Creator struct {
	Address  PublicKey
	Verified bool
	Share    uint8
}

// Collection is the collection an NFT claims; Verified means the
// collection's update authority signed it.
type Collection struct {
	Verified bool
	Key      PublicKey
}

// Uses is the Uses option.
type Uses struct {
	UseMethod        uint8
	Remaining, Total uint64
}

// FirstVerifiedCreator returns the first creator with Verified set, or
// the zero key and false.
func (m *Metadata) FirstVerifiedCreator() (PublicKey, bool) {
	for _, c := range m.Creators {
		if c.Verified {
			return c.Address, true
		}
	}
	return PublicKey{}, false
}

// VerifiedCollection returns the collection key when it is verified.
func (m *Metadata) VerifiedCollection() (PublicKey, bool) {
	if m.Collection != nil && m.Collection.Verified {
		return m.Collection.Key, true
	}
	return PublicKey{}, false
}

// StandardName names TokenStandard ("NonFungible", ...); "" when absent.
func (m *Metadata) StandardName() string {
	if m.TokenStandard == nil {
		return ""
	}
	switch *m.TokenStandard {
	case StandardNonFungible:
		return "NonFungible"
	case StandardFungibleAsset:
		return "FungibleAsset"
	case StandardFungible:
		return "Fungible"
	case StandardNonFungibleEdition:
		return "NonFungibleEdition"
	case StandardProgrammableNonFungible:
		return "ProgrammableNonFungible"
	case StandardProgrammableNonFungibleEdition:
		return "ProgrammableNonFungibleEdition"
	}
	return fmt.Sprintf("TokenStandard(%d)", *m.TokenStandard)
}

// DecodeMetadata decodes the Borsh data of a Metadata account. The fields
// up to IsMutable are required: when they are truncated or malformed, or
// the key is not MetadataV1, the error has code sleuth.solana.bad_account.
// The optional fields after them are read leniently, as the program reads
// them (see Metadata.TailErr). It never reads past b nor allocates more
// than len(b).
func DecodeMetadata(b []byte) (*Metadata, error) {
	r := &reader{b: b}
	m := &Metadata{}
	m.Key = r.u8("key")
	if r.err == nil && m.Key != KeyMetadataV1 {
		return nil, sleuth.Errorf(CodeBadAccount, "solana metadata: key %d, want %d (MetadataV1)", m.Key, KeyMetadataV1)
	}
	m.UpdateAuthority = r.pubkey("update_authority")
	m.Mint = r.pubkey("mint")
	m.Name = r.str("name")
	m.Symbol = r.str("symbol")
	m.URI = r.str("uri")
	m.SellerFeeBasisPoints = r.u16("seller_fee_basis_points")
	if r.option("creators") {
		n := r.u32("creators length")
		const creatorSize = 32 + 1 + 1
		if r.err == nil && uint64(n)*creatorSize > uint64(r.left()) {
			r.fail("creators: %d entries do not fit in %d bytes", n, r.left())
		}
		if r.err == nil {
			m.Creators = make([]Creator, 0, n)
			for range n {
				m.Creators = append(m.Creators, Creator{Address: r.pubkey("creator"), Verified: r.bool("creator verified"), Share: r.u8("creator share")})
			}
		}
	}
	m.PrimarySaleHappened = r.bool("primary_sale_happened")
	m.IsMutable = r.bool("is_mutable")
	if r.err != nil {
		return nil, r.err
	}

	// The optional tail.
	if r.option("edition_nonce") {
		v := r.u8("edition_nonce")
		m.EditionNonce = &v
	}
	if r.option("token_standard") {
		v := r.u8("token_standard")
		if r.err == nil && v > StandardProgrammableNonFungibleEdition {
			r.fail("token_standard %d unknown", v)
		}
		if r.err == nil {
			m.TokenStandard = &v
		}
	}
	if r.option("collection") {
		c := Collection{Verified: r.bool("collection verified"), Key: r.pubkey("collection key")}
		if r.err == nil {
			m.Collection = &c
		}
	}
	if r.option("uses") {
		u := Uses{UseMethod: r.u8("use_method"), Remaining: r.u64("uses remaining"), Total: r.u64("uses total")}
		if r.err == nil && u.UseMethod > 2 {
			r.fail("use_method %d unknown", u.UseMethod)
		}
		if r.err == nil {
			m.Uses = &u
		}
	}
	if r.option("collection_details") {
		switch v := r.u8("collection_details variant"); {
		case r.err != nil:
		case v == 0: // V1 { size: u64 }
			size := r.u64("collection size")
			if r.err == nil {
				m.CollectionSize = &size
			}
		case v == 1: // V2 { padding: [u8; 8] }
			r.bytes("collection_details padding", 8)
		default:
			r.fail("collection_details variant %d unknown", v)
		}
	}
	if r.option("programmable_config") {
		switch v := r.u8("programmable_config variant"); {
		case r.err != nil:
		case v == 0: // V1 { rule_set: Option<Pubkey> }
			if r.option("rule_set") {
				k := r.pubkey("rule_set")
				if r.err == nil {
					m.RuleSet = &k
				}
			}
		default:
			r.fail("programmable_config variant %d unknown", v)
		}
	}
	if r.err != nil {
		m.TailErr = r.err.Error()
	}
	return m, nil
}

// reader reads Borsh values, keeping the first error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = sleuth.Errorf(CodeBadAccount, "solana metadata at byte %d: %s", r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) bytes(what string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.left() {
		r.fail("%s: %d bytes needed, %d left", what, n, r.left())
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) u8(what string) uint8 {
	if b := r.bytes(what, 1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16(what string) uint16 {
	if b := r.bytes(what, 2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if b := r.bytes(what, 4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64(what string) uint64 {
	if b := r.bytes(what, 8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// bool reads a Borsh bool: 0 or 1, anything else is an error.
func (r *reader) bool(what string) bool {
	v := r.u8(what)
	if v > 1 {
		r.off--
		r.fail("%s: bool byte %d", what, v)
	}
	return v == 1
}

// option reads an Option tag and reports whether a value follows. At the
// very end of the data it reports false without an error: accounts older
// than a field simply end before it.
func (r *reader) option(what string) bool {
	if r.err != nil || r.left() == 0 {
		return false
	}
	switch v := r.u8(what); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.off--
		r.fail("%s: option tag %d", what, v)
		return false
	}
}

func (r *reader) pubkey(what string) PublicKey {
	var k PublicKey
	copy(k[:], r.bytes(what, 32))
	return k
}

// str reads a u32-length-prefixed string and removes its NUL padding;
// invalid UTF-8 is replaced by U+FFFD.
func (r *reader) str(what string) string {
	n := r.u32(what + " length")
	if r.err == nil && uint64(n) > uint64(r.left()) {
		r.fail("%s: length %d, %d bytes left", what, n, r.left())
	}
	b := r.bytes(what, int(n))
	return strings.ToValidUTF8(strings.TrimRight(string(b), "\x00"), "\uFFFD")
}
