package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sleuthhq/sleuth"
)

const (
	nftColumns = `r.chain, r.contract, r.token_id, r.asset_cids, r.primary_marketplace, r.current_owner, r.nft_spec, r.creator, r.created_at, r.metadata, r.image_url, r.animation_url, r.token_uri, r.updated_at`
	upsertNFT  = `INSERT INTO nft_records (chain, contract, token_id, asset_cids, primary_marketplace, current_owner, nft_spec, creator, created_at, metadata, image_url, animation_url, token_uri, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (chain, contract, token_id) DO UPDATE SET
    asset_cids = excluded.asset_cids,
    primary_marketplace = excluded.primary_marketplace,
    current_owner = excluded.current_owner,
    nft_spec = excluded.nft_spec,
    creator = excluded.creator,
    created_at = excluded.created_at,
    metadata = excluded.metadata,
    image_url = excluded.image_url,
    animation_url = excluded.animation_url,
    token_uri = excluded.token_uri,
    updated_at = excluded.updated_at`
	upsertCollection = `INSERT INTO collections (chain, contract, name, symbol, supply, verified, market_name, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (chain, contract) DO UPDATE SET
    name = excluded.name,
    symbol = excluded.symbol,
    supply = excluded.supply,
    verified = excluded.verified,
    market_name = excluded.market_name,
    updated_at = excluded.updated_at`
)

