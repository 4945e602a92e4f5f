package sleuth

import (
	"encoding/json"
	"time"
)

// NFTRecord is one token on one chain, with the fields of Numbers
// Protocol's nftRecord.
type NFTRecord struct {
	// Chain is the CAIP-2 chain id: "eip155:1", "eip155:137", "solana:…".
	Chain    string `json:"chain"`
	Contract string `json:"contract"`
	TokenID  string `json:"token_id"`
	// AssetCids are the Nids of the media files this token points to.
	AssetCids          []string `json:"asset_cids"`
	PrimaryMarketplace string   `json:"primary_marketplace,omitempty"`
	CurrentOwner       string   `json:"current_owner,omitempty"`
	// NFTSpec is "erc721", "erc1155" or "metaplex".
	NFTSpec string `json:"nft_spec,omitempty"`
	// Creator is the minter.
	Creator string `json:"creator,omitempty"`
	// CreatedAt is the mint block time (UTC).
	CreatedAt    time.Time       `json:"created_at"`
	Metadata     json.RawMessage `json:"metadata,omitempty"`
	ImageURL     string          `json:"image_url,omitempty"`
	AnimationURL string          `json:"animation_url,omitempty"`
	TokenURI     string          `json:"token_uri,omitempty"`
	// UpdatedAt is when Sleuth last wrote this record.
	UpdatedAt time.Time `json:"updated_at"`
}

// NFTKey identifies a token.
type NFTKey struct {
	Chain, Contract, TokenID string
}

// Key returns the record's identity.
func (r *NFTRecord) Key() NFTKey { return NFTKey{r.Chain, r.Contract, r.TokenID} }

// Collection is a contract (or a Metaplex collection) on a chain.
type Collection struct {
	Chain    string `json:"chain"`
	Contract string `json:"contract"`
	Name     string `json:"name,omitempty"`
	Symbol   string `json:"symbol,omitempty"`
	// Supply is the number of tokens known; 0 when unknown.
	Supply int64 `json:"supply,omitempty"`
	// Verified marks a collection whose tokens are originals (a
	// marketplace's verified badge, or an operator's decision).
	Verified   bool      `json:"verified"`
	MarketName string    `json:"market_name,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}
