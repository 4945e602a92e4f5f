-- 0005: background jobs (collection reports) with leases, their committed
-- items and their events.
--
-- Portable as 0001 is. Times are BIGINT microseconds since the Unix epoch,
-- UTC; 0 means unset.
--
-- A worker holds a job while lease_until is in the future; every write it
-- makes checks lease_owner in the same statement, so a worker that lost its
-- lease cannot overwrite its successor's work.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    account_id  BIGINT  NOT NULL DEFAULT 0,
    secret      TEXT    NOT NULL DEFAULT '',
    params      TEXT    NOT NULL,               -- JSON
    status      TEXT    NOT NULL,               -- queued, running, done, failed
    total       BIGINT  NOT NULL DEFAULT 0,
    done        BIGINT  NOT NULL DEFAULT 0,
    cursor      TEXT    NOT NULL DEFAULT '',
    state       TEXT,                           -- JSON; NULL: none yet
    error       TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until BIGINT  NOT NULL DEFAULT 0,
    not_before  BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    finished_at BIGINT  NOT NULL DEFAULT 0
);

-- ClaimJob looks for claimable jobs by status.
CREATE INDEX jobs_status ON jobs (status, kind, id);

-- One committed result per item (a token's report), in commit order.
CREATE TABLE job_items (
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    key    TEXT   NOT NULL,
    data   TEXT   NOT NULL, -- JSON
    PRIMARY KEY (job_id, seq),
    UNIQUE (job_id, key)
);

-- Webhook deliveries, emails and failures of a job.
CREATE TABLE job_events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id BIGINT  NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at     BIGINT  NOT NULL,
    kind   TEXT    NOT NULL,
    ok     BOOLEAN NOT NULL,
    detail TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX job_events_job ON job_events (job_id, id);
