-- 0004: the stolen registry and its audit trail.
--
-- Portable as 0001 is (for PostgreSQL, "INTEGER PRIMARY KEY AUTOINCREMENT"
-- becomes "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"); times are
-- BIGINT microseconds since the Unix epoch, UTC.
--
-- A token has at most one open report (the partial unique index); once
-- resolved, it can be reported again, as a new report. Reports are never
-- deleted, and their events are only ever appended: stolen_events is the
-- audit trail of who (account, key) did what, when, with which note.
CREATE TABLE stolen_reports (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    chain                TEXT    NOT NULL, -- CAIP-2 chain id
    contract             TEXT    NOT NULL, -- EVM addresses in lower case
    token_id             TEXT    NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('open', 'resolved')),
    note                 TEXT    NOT NULL DEFAULT '',
    tx_hash              TEXT    NOT NULL DEFAULT '',
    reported_by_account  BIGINT  NOT NULL,
    reported_by_key      TEXT    NOT NULL DEFAULT '',
    reports              INTEGER NOT NULL DEFAULT 1,
    resolution           TEXT    NOT NULL DEFAULT '',
    resolved_by_account  BIGINT,           -- NULL while open
    resolved_by_key      TEXT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    resolved_at          BIGINT            -- NULL while open
);

CREATE UNIQUE INDEX stolen_reports_open ON stolen_reports (chain, contract, token_id) WHERE status = 'open';
CREATE INDEX stolen_reports_token ON stolen_reports (chain, contract, token_id);

CREATE TABLE stolen_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   BIGINT  NOT NULL REFERENCES stolen_reports (id),
    action      TEXT    NOT NULL, -- 'report', 'resolve'
    from_status TEXT    NOT NULL DEFAULT '', -- '' when the event created the report
    to_status   TEXT    NOT NULL,
    account_id  BIGINT  NOT NULL,
    key_id      TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);

CREATE INDEX stolen_events_report ON stolen_events (report_id, id);

-- Tokens by id alone (sleuth.TokenIndex): a Solana mint, whatever its
-- collection.
CREATE INDEX nft_records_token ON nft_records (chain, token_id);
