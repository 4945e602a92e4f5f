package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
)

// maxAssetID bounds asset IDs: the in-memory index keeps them in 32 bits.
const maxAssetID = 1<<32 - 1

const (
	// ListAssets' page size: by default, and at most.
	defaultLimit = 100
	maxLimit     = 10000

	assetColumns  = `id, nid, size, mime, width, height, first_seen, source, sha256, blake3, pixel_sha256, asset_cid, asset_sha256, encoding_format, asset_timestamp_created, asset_creator, asset_source_type, abstract, headline, creator_wallet, license_name, license_document, tree_extra`
	insertAsset   = `INSERT INTO assets (nid, size, mime, width, height, first_seen, source, sha256, blake3, pixel_sha256, asset_cid, asset_sha256, encoding_format, asset_timestamp_created, asset_creator, asset_source_type, abstract, headline, creator_wallet, license_name, license_document, tree_extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	insertFP      = `INSERT INTO fingerprints (asset_id, ordinal, kind, hash, quality) VALUES (?, ?, ?, ?, ?)`
	selectFPRange = `SELECT asset_id, kind, hash, quality FROM fingerprints WHERE asset_id >= ? AND asset_id <= ? ORDER BY asset_id, ordinal`
)

func validateAsset(a *sleuth.Asset) error {
	if a == nil {
		return invalid("put asset: nil asset")
	}
	var missing []string
	if a.Nid == "" {
		missing = append(missing, "nid")
	}
	if a.SHA256 == "" {
		missing = append(missing, "sha256")
	}
	if a.BLAKE3 == "" {
		missing = append(missing, "blake3")
	}
	if len(missing) > 0 {
		return invalid("put asset %q: missing %s", a.Nid, strings.Join(missing, ", "))
	}
	for i, p := range a.Perceptual {
		if p.Kind == "" || p.Hash == "" {
			return invalid("put asset %q: perceptual fingerprint %d has no kind or hash", a.Nid, i)
		}
	}
	return nil
}

// PutAsset implements sleuth.AssetStore.
func (db *DB) PutAsset(ctx context.Context, a *sleuth.Asset) (bool, error) {
	if err := validateAsset(a); err != nil {
		return false, err
	}
	row, err := newAssetRow(a)
	if err != nil {
		return false, err
	}
	// Most puts of a known Nid end here, without waiting for the writer.
	if ok, err := fillStored(ctx, db.read, a); err != nil || ok {
		return false, err
	}
	var (
		created bool
		id      sleuth.AssetID
	)
	err = db.withTx(ctx, "put asset", func(tx *sql.Tx) error {
		ok, err := fillStored(ctx, tx, a)
		if err != nil || ok {
			return err
		}
		id, err = db.insertAssetTx(ctx, tx, a, row)
		created = err == nil
		return err
	})
	if err != nil {
		return false, err
	}
	if created {
		a.ID, a.FirstSeen = id, row.firstSeen
	}
	return created, nil
}

// assetRow is what PutAsset writes for an asset besides its fields.
type assetRow struct {
	firstSeen       time.Time
	licName, licDoc sql.NullString
	extra           sql.NullString
}

func newAssetRow(a *sleuth.Asset) (*assetRow, error) {
	r := &assetRow{firstSeen: a.FirstSeen.UTC().Truncate(time.Microsecond)}
	if a.FirstSeen.IsZero() {
		r.firstSeen = now()
	}
	t := &a.Tree
	if t.License != nil {
		r.licName = sql.NullString{String: t.License.Name, Valid: true}
		r.licDoc = sql.NullString{String: t.License.Document, Valid: true}
	}
	if t.Extra != nil {
		b, err := json.Marshal(t.Extra)
		if err != nil {
			return nil, invalid("put asset %q: asset tree extra: %w", a.Nid, err)
		}
		r.extra = sql.NullString{String: string(b), Valid: true}
	}
	return r, nil
}

// fillStored sets a.ID and a.FirstSeen from the stored asset with a.Nid and
// reports whether there is one.
func fillStored(ctx context.Context, q queryer, a *sleuth.Asset) (bool, error) {
	var id, fs int64
	err := q.QueryRowContext(ctx, `SELECT id, first_seen FROM assets WHERE nid = ?`, a.Nid).Scan(&id, &fs)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, failed(ctx, "put asset "+a.Nid, err)
	}
	a.ID, a.FirstSeen = sleuth.AssetID(id), fromMicros(fs)
	return true, nil
}

// insertAssetTx inserts a, which must be new, with its fingerprints, and
// returns its ID.
func (db *DB) insertAssetTx(ctx context.Context, tx *sql.Tx, a *sleuth.Asset, r *assetRow) (sleuth.AssetID, error) {
	op := "put asset " + a.Nid
	t := &a.Tree
	var id int64
	err := tx.StmtContext(ctx, db.insertAsset).QueryRowContext(ctx,
		a.Nid, a.Size, a.MIME, a.Width, a.Height, toMicros(r.firstSeen), a.Source,
		a.SHA256, a.BLAKE3, a.PixelSHA256,
		t.AssetCid, t.AssetSha256, t.EncodingFormat, t.AssetTimestampCreated,
		t.AssetCreator, t.AssetSourceType, t.Abstract, t.Headline, t.CreatorWallet,
		r.licName, r.licDoc, r.extra,
	).Scan(&id)
	if err != nil {
		return 0, failed(ctx, op, err)
	}
	if id > maxAssetID {
		return 0, sleuth.Errorf(sleuth.CodeStoreFailed,
			"sqlite: %s: asset id %d is over the limit of 2^32-1", op, id)
	}
	if len(a.Perceptual) > 0 {
		stmt := tx.StmtContext(ctx, db.insertFP)
		defer stmt.Close()
		for i, p := range a.Perceptual {
			if _, err := stmt.ExecContext(ctx, id, i, p.Kind, p.Hash, p.Quality); err != nil {
				return 0, failed(ctx, op, err)
			}
		}
	}
	return sleuth.AssetID(id), nil
}

// Asset implements sleuth.AssetStore.
func (db *DB) Asset(ctx context.Context, nid string) (*sleuth.Asset, error) {
	return db.oneAsset(ctx, "nid = ?", nid)
}

// AssetByID implements sleuth.AssetStore.
func (db *DB) AssetByID(ctx context.Context, id sleuth.AssetID) (*sleuth.Asset, error) {
	return db.oneAsset(ctx, "id = ?", int64(id))
}

// oneAsset returns the asset matching where (with its one argument), read
// in one transaction.
func (db *DB) oneAsset(ctx context.Context, where string, arg any) (*sleuth.Asset, error) {
	var a *sleuth.Asset
	err := db.withReadTx(ctx, "get asset", func(tx *sql.Tx) error {
		var err error
		a, err = oneAssetTx(ctx, tx, where, arg)
		return err
	})
	return a, err
}

func oneAssetTx(ctx context.Context, tx *sql.Tx, where string, arg any) (*sleuth.Asset, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+assetColumns+` FROM assets WHERE `+where, arg)
	if err != nil {
		return nil, failed(ctx, "get asset", err)
	}
	as, err := scanAssets(ctx, rows, 1)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, sleuth.Errorf(sleuth.CodeAssetNotFound, "asset %v not found", arg)
	}
	if err := loadFingerprints(ctx, tx, as); err != nil {
		return nil, err
	}
	return as[0], nil
}

// HasAsset implements sleuth.AssetStore.
func (db *DB) HasAsset(ctx context.Context, nid string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM assets WHERE nid = ?`, nid).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, failed(ctx, "has asset", err)
	}
	return true, nil
}

