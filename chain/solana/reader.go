package solana

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/sleuthhq/sleuth"
)

// DefaultMaxSignaturePages is how many pages of 1000 signatures Reader
// reads back to a mint's first transaction by default.
const DefaultMaxSignaturePages = 10

// Reader builds NFT records from a cluster.
type Reader struct {
	c *Client
	// Chain is the cluster's CAIP-2 id, from its genesis hash.
	Chain string
	// Owner makes Record look up the current owner (2 calls per mint).
	Owner bool
	// CreatedAt makes Record look up the mint time (1 call per 1000
	// signatures of the mint).
	CreatedAt bool
	// MaxSignaturePages bounds the created_at look-up; <= 0: 10.
	MaxSignaturePages int
}

// NewReader asks the cluster for its genesis hash and returns a Reader
// with Owner and CreatedAt set.
func NewReader(ctx context.Context, c *Client) (*Reader, error) {
	h, err := c.GetGenesisHash(ctx)
	if err != nil {
		return nil, err
	}
	return &Reader{c: c, Chain: "solana:" + h[:32], Owner: true, CreatedAt: true}, nil
}

// Metadata reads and decodes the metadata account of mint. The error has
// code sleuth.solana.not_found when there is none, sleuth.solana.bad_account
// when the account is not a Token Metadata account of that mint.
func (r *Reader) Metadata(ctx context.Context, mint PublicKey) (*Metadata, error) {
	addr := MetadataAddress(mint)
	a, err := r.c.GetAccountInfo(ctx, addr)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, sleuth.Errorf(CodeNotFound, "solana: mint %s has no metadata account (%s)", mint, addr)
	}
	return checkMetadata(addr, a, mint)
}

// MetadataOf reads the metadata accounts of several mints with
// getMultipleAccounts (100 per call). For each mint it returns either its
// metadata or its error (as Metadata gives them); err is the RPC's.
func (r *Reader) MetadataOf(ctx context.Context, mints []PublicKey) (mds []*Metadata, errs []error, err error) {
	addrs := make([]PublicKey, len(mints))
	for i, m := range mints {
		addrs[i] = MetadataAddress(m)
	}
	accs, err := r.c.GetMultipleAccounts(ctx, addrs)
	if err != nil {
		return nil, nil, err
	}
	mds, errs = make([]*Metadata, len(mints)), make([]error, len(mints))
	for i, a := range accs {
		if a == nil {
			errs[i] = sleuth.Errorf(CodeNotFound, "solana: mint %s has no metadata account (%s)", mints[i], addrs[i])
			continue
		}
		mds[i], errs[i] = checkMetadata(addrs[i], a, mints[i])
	}
	return mds, errs, nil
}

// checkMetadata decodes the metadata account a at addr and checks that it
// is the Token Metadata program's account of mint.
func checkMetadata(addr PublicKey, a *Account, mint PublicKey) (*Metadata, error) {
	if a.Owner != TokenMetadataProgram {
		return nil, sleuth.Errorf(CodeBadAccount, "solana: account %s is owned by %s, not the Token Metadata program", addr, a.Owner)
	}
	md, err := DecodeMetadata(a.Data)
	if err != nil {
		return nil, err
	}
	if md.Mint != mint {
		return nil, sleuth.Errorf(CodeBadAccount, "solana: metadata account %s is of mint %s, not %s", addr, md.Mint, mint)
	}
	return md, nil
}

// collectionFilterOffsets are the offsets at which the bytes [1, 1, key]
// (Some, verified, collection key) can start in a Metadata account with
// padded strings; see the package doc.
func collectionFilterOffsets() []int {
	var offs []int
	const afterFee = 1 + 32 + 32 + 4 + MaxNameLen + 4 + MaxSymbolLen + 4 + MaxURILen + 2 // 321: creators option
	// creators None: psh, mut at 322, 323; nonce (1|2) and standard (1|2)
	// from 324; then the collection option.
	for extra := range 3 {
		offs = append(offs, afterFee+1+2+2+extra)
	}
	// creators Some(n): 4-byte length, n × 34 bytes, then the same.
	for n := range 6 {
		for extra := range 3 {
			offs = append(offs, afterFee+1+4+34*n+2+2+extra)
		}
	}
	slices.Sort(offs)
	return slices.Compact(offs)
}

// CollectionMembers returns the metadata of every NFT whose verified
// collection is coll (see the package doc for how), in address order.
func (r *Reader) CollectionMembers(ctx context.Context, coll PublicKey) ([]*Metadata, error) {
	var all []KeyedAccount
	for _, off := range collectionFilterOffsets() {
		accs, err := r.c.GetProgramAccounts(ctx, TokenMetadataProgram, 0, []Memcmp{
			{Offset: 0, Bytes: []byte{KeyMetadataV1}},
			{Offset: off, Bytes: append([]byte{1, 1}, coll[:]...)},
		})
		if err != nil {
			return nil, err
		}
		all = append(all, accs...)
	}
	return keep(all, func(md *Metadata) bool {
		k, ok := md.VerifiedCollection()
		return ok && k == coll
	}), nil
}

