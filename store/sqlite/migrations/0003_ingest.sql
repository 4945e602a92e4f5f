-- 0003: ingest checkpoints.
--
-- One row per ingest source (an EVM contract, a Solana collection, ...) on
-- a chain: how far ingestion has fully processed it. block is the last
-- block (or slot) whose every event is stored; cursor is an opaque
-- position for sources that need one (empty otherwise).
CREATE TABLE checkpoints (
    chain      TEXT   NOT NULL, -- CAIP-2 chain id
    source     TEXT   NOT NULL, -- contract address, collection, ...
    block      BIGINT NOT NULL,
    cursor     TEXT   NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL, -- unix microseconds, UTC
    PRIMARY KEY (chain, source)
);