// PutNFT implements sleuth.NFTStore. It sets r.UpdatedAt to now.
func (db *DB) PutNFT(ctx context.Context, r *sleuth.NFTRecord) error {
	if r == nil {
		return invalid("put nft: nil record")
	}
	if r.Chain == "" || r.Contract == "" || r.TokenID == "" {
		return invalid("put nft %s/%s/%s: chain, contract and token id are required", r.Chain, r.Contract, r.TokenID)
	}
	for i, nid := range r.AssetCids {
		if nid == "" {
			return invalid("put nft %s/%s/%s: asset cid %d is empty", r.Chain, r.Contract, r.TokenID, i)
		}
	}
	var meta sql.NullString
	if len(r.Metadata) > 0 {
		if !json.Valid(r.Metadata) {
			return invalid("put nft %s/%s/%s: metadata is not valid JSON", r.Chain, r.Contract, r.TokenID)
		}
		meta = sql.NullString{String: string(r.Metadata), Valid: true}
	}
	cids := r.AssetCids
	if cids == nil {
		cids = []string{}
	}
	cidsJSON, err := json.Marshal(cids)
	if err != nil {
		return invalid("put nft %s/%s/%s: %w", r.Chain, r.Contract, r.TokenID, err)
	}
	updated := now()
	op := fmt.Sprintf("put nft %s/%s/%s", r.Chain, r.Contract, r.TokenID)
	err = db.withTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, upsertNFT,
			r.Chain, r.Contract, r.TokenID, string(cidsJSON), r.PrimaryMarketplace, r.CurrentOwner,
			r.NFTSpec, r.Creator, toMicros(r.CreatedAt), meta, r.ImageURL, r.AnimationURL, r.TokenURI,
			toMicros(updated))
		if err != nil {
			return failed(ctx, op, err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM nft_assets WHERE chain = ? AND contract = ? AND token_id = ?`,
			r.Chain, r.Contract, r.TokenID)
		if err != nil {
			return failed(ctx, op, err)
		}
		seen := make(map[string]bool, len(cids))
		for _, nid := range cids {
			if seen[nid] {
				continue
			}
			seen[nid] = true
			_, err := tx.ExecContext(ctx, `INSERT INTO nft_assets (chain, contract, token_id, nid) VALUES (?, ?, ?, ?)`,
				r.Chain, r.Contract, r.TokenID, nid)
			if err != nil {
				return failed(ctx, op, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.UpdatedAt = updated
	return nil
}

// NFT implements sleuth.NFTStore.
func (db *DB) NFT(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+nftColumns+` FROM nft_records r
WHERE r.chain = ? AND r.contract = ? AND r.token_id = ?`, k.Chain, k.Contract, k.TokenID)
	if err != nil {
		return nil, failed(ctx, "get nft", err)
	}
	rs, err := scanNFTs(ctx, rows)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, sleuth.Errorf(sleuth.CodeNFTNotFound, "NFT %s/%s/%s not found", k.Chain, k.Contract, k.TokenID)
	}
	return rs[0], nil
}

// NFTsByAsset implements sleuth.NFTStore. Records with the same CreatedAt
// come in (chain, contract, token id) order; none is an empty result, not an
// error.
func (db *DB) NFTsByAsset(ctx context.Context, nid string) ([]*sleuth.NFTRecord, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+nftColumns+` FROM nft_assets a
JOIN nft_records r ON r.chain = a.chain AND r.contract = a.contract AND r.token_id = a.token_id
WHERE a.nid = ?
ORDER BY r.created_at, r.chain, r.contract, r.token_id`, nid)
	if err != nil {
		return nil, failed(ctx, "nfts by asset", err)
	}
	return scanNFTs(ctx, rows)
}

func scanNFTs(ctx context.Context, rows *sql.Rows) ([]*sleuth.NFTRecord, error) {
	defer rows.Close()
	var rs []*sleuth.NFTRecord
	for rows.Next() {
		var (
			r                sleuth.NFTRecord
			cids             string
			meta             sql.NullString
			created, updated int64
		)
		err := rows.Scan(&r.Chain, &r.Contract, &r.TokenID, &cids, &r.PrimaryMarketplace, &r.CurrentOwner,
			&r.NFTSpec, &r.Creator, &created, &meta, &r.ImageURL, &r.AnimationURL, &r.TokenURI, &updated)
		if err != nil {
			return nil, failed(ctx, "read nft", err)
		}
		if err := json.Unmarshal([]byte(cids), &r.AssetCids); err != nil {
			return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: read nft %s/%s/%s: asset cids: %w",
				r.Chain, r.Contract, r.TokenID, err)
		}
		if len(r.AssetCids) == 0 {
			r.AssetCids = nil
		}
		if meta.Valid {
			r.Metadata = json.RawMessage(meta.String)
		}
		r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
		rs = append(rs, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "read nfts", err)
	}
	return rs, nil
}

// PutCollection implements sleuth.CollectionStore. It sets c.UpdatedAt to
// now.
func (db *DB) PutCollection(ctx context.Context, c *sleuth.Collection) error {
	if c == nil {
		return invalid("put collection: nil collection")
	}
	if c.Chain == "" || c.Contract == "" {
		return invalid("put collection %s/%s: chain and contract are required", c.Chain, c.Contract)
	}
	updated := now()
	op := fmt.Sprintf("put collection %s/%s", c.Chain, c.Contract)
	err := db.withTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, upsertCollection,
			c.Chain, c.Contract, c.Name, c.Symbol, c.Supply, c.Verified, c.MarketName, toMicros(updated))
		if err != nil {
			return failed(ctx, op, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.UpdatedAt = updated
	return nil
}

// Collection implements sleuth.CollectionStore.
func (db *DB) Collection(ctx context.Context, chain, contract string) (*sleuth.Collection, error) {
	var (
		c       = sleuth.Collection{Chain: chain, Contract: contract}
		updated int64
	)
	err := db.read.QueryRowContext(ctx, `SELECT name, symbol, supply, verified, market_name, updated_at
FROM collections WHERE chain = ? AND contract = ?`, chain, contract).
		Scan(&c.Name, &c.Symbol, &c.Supply, &c.Verified, &c.MarketName, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sleuth.Errorf(sleuth.CodeCollectionNotFound, "collection %s/%s not found", chain, contract)
	}
	if err != nil {
		return nil, failed(ctx, "get collection", err)
	}
	c.UpdatedAt = fromMicros(updated)
	return &c, nil
}
