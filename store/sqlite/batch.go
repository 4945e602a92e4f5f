package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// batchSize bounds the ids of one IN list (SQLite allows 32766 variables).
const batchSize = 500

// AssetsByIDs implements sleuth.AssetStore: the assets with the given ids
// that exist, in ID order, with their fingerprints, read in one
// transaction with two queries per batch of ids.
func (db *DB) AssetsByIDs(ctx context.Context, ids []sleuth.AssetID) ([]*sleuth.Asset, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []*sleuth.Asset
	err := db.withReadTx(ctx, "get assets", func(tx *sql.Tx) error {
		for len(ids) > 0 {
			n := min(len(ids), batchSize)
			as, err := assetsIn(ctx, tx, ids[:n])
			if err != nil {
				return err
			}
			out = append(out, as...)
			ids = ids[n:]
		}
		return nil
	})
	return out, err
}

// assetsIn reads the assets whose id is in ids (sorted) and their
// fingerprints.
func assetsIn(ctx context.Context, tx *sql.Tx, ids []sleuth.AssetID) ([]*sleuth.Asset, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = int64(id)
	}
	in := "(" + strings.Repeat("?,", len(ids)-1) + "?)"
	rows, err := tx.QueryContext(ctx, `SELECT `+assetColumns+` FROM assets WHERE id IN `+in+` ORDER BY id`, args...)
	if err != nil {
		return nil, failed(ctx, "get assets", err)
	}
	as, err := scanAssets(ctx, rows, len(ids))
	if err != nil || len(as) == 0 {
		return as, err
	}
	fp, err := tx.QueryContext(ctx, `SELECT asset_id, kind, hash, quality FROM fingerprints WHERE asset_id IN `+in+` ORDER BY asset_id, ordinal`, args...)
	if err != nil {
		return nil, failed(ctx, "read fingerprints", err)
	}
	defer fp.Close()
	i := 0
	for fp.Next() {
		var (
			id int64
			p  sleuth.Perceptual
		)
		if err := fp.Scan(&id, &p.Kind, &p.Hash, &p.Quality); err != nil {
			return nil, failed(ctx, "read fingerprints", err)
		}
		for i < len(as) && int64(as[i].ID) < id {
			i++
		}
		if i < len(as) && int64(as[i].ID) == id {
			as[i].Perceptual = append(as[i].Perceptual, p)
		}
	}
	if err := fp.Err(); err != nil {
		return nil, failed(ctx, "read fingerprints", err)
	}
	return as, nil
}

// NFTsByAssets implements sleuth.NFTStore: NFTsByAsset for many Nids at
// once, one query per batch of Nids.
func (db *DB) NFTsByAssets(ctx context.Context, nids []string) (map[string][]*sleuth.NFTRecord, error) {
	want := make(map[string]bool, len(nids))
	for _, n := range nids {
		want[n] = true
	}
	uniq := make([]string, 0, len(want))
	for n := range want {
		uniq = append(uniq, n)
	}
	slices.Sort(uniq)
	out := make(map[string][]*sleuth.NFTRecord, len(uniq))
	for len(uniq) > 0 {
		n := min(len(uniq), batchSize)
		args := make([]any, n)
		for i, nid := range uniq[:n] {
			args[i] = nid
		}
		rows, err := db.read.QueryContext(ctx, `SELECT `+nftColumns+` FROM nft_records r WHERE EXISTS (
SELECT 1 FROM nft_assets a WHERE a.chain = r.chain AND a.contract = r.contract AND a.token_id = r.token_id
AND a.nid IN (`+strings.Repeat("?,", n-1)+`?))
ORDER BY r.created_at, r.chain, r.contract, r.token_id`, args...)
		if err != nil {
			return nil, failed(ctx, "nfts by assets", err)
		}
		rs, err := scanNFTs(ctx, rows)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			seen := map[string]bool{}
			for _, nid := range r.AssetCids {
				if want[nid] && !seen[nid] {
					seen[nid] = true
					out[nid] = append(out[nid], r)
				}
			}
		}
		uniq = uniq[n:]
	}
	return out, nil
}