// CreatorMembers returns the metadata of every NFT whose first creator is
// creator and verified (one filtered call at FirstCreatorOffset), in
// address order.
func (r *Reader) CreatorMembers(ctx context.Context, creator PublicKey) ([]*Metadata, error) {
	accs, err := r.c.GetProgramAccounts(ctx, TokenMetadataProgram, 0, []Memcmp{
		{Offset: 0, Bytes: []byte{KeyMetadataV1}},
		{Offset: FirstCreatorOffset, Bytes: append(creator[:len(creator):len(creator)], 1)},
	})
	if err != nil {
		return nil, err
	}
	return keep(accs, func(md *Metadata) bool {
		return len(md.Creators) > 0 && md.Creators[0].Address == creator && md.Creators[0].Verified
	}), nil
}

// keep decodes accounts, drops those that do not decode, are not the
// metadata account of their own mint, or fail ok, and removes duplicates.
func keep(accs []KeyedAccount, ok func(*Metadata) bool) []*Metadata {
	slices.SortFunc(accs, func(a, b KeyedAccount) int { return compareKeys(a.Address, b.Address) })
	var out []*Metadata
	var last PublicKey
	for i, a := range accs {
		if i > 0 && a.Address == last {
			continue
		}
		last = a.Address
		md, err := DecodeMetadata(a.Data)
		if err != nil || a.Owner != TokenMetadataProgram || MetadataAddress(md.Mint) != a.Address || !ok(md) {
			continue
		}
		out = append(out, md)
	}
	return out
}

func compareKeys(a, b PublicKey) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

// Record builds the NFT record of md (see the package doc for each
// field). old, when not nil, is the record already stored: its created_at
// is kept instead of being looked up again. Failed owner and created_at
// look-ups are returned in lookupErr and leave those fields empty; the
// error is non-nil only when ctx ends.
func (r *Reader) Record(ctx context.Context, md *Metadata, old *sleuth.NFTRecord) (rec *sleuth.NFTRecord, lookupErr []error, err error) {
	rec = &sleuth.NFTRecord{
		Chain:    r.Chain,
		Contract: md.Mint.String(),
		TokenID:  md.Mint.String(),
		NFTSpec:  "metaplex",
		TokenURI: md.URI,
	}
	if k, ok := md.VerifiedCollection(); ok {
		rec.Contract = k.String()
	}
	if k, ok := md.FirstVerifiedCreator(); ok {
		rec.Creator = k.String()
	}
	if r.Owner {
		owner, err := r.owner(ctx, md.Mint)
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case err != nil:
			lookupErr = append(lookupErr, err)
		default:
			rec.CurrentOwner = owner
		}
	}
	switch {
	case old != nil && !old.CreatedAt.IsZero():
		rec.CreatedAt = old.CreatedAt
	case r.CreatedAt:
		t, err := r.mintTime(ctx, md.Mint)
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case err != nil:
			lookupErr = append(lookupErr, err)
		default:
			rec.CreatedAt = t
		}
	}
	return rec, lookupErr, nil
}

// owner returns the owner of the mint's largest token account holding a
// non-zero balance; "" when every balance is zero (a burnt NFT).
func (r *Reader) owner(ctx context.Context, mint PublicKey) (string, error) {
	largest, err := r.c.GetTokenLargestAccounts(ctx, mint)
	if err != nil {
		return "", err
	}
	for _, ta := range largest {
		if ta.Amount == 0 {
			continue
		}
		a, err := r.c.GetAccountInfo(ctx, ta.Address)
		if err != nil {
			return "", err
		}
		if owner, ok := TokenAccountOwner(a); ok && tokenAccountAmount(a) > 0 {
			return owner.String(), nil
		}
		return "", sleuth.Errorf(CodeBadAccount, "solana: %s is not a token account of mint %s", ta.Address, mint)
	}
	return "", nil
}

// errTooManySignatures: the mint's history is longer than the pages read.
var errTooManySignatures = errors.New("more signatures than the pages read")

// mintTime returns the block time of the mint's oldest signature.
func (r *Reader) mintTime(ctx context.Context, mint PublicKey) (time.Time, error) {
	pages := r.MaxSignaturePages
	if pages <= 0 {
		pages = DefaultMaxSignaturePages
	}
	const limit = 1000
	before := ""
	var oldest *Signature
	for range pages {
		sigs, err := r.c.GetSignaturesForAddress(ctx, mint, before, limit)
		if err != nil {
			return time.Time{}, err
		}
		if len(sigs) > 0 {
			oldest = &sigs[len(sigs)-1]
			before = oldest.Signature
		}
		if len(sigs) < limit {
			if oldest == nil {
				return time.Time{}, sleuth.Errorf(CodeNotFound, "solana: mint %s has no transactions", mint)
			}
			if oldest.BlockTime == nil {
				return time.Time{}, sleuth.Errorf(CodeNotFound, "solana: the block time of %s (slot %d) is unknown", short(oldest.Signature), oldest.Slot)
			}
			return time.Unix(*oldest.BlockTime, 0).UTC(), nil
		}
	}
	return time.Time{}, sleuth.Errorf(CodeNotFound, "solana: mint %s: %w (%d × %d)", mint, errTooManySignatures, pages, limit)
}
