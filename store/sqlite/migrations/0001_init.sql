-- 0001: assets, fingerprints, NFT records and collections.
--
-- Portable SQL on purpose: a PostgreSQL schema is this file with
-- "INTEGER PRIMARY KEY AUTOINCREMENT" replaced by
-- "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" (and, optionally,
-- TEXT JSON columns by JSONB). Times are BIGINT microseconds since the Unix
-- epoch, UTC, so that both backends keep the same precision.

-- One row per registered file. id is never reused (AUTOINCREMENT).
CREATE TABLE assets (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    nid                     TEXT    NOT NULL UNIQUE,
    size                    BIGINT  NOT NULL,
    mime                    TEXT    NOT NULL,
    width                   INTEGER NOT NULL DEFAULT 0,
    height                  INTEGER NOT NULL DEFAULT 0,
    first_seen              BIGINT  NOT NULL, -- unix microseconds, UTC
    source                  TEXT    NOT NULL DEFAULT '',
    sha256                  TEXT    NOT NULL,
    blake3                  TEXT    NOT NULL,
    pixel_sha256            TEXT    NOT NULL DEFAULT '',
    -- The AssetTree, one column per modelled field.
    asset_cid               TEXT    NOT NULL DEFAULT '',
    asset_sha256            TEXT    NOT NULL DEFAULT '',
    encoding_format         TEXT    NOT NULL DEFAULT '',
    asset_timestamp_created BIGINT  NOT NULL DEFAULT 0,
    asset_creator           TEXT    NOT NULL DEFAULT '',
    asset_source_type       TEXT    NOT NULL DEFAULT '',
    abstract                TEXT    NOT NULL DEFAULT '',
    headline                TEXT    NOT NULL DEFAULT '',
    creator_wallet          TEXT    NOT NULL DEFAULT '',
    license_name            TEXT,             -- NULL: no licence
    license_document        TEXT,
    tree_extra              TEXT              -- AssetTree.Extra as a JSON object; NULL: none
);

CREATE INDEX assets_sha256 ON assets (sha256);
CREATE INDEX assets_blake3 ON assets (blake3);
CREATE INDEX assets_pixel_sha256 ON assets (pixel_sha256);

-- The perceptual fingerprints of an asset, in order (ordinal 0, 1, ...).
CREATE TABLE fingerprints (
    asset_id INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    hash     TEXT    NOT NULL,
    quality  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (asset_id, ordinal)
);

-- One row per token.
CREATE TABLE nft_records (
    chain               TEXT   NOT NULL,
    contract            TEXT   NOT NULL,
    token_id            TEXT   NOT NULL,
    asset_cids          TEXT   NOT NULL, -- JSON array of Nids, in order
    primary_marketplace TEXT   NOT NULL DEFAULT '',
    current_owner       TEXT   NOT NULL DEFAULT '',
    nft_spec            TEXT   NOT NULL DEFAULT '',
    creator             TEXT   NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL, -- unix microseconds, UTC
    metadata            TEXT,            -- JSON; NULL: none
    image_url           TEXT   NOT NULL DEFAULT '',
    animation_url       TEXT   NOT NULL DEFAULT '',
    token_uri           TEXT   NOT NULL DEFAULT '',
    updated_at          BIGINT NOT NULL, -- unix microseconds, UTC
    PRIMARY KEY (chain, contract, token_id)
);

-- Which tokens point to which Nid (each distinct Nid of asset_cids once),
-- for NFTsByAsset. Kept in step with nft_records by the store.
CREATE TABLE nft_assets (
    chain    TEXT NOT NULL,
    contract TEXT NOT NULL,
    token_id TEXT NOT NULL,
    nid      TEXT NOT NULL,
    PRIMARY KEY (chain, contract, token_id, nid),
    FOREIGN KEY (chain, contract, token_id)
        REFERENCES nft_records (chain, contract, token_id) ON DELETE CASCADE
);

CREATE INDEX nft_assets_nid ON nft_assets (nid);

CREATE TABLE collections (
    chain       TEXT    NOT NULL,
    contract    TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    symbol      TEXT    NOT NULL DEFAULT '',
    supply      BIGINT  NOT NULL DEFAULT 0,
    verified    BOOLEAN NOT NULL DEFAULT FALSE,
    market_name TEXT    NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL, -- unix microseconds, UTC
    PRIMARY KEY (chain, contract)
);
