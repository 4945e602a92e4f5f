// Package sqlite is Sleuth's default store: sleuth.Store and
// sleuth.AccountStore in one SQLite file, through the pure-Go driver
// modernc.org/sqlite (no cgo).
//
// # Connections
//
// Open keeps two pools on the file. The write pool has a single connection,
// so writes are serialized in the process and never fail with SQLITE_BUSY
// against each other; its transactions start with BEGIN IMMEDIATE, taking
// the write lock at once, so that two processes on the same file wait for
// each other (busy_timeout) instead of deadlocking on a lock upgrade. The
// read pool has several query_only connections; in WAL mode readers see the
// last committed state and neither block the writer nor wait for it. Reads
// that must be consistent (an asset and its fingerprints, a page of
// assets) run in one read transaction. EachAsset reads pages of consecutive
// IDs on several read connections at once and hands them to its callback
// in order, a bounded number of pages ahead.
//
// # Pragmas
//
// Every connection runs, when it opens:
//
//   - journal_mode=WAL (the writer; the mode is persistent in the file):
//     readers and the writer run concurrently, and a commit is one append to
//     the -wal file.
//   - synchronous=NORMAL: in WAL mode a commit is written to the operating
//     system before COMMIT returns, and the WAL is fsynced at checkpoints.
//     A committed transaction survives a crash of the process (kill -9); a
//     power loss or kernel crash may lose the last transactions before a
//     checkpoint, but never corrupts the database. synchronous=FULL would
//     also survive those at the price of an fsync per commit.
//   - foreign_keys=ON: SQLite leaves foreign keys off by default; fingerprints
//     rely on ON DELETE CASCADE.
//   - busy_timeout: how long to wait for a lock held by another process (or
//     a checkpoint) before failing.
//   - query_only (readers): a read connection cannot write by mistake.
//
// Open checks that the file really is in WAL mode and fails if not (some
// network file systems refuse it).
//
// # Schema and migrations
//
// The schema is in embedded files migrations/NNNN_name.sql, numbered from
// 1 without gaps. Migrate, which Open calls, applies each migration the file
// has not had, in order, each in its own transaction together with its row
// in schema_migrations (version, applied_at): a migration is applied wholly
// or not at all, and running Migrate again does nothing. A file whose
// version is higher than the binary's last migration was written by a newer
// Sleuth and is refused (ErrSchemaTooNew); nothing in it is touched.
// Migrations are never edited once released: a change is a new file.
//
// The SQL is kept portable so that the PostgreSQL backend can follow it:
// plain types, times as BIGINT microseconds since the Unix epoch (UTC, the
// precision PostgreSQL keeps), JSON in TEXT columns, upserts written as
// INSERT ... ON CONFLICT. The one SQLite-only construct is INTEGER PRIMARY
// KEY AUTOINCREMENT, which keeps asset IDs from ever being reused.
//
// # Tables
//
//   - assets: one row per Nid; the AssetTree as columns, its Extra as JSON.
//   - fingerprints: the perceptual fingerprints of an asset, one row each,
//     in order (ordinal), deleted with it.
//   - nft_records: one row per (chain, contract, token_id); AssetCids as a
//     JSON array, metadata as JSON text.
//   - nft_assets: one row per distinct (token, Nid), for NFTsByAsset.
//   - collections: one row per (chain, contract).
//   - accounts: id, name, the balance in micro-credits (never negative).
//   - api_keys: one row per key: the SHA-256 of its secret, never the
//     secret; scopes as a comma-separated list; revoked_at NULL while the
//     key is live. Keys are revoked, never deleted.
//   - orders: one row per billable call, its ID a random (version 4) UUID;
//     status reserved, then completed or refunded; completed_at is when it
//     was settled either way.
//   - credit_ledger: one row per change of a balance (AddCredits, the
//     reservation of a priced order, its refund), with the balance after
//     it and, for orders, the order's ID. A balance is always the sum of
//     its account's ledger deltas.
//
// # Credits
//
// Credits move only inside a write transaction that also writes the ledger
// row. Taking credits is one conditional statement,
//
//	UPDATE accounts SET credits = credits - ? WHERE id = ? AND credits >= ?
//
// and when it changes no row the balance did not cover the cost and nothing
// is written: Reserve does it in the transaction that inserts the order and
// its ledger row. Here the single writer connection runs such transactions
// one at a time; the statement is also what keeps a backend with many
// writers (PostgreSQL) from overspending, since the UPDATE waits for the
// row lock of a concurrent one and checks its condition again. Settling an
// order is likewise a conditional UPDATE on status = 'reserved', so an order
// is refunded at most once.
//
// # Crash safety
//
// Every write is one transaction: an asset and its fingerprints, a record
// and its nft_assets rows, a change of balance and its ledger row. After a crash SQLite rolls back what was not
// committed when the file is next opened, so each write is there wholly or
// not at all. The crash test in this package kills a writing process with
// SIGKILL and checks exactly that.
package sqlite
