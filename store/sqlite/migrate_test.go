package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/storetest"
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

// TestMigrateFromVersion1 checks that a database made by a Sleuth that
// knew only 0001 is brought to the latest version by Open, keeping what it
// held, and that the tables of 0002 then work.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sleuth.db")
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	v1 := fstest.MapFS{"migrations/" + ms[0].name: &fstest.MapFile{Data: []byte(ms[0].sql)}}
	old, err := open(ctx, path, v1)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := old.SchemaVersion(ctx); v != 1 || err != nil {
		t.Fatalf("SchemaVersion of the old database = %d, %v; want 1", v, err)
	}
	var n int
	if err := old.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'accounts'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("version 1 has an accounts table: %d, %v", n, err)
	}
	var before []*sleuth.Asset
	for i := range 5 {
		a := storetest.NewAsset(fmt.Sprintf("bafkreiold%d", i), i)
		if _, err := old.PutAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
		before = append(before, a)
	}
	rec := &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xold", TokenID: "1", AssetCids: []string{before[0].Nid}}
	if err := old.PutNFT(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); v != LatestSchemaVersion() || v < 2 || err != nil {
		t.Fatalf("SchemaVersion after the upgrade = %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	if rows := migrationRows(t, db); len(rows) != LatestSchemaVersion() {
		t.Errorf("schema_migrations after the upgrade: %q", rows)
	}
	after, err := db.ListAssets(ctx, sleuth.AssetFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d assets after the upgrade, want %d", len(after), len(before))
	}
	for i, a := range after {
		b := before[i]
		if a.ID != b.ID || a.Nid != b.Nid || !a.FirstSeen.Equal(b.FirstSeen) || !reflect.DeepEqual(a.Perceptual, b.Perceptual) ||
			!reflect.DeepEqual(a.Tree, b.Tree) {
			t.Errorf("asset %d after the upgrade:\n%+v\nwant\n%+v", i, *a, *b)
		}
	}
	if rs, err := db.NFTsByAsset(ctx, before[0].Nid); err != nil || len(rs) != 1 {
		t.Errorf("NFTsByAsset after the upgrade: %d records, %v", len(rs), err)
	}

	acct := &sleuth.Account{Name: "after the upgrade"}
	if err := db.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddCredits(ctx, acct.ID, sleuth.CreditUnit, "test"); err != nil {
		t.Fatal(err)
	}
	o := &sleuth.Order{AccountID: acct.ID, Operation: "asset_search", Cost: sleuth.CreditUnit / 5}
	if err := db.Reserve(ctx, o); err != nil {
		t.Fatal(err)
	}
	if a, err := db.Account(ctx, acct.ID); err != nil || a.Credits != sleuth.CreditUnit*4/5 {
		t.Errorf("Account after a reservation: %+v, %v", a, err)
	}
}
