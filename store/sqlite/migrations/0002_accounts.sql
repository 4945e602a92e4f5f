-- 0002: accounts, API keys, orders and the credit ledger.
--
-- Portable as 0001 is: for PostgreSQL, "INTEGER PRIMARY KEY AUTOINCREMENT"
-- becomes "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY". Amounts of
-- credits are BIGINT micro-credits (sleuth.Credits); times are BIGINT
-- microseconds since the Unix epoch, UTC.
--
-- Credits move only in transactions that also write credit_ledger, so an
-- account's credits always equal the sum of its ledger deltas.

-- id is never reused (AUTOINCREMENT). The CHECK is a last line of defence:
-- the store never lets a balance go negative in the first place.
CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    credits    BIGINT  NOT NULL DEFAULT 0 CHECK (credits >= 0), -- micro-credits
    created_at BIGINT  NOT NULL                                 -- unix microseconds, UTC
);

-- The secret is never stored, only its SHA-256 (hex). Keys are revoked, not
-- deleted.
CREATE TABLE api_keys (
    id              TEXT             PRIMARY KEY, -- "sk_..."
    account_id      BIGINT           NOT NULL REFERENCES accounts (id),
    name            TEXT             NOT NULL DEFAULT '',
    secret_hash     TEXT             NOT NULL,
    scopes          TEXT             NOT NULL DEFAULT '', -- comma-separated: "search,report"
    rate_per_second DOUBLE PRECISION NOT NULL DEFAULT 0,  -- 0: the server's default
    burst           INTEGER          NOT NULL DEFAULT 0,  -- 0: the server's default
    created_at      BIGINT           NOT NULL,            -- unix microseconds, UTC
    revoked_at      BIGINT                                -- NULL: not revoked
);

CREATE INDEX api_keys_account ON api_keys (account_id, created_at);

-- One row per billable call. key_id is not a foreign key: an order may be
-- made without a key (an operator's tool), and keys are never deleted.
CREATE TABLE orders (
    id           TEXT   PRIMARY KEY, -- UUID v4
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    key_id       TEXT   NOT NULL DEFAULT '',
    operation    TEXT   NOT NULL,
    cost         BIGINT NOT NULL CHECK (cost >= 0), -- micro-credits
    status       TEXT   NOT NULL CHECK (status IN ('reserved', 'completed', 'refunded')),
    created_at   BIGINT NOT NULL, -- unix microseconds, UTC
    completed_at BIGINT,          -- when completed or refunded; NULL while reserved
    detail       TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX orders_account ON orders (account_id, created_at);

-- Every change of a balance, in order (id). balance_after is the balance
-- once delta is applied; order_id names the order a reservation or refund
-- belongs to.
CREATE TABLE credit_ledger (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    BIGINT  NOT NULL REFERENCES accounts (id),
    delta         BIGINT  NOT NULL, -- micro-credits
    balance_after BIGINT  NOT NULL, -- micro-credits
    reason        TEXT    NOT NULL DEFAULT '',
    order_id      TEXT    REFERENCES orders (id),
    created_at    BIGINT  NOT NULL  -- unix microseconds, UTC
);

CREATE INDEX credit_ledger_account ON credit_ledger (account_id, id);
CREATE INDEX credit_ledger_order ON credit_ledger (order_id);
