package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// busyTimeout is how long a connection waits for a lock held by another
// connection (another process, or a checkpoint) before failing with
// SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// DB is a Sleuth store in one SQLite file. It implements sleuth.Store and
// sleuth.AccountStore and is safe for concurrent use.
type DB struct {
	path  string
	write *sql.DB // one connection: every write transaction, in turn
	read  *sql.DB // a pool of query_only connections
	// readers is how many read connections EachAsset uses at once.
	readers int
	// Statements prepared once on the writer, for PutAsset.
	insertAsset, insertFP *sql.Stmt
}

var _ sleuth.Store = (*DB)(nil)

// Open opens the store in the SQLite file at path, creating the file and its
// parent directories when they do not exist, and brings its schema up to date
// (see Migrate). A database written by a newer Sleuth is refused.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, migrationFS)
}

// open is Open with the migrations in fsys, so that the tests can make a
// database at an older schema version.
func open(ctx context.Context, path string, fsys fs.FS) (*DB, error) {
	if path == "" {
		return nil, sleuth.Errorf(sleuth.CodeStoreInvalid, "sqlite: open: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: open %s: %w", path, err)
	}
	db := &DB{path: abs}

	// The writer is opened first: its first connection switches the file to
	// WAL (a persistent setting) before any reader exists.
	db.write, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err := db.checkWAL(ctx); err != nil {
		db.write.Close()
		return nil, err
	}

	db.read, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		db.write.Close()
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	db.read.SetConnMaxLifetime(0)
	db.read.SetConnMaxIdleTime(0)
	db.readers = max(1, n/2)

	if err := db.migrate(ctx, fsys); err != nil {
		db.Close()
		return nil, err
	}
	if db.insertAsset, err = db.write.PrepareContext(ctx, insertAsset); err != nil {
		db.Close()
		return nil, failed(ctx, "open "+db.path, err)
	}
	if db.insertFP, err = db.write.PrepareContext(ctx, insertFP); err != nil {
		db.Close()
		return nil, failed(ctx, "open "+db.path, err)
	}
	return db, nil
}

// dsn returns the data source name of a connection to the file at path,
// with the pragmas every connection runs when it opens.
func dsn(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		// Write transactions take the write lock at BEGIN, so that two
		// processes never deadlock upgrading a read lock.
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	// A file: URI, so that a path with '?' or '#' in it stays one path.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:/C:/...
	}
	return "file:" + p + "?" + q.Encode()
}

// checkWAL makes sure the file really is in WAL mode: journal_mode(WAL) is
// quietly ignored on some file systems and for in-memory databases.
func (db *DB) checkWAL(ctx context.Context) error {
	var mode string
	if err := db.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return failed(ctx, "open "+db.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: open %s: journal mode is %q, want wal", db.path, mode)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes the store's connections. Calls after Close fail with
// sleuth.store.failed.
func (db *DB) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{db.insertAsset, db.insertFP} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: close: %w", err)
	}
	return nil
}

// failed wraps a database error as sleuth.store.failed. When ctx is done the
// cause is ctx.Err(), so that errors.Is(err, context.Canceled) holds whatever
// the driver reported.
func failed(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: %s: %w", op, ctxErr)
	}
	return sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: %s: %w", op, err)
}

// invalid returns a sleuth.store.invalid error.
func invalid(format string, args ...any) error {
	return sleuth.Errorf(sleuth.CodeStoreInvalid, "sqlite: "+format, args...)
}

// withTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it, or
// rolls it back when fn fails.
func (db *DB) withTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return failed(ctx, op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return failed(ctx, op, err)
	}
	return nil
}

// withReadTx runs fn in a read transaction, a consistent snapshot of the
// database, on the read pool.
func (db *DB) withReadTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return failed(ctx, op, err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// Times are kept as microseconds since the Unix epoch, UTC: exact at the
// precision PostgreSQL keeps, and wide enough for the zero time.Time.

func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time {
	t := time.UnixMicro(us).UTC()
	if t.IsZero() {
		return time.Time{}
	}
	return t
}

// now is the current time as the store keeps it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