// DeleteAsset implements sleuth.AssetStore.
func (db *DB) DeleteAsset(ctx context.Context, nid string) (*sleuth.Asset, error) {
	var a *sleuth.Asset
	err := db.withTx(ctx, "delete asset", func(tx *sql.Tx) error {
		var err error
		a, err = oneAssetTx(ctx, tx, "nid = ?", nid)
		if err != nil {
			return err
		}
		// The fingerprints go with it: ON DELETE CASCADE.
		if _, err := tx.ExecContext(ctx, `DELETE FROM assets WHERE id = ?`, int64(a.ID)); err != nil {
			return failed(ctx, "delete asset "+nid, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ListAssets implements sleuth.AssetStore.
func (db *DB) ListAssets(ctx context.Context, f sleuth.AssetFilter) ([]*sleuth.Asset, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	var as []*sleuth.Asset
	err := db.withReadTx(ctx, "list assets", func(tx *sql.Tx) error {
		var err error
		as, err = assetPage(ctx, tx, f.After, math.MaxInt64, limit)
		return err
	})
	return as, err
}

// assetPage returns up to limit assets with after < ID <= upto, in ID
// order, with their fingerprints: two queries, whatever the number of
// assets.
func assetPage(ctx context.Context, tx *sql.Tx, after, upto sleuth.AssetID, limit int) ([]*sleuth.Asset, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT `+assetColumns+` FROM assets WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
		int64(after), int64(upto), limit)
	if err != nil {
		return nil, failed(ctx, "list assets", err)
	}
	hint := limit
	if span := upto - after; span > 0 && span < sleuth.AssetID(limit) {
		hint = int(span)
	}
	as, err := scanAssets(ctx, rows, hint)
	if err != nil {
		return nil, err
	}
	if err := loadFingerprints(ctx, tx, as); err != nil {
		return nil, err
	}
	return as, nil
}

// CountAssets implements sleuth.AssetStore.
func (db *DB) CountAssets(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets`).Scan(&n); err != nil {
		return 0, failed(ctx, "count assets", err)
	}
	return n, nil
}

// scanAssets reads the asset rows, assetColumns each, and closes rows.
func scanAssets(ctx context.Context, rows *sql.Rows, sizeHint int) ([]*sleuth.Asset, error) {
	defer rows.Close()
	as := make([]*sleuth.Asset, 0, sizeHint)
	for rows.Next() {
		var (
			a               sleuth.Asset
			t               = &a.Tree
			id, fs          int64
			licName, licDoc sql.NullString
			extra           sql.NullString
		)
		err := rows.Scan(&id, &a.Nid, &a.Size, &a.MIME, &a.Width, &a.Height, &fs, &a.Source,
			&a.SHA256, &a.BLAKE3, &a.PixelSHA256,
			&t.AssetCid, &t.AssetSha256, &t.EncodingFormat, &t.AssetTimestampCreated,
			&t.AssetCreator, &t.AssetSourceType, &t.Abstract, &t.Headline, &t.CreatorWallet,
			&licName, &licDoc, &extra)
		if err != nil {
			return nil, failed(ctx, "read asset", err)
		}
		a.ID, a.FirstSeen = sleuth.AssetID(id), fromMicros(fs)
		if licName.Valid || licDoc.Valid {
			t.License = &sleuth.License{Name: licName.String, Document: licDoc.String}
		}
		if extra.Valid {
			if err := json.Unmarshal([]byte(extra.String), &t.Extra); err != nil {
				return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: read asset %s: asset tree extra: %w", a.Nid, err)
			}
		}
		as = append(as, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "read assets", err)
	}
	return as, nil
}

// loadFingerprints fills the Perceptual of as, which are in ID order, with
// one range query.
func loadFingerprints(ctx context.Context, tx *sql.Tx, as []*sleuth.Asset) error {
	if len(as) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, selectFPRange, int64(as[0].ID), int64(as[len(as)-1].ID))
	if err != nil {
		return failed(ctx, "read fingerprints", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var (
			id int64
			p  sleuth.Perceptual
		)
		if err := rows.Scan(&id, &p.Kind, &p.Hash, &p.Quality); err != nil {
			return failed(ctx, "read fingerprints", err)
		}
		for i < len(as) && int64(as[i].ID) < id {
			i++
		}
		if i < len(as) && int64(as[i].ID) == id {
			as[i].Perceptual = append(as[i].Perceptual, p)
		}
	}
	if err := rows.Err(); err != nil {
		return failed(ctx, "read fingerprints", err)
	}
	return nil
}
