package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is the cause of the error Open and Migrate return for a
// database whose schema version is newer than any this binary knows: it was
// written by a newer Sleuth, and an older one must not touch it.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of sleuth supports")

// migration is one file of migrations/: NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads and checks the migrations in fsys: versions 1, 2, ...
// without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// LatestSchemaVersion is the schema version this binary writes: the number
// of its migrations.
func LatestSchemaVersion() int {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return len(ms)
}

// Migrate brings the schema up to date: it applies, in order, each embedded
// migration the database has not had yet, each in its own transaction
// together with its row in schema_migrations. It is idempotent, and safe to
// run from several processes at once (each migration takes the write lock
// and checks the version again). A database whose version is newer than
// this binary's is refused with an error wrapping ErrSchemaTooNew.
func (db *DB) Migrate(ctx context.Context) error {
	return db.migrate(ctx, migrationFS)
}

func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: migrate: %w", err)
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)`
	if _, err := db.write.ExecContext(ctx, create); err != nil {
		return failed(ctx, "migrate", err)
	}
	latest := len(ms)
	for {
		done := false
		err := db.withTx(ctx, "migrate", func(tx *sql.Tx) error {
			v, err := schemaVersion(ctx, tx)
			if err != nil {
				return err
			}
			if v > latest {
				return sleuth.Errorf(sleuth.CodeStoreFailed,
					"sqlite: %s: schema version %d, this binary knows up to %d: %w",
					db.path, v, latest, ErrSchemaTooNew)
			}
			if v == latest {
				done = true
				return nil
			}
			m := ms[v]
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return failed(ctx, "migrate: "+m.name, err)
			}
			const record = `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`
			at := time.Now().UTC().Format(time.RFC3339Nano)
			if _, err := tx.ExecContext(ctx, record, m.version, at); err != nil {
				return failed(ctx, "migrate: "+m.name, err)
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// SchemaVersion returns the version of the database's schema: the highest
// migration applied, 0 for none.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.read)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, failed(ctx, "schema version", err)
	}
	return v, nil
}
