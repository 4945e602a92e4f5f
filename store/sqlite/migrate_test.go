package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sleuthhq/sleuth"
)

func TestMigrationsEmbedded(t *testing.T) {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || LatestSchemaVersion() != len(ms) {
		t.Fatalf("%d migrations, LatestSchemaVersion %d", len(ms), LatestSchemaVersion())
	}
}

func TestMigrateFresh(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sleuth.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != LatestSchemaVersion() {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	before := migrationRows(t, db)
	if len(before) != LatestSchemaVersion() {
		t.Fatalf("schema_migrations has %d rows, want %d", len(before), LatestSchemaVersion())
	}
	// Migrate again, then reopen: nothing changes.
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := migrationRows(t, db)
	if strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("schema_migrations changed on reopen:\n%s\nthen\n%s", before, after)
	}
}

func migrationRows(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.read.Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, at string
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, v+" "+at)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sleuth.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	future := LatestSchemaVersion() + 1
	if _, err := db.write.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'later')`, future); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctx, path)
	if err == nil {
		t.Fatal("Open of a database from a newer version: no error")
	}
	if !errors.Is(err, ErrSchemaTooNew) || sleuth.ErrorCode(err) != sleuth.CodeStoreFailed {
		t.Errorf("error %v (code %s), want ErrSchemaTooNew, %s", err, sleuth.ErrorCode(err), sleuth.CodeStoreFailed)
	}
	t.Log(err)
	for _, want := range []string{"newer", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestMigrateAtomic checks that a failing migration leaves nothing behind,
// and that the next good run applies the rest in order.
func TestMigrateAtomic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	latest := LatestSchemaVersion()
	fsys := fstest.MapFS{}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		fsys["migrations/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	name := func(v int, s string) string { return fmt.Sprintf("migrations/%04d_%s.sql", v, s) }
	fsys[name(latest+1, "good")] = &fstest.MapFile{Data: []byte(`CREATE TABLE t1 (x INTEGER); INSERT INTO t1 VALUES (1);`)}
	fsys[name(latest+2, "bad")] = &fstest.MapFile{Data: []byte(`CREATE TABLE t2 (x INTEGER); INSERT INTO nosuchtable VALUES (1);`)}

	err = db.migrate(ctx, fsys)
	if err == nil || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("migrate with a bad migration: %v", err)
	}
	if v, _ := db.SchemaVersion(ctx); v != latest+1 {
		t.Errorf("SchemaVersion %d, want %d (the good one applied, the bad one not)", v, latest+1)
	}
	var n int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 't2'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed migration: %d, %v", n, err)
	}

	fsys[name(latest+2, "bad")] = &fstest.MapFile{Data: []byte(`CREATE TABLE t2 (x INTEGER);`)}
	if err := db.migrate(ctx, fsys); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SchemaVersion(ctx); v != latest+2 {
		t.Errorf("SchemaVersion %d, want %d", v, latest+2)
	}

	// Gaps and bad names are refused before anything runs.
	delete(fsys, name(latest+1, "good"))
	if err := db.migrate(ctx, fsys); err == nil {
		t.Error("migrations with a gap: no error")
	}
}
