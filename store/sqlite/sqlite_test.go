package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/storetest"
)

// openTest opens a fresh store in a temporary directory, closed when t ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sleuth.Store { return openTest(t) })
}

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, c := range []struct {
		pool  string
		query string
		want  string
	}{
		{"write", "PRAGMA journal_mode", "wal"},
		{"write", "PRAGMA synchronous", "1"},
		{"write", "PRAGMA foreign_keys", "1"},
		{"write", "PRAGMA busy_timeout", "10000"},
		{"write", "PRAGMA query_only", "0"},
		{"read", "PRAGMA journal_mode", "wal"},
		{"read", "PRAGMA synchronous", "1"},
		{"read", "PRAGMA foreign_keys", "1"},
		{"read", "PRAGMA busy_timeout", "10000"},
		{"read", "PRAGMA query_only", "1"},
	} {
		pool := db.write
		if c.pool == "read" {
			pool = db.read
		}
		var got string
		if err := pool.QueryRowContext(ctx, c.query).Scan(&got); err != nil {
			t.Fatalf("%s %s: %v", c.pool, c.query, err)
		}
		if got != c.want {
			t.Errorf("%s %s = %s, want %s", c.pool, c.query, got, c.want)
		}
	}
	if _, err := db.read.ExecContext(ctx, `DELETE FROM assets`); err == nil {
		t.Error("a read connection could write")
	}
}

func TestOpenCreatesDirectories(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b?c#d%20e", "sleuth.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	var file string
	if err := db.read.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		t.Fatal(err)
	}
	if file != path {
		t.Errorf("SQLite opened %q, want %q", file, path)
	}
	if _, err := Open(ctx, ""); sleuth.ErrorCode(err) != sleuth.CodeStoreInvalid {
		t.Errorf("Open(\"\") = %v, want %s", err, sleuth.CodeStoreInvalid)
	}
}

// TestFingerprintsCascade checks that deleting an asset deletes its
// fingerprint rows, not just hides them.
func TestFingerprintsCascade(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := storetest.NewAsset("bafkreia", 1)
	b := storetest.NewAsset("bafkreib", 2)
	for _, x := range []*sleuth.Asset{a, b} {
		if _, err := db.PutAsset(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DeleteAsset(ctx, a.Nid); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM fingerprints WHERE asset_id = ?`, int64(a.ID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d fingerprint rows left after DeleteAsset", n)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM fingerprints`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(b.Perceptual) {
		t.Errorf("%d fingerprint rows, want %d", n, len(b.Perceptual))
	}
}

// TestAssetIDLimit checks that IDs stop below 2^32, without a trace of the
// refused asset.
func TestAssetIDLimit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.PutAsset(ctx, storetest.NewAsset("bafkrei0", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = 'assets'`, int64(maxAssetID-1)); err != nil {
		t.Fatal(err)
	}
	last := storetest.NewAsset("bafkrei1", 1)
	if _, err := db.PutAsset(ctx, last); err != nil {
		t.Fatal(err)
	}
	if last.ID != maxAssetID {
		t.Errorf("ID %d, want %d", last.ID, maxAssetID)
	}
	over := storetest.NewAsset("bafkrei2", 2)
	created, err := db.PutAsset(ctx, over)
	if err == nil || created || sleuth.ErrorCode(err) != sleuth.CodeStoreFailed {
		t.Fatalf("PutAsset over the limit: %v, %v; want %s", created, err, sleuth.CodeStoreFailed)
	}
	t.Log(err)
	if over.ID != 0 {
		t.Errorf("refused asset got ID %d", over.ID)
	}
	if ok, _ := db.HasAsset(ctx, over.Nid); ok {
		t.Error("refused asset stored")
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM fingerprints`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d fingerprint rows, want 6", n)
	}
}

// TestCanceled checks that a canceled context stops calls with an error
// that says so.
func TestCanceled(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := db.PutAsset(ctx, storetest.NewAsset("bafkreia", 1))
	if !errors.Is(err, context.Canceled) || sleuth.ErrorCode(err) != sleuth.CodeStoreFailed {
		t.Errorf("PutAsset(canceled) = %v", err)
	}
	if _, err := db.Asset(ctx, "bafkreia"); !errors.Is(err, context.Canceled) {
		t.Errorf("Asset(canceled) = %v", err)
	}
	if _, err := db.ListAssets(ctx, sleuth.AssetFilter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListAssets(canceled) = %v", err)
	}
	if n, err := db.CountAssets(context.Background()); n != 0 || err != nil {
		t.Errorf("CountAssets: %d, %v", n, err)
	}
}
