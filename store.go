package sleuth

import "context"

// Store is where Sleuth keeps what it knows. The SQLite backend
// (store/sqlite) is the default; a PostgreSQL backend implements the same
// interfaces, and store/storetest is the suite both must pass.
//
// Every method is safe for concurrent use. Every write is one transaction:
// after a crash, each write is either wholly there or not at all. Times are
// kept in UTC at microsecond precision. A cancelled context gives
// sleuth.store.failed wrapping ctx.Err().
type Store interface {
	AssetStore
	NFTStore
	CollectionStore
	CheckpointStore
	JobStore
	StolenStore
	TokenIndex
	// Close releases the store. Calls after Close fail.
	Close() error
}

// AssetStore keeps assets and their fingerprints.
type AssetStore interface {
	// PutAsset registers a, identified by a.Nid. If no asset has that Nid,
	// it is inserted with a new ID and FirstSeen (when zero) set to now,
	// and created is true. If one exists, nothing changes and created is
	// false. Either way a.ID and a.FirstSeen are set from the store.
	// Errors: sleuth.store.invalid when a is nil, when Nid, SHA256 or
	// BLAKE3 is empty, or when a perceptual fingerprint has no Kind or Hash;
	// sleuth.store.failed when the new ID would not fit in 32 bits.
	PutAsset(ctx context.Context, a *Asset) (created bool, err error)
	// Asset returns the asset with the given Nid, or an error with code
	// sleuth.asset.not_found.
	Asset(ctx context.Context, nid string) (*Asset, error)
	// AssetByID is Asset by ID.
	AssetByID(ctx context.Context, id AssetID) (*Asset, error)
	// AssetsByIDs returns the assets with these ids that exist (unknown
	// ids are left out, duplicates read once), in ID order, with their
	// fingerprints, read in one transaction.
	AssetsByIDs(ctx context.Context, ids []AssetID) ([]*Asset, error)
	// HasAsset reports whether an asset with that Nid exists.
	HasAsset(ctx context.Context, nid string) (bool, error)
	// DeleteAsset removes the asset and its fingerprints and returns it;
	// sleuth.asset.not_found if there is none.
	DeleteAsset(ctx context.Context, nid string) (*Asset, error)
	// ListAssets returns up to f.Limit assets with ID > f.After in ID order
	// (keyset pagination; Limit <= 0 means 100, capped at 10000).
	ListAssets(ctx context.Context, f AssetFilter) ([]*Asset, error)
	// CountAssets returns how many assets there are.
	CountAssets(ctx context.Context) (int64, error)
	// EachAsset calls fn for every asset in ID order, streaming (it does not
	// hold them all in memory), until fn returns an error, which it returns.
	EachAsset(ctx context.Context, fn func(*Asset) error) error
}

// AssetFilter selects a page of assets.
type AssetFilter struct {
	After AssetID
	Limit int
}

// NFTStore keeps NFT records.
type NFTStore interface {
	// PutNFT inserts or replaces the record with r.Key() and sets
	// r.UpdatedAt to now. Errors: sleuth.store.invalid when Chain, Contract
	// or TokenID is empty, an AssetCids entry is empty, or Metadata is not
	// valid JSON.
	PutNFT(ctx context.Context, r *NFTRecord) error
	// NFT returns one record or sleuth.nft.not_found.
	NFT(ctx context.Context, k NFTKey) (*NFTRecord, error)
	// NFTsByAsset returns the records whose AssetCids contain nid, each
	// once, oldest CreatedAt first (ties by Chain, Contract, TokenID); none
	// (and no error) for an unknown nid.
	NFTsByAsset(ctx context.Context, nid string) ([]*NFTRecord, error)
	// NFTsByAssets is NFTsByAsset for many Nids in one call: the map holds
	// an entry for each Nid that has records.
	NFTsByAssets(ctx context.Context, nids []string) (map[string][]*NFTRecord, error)
}

// CollectionStore keeps collections.
type CollectionStore interface {
	// PutCollection inserts or replaces the collection (Chain, Contract) and
	// sets c.UpdatedAt to now; sleuth.store.invalid when Chain or Contract
	// is empty.
	PutCollection(ctx context.Context, c *Collection) error
	// Collection returns one collection or sleuth.collection.not_found.
	Collection(ctx context.Context, chain, contract string) (*Collection, error)
}
