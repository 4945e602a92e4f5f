package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/storetest"
)

// The crash test runs this test binary again as a child (TestCrashChild),
// which writes to the store given in crashDBEnv until it is killed.
const (
	crashDBEnv    = "SLEUTH_SQLITE_CRASH_DB"
	crashStartEnv = "SLEUTH_SQLITE_CRASH_START"
	crashMaxPuts  = 1_000_000 // the child stops by itself after this many
)

// crashAsset is the i-th asset the child writes: six fingerprints.
func crashAsset(i int) *sleuth.Asset {
	a := storetest.NewAsset(fmt.Sprintf("bafkreicrash%09d", i), i)
	for j := range 3 {
		a.Perceptual = append(a.Perceptual, sleuth.Perceptual{
			Kind: sleuth.KindPDQ, Hash: fmt.Sprintf("%064x", i*10+j), Quality: j,
		})
	}
	return a
}

// crashNFT is the i-th NFT record the child writes, pointing to three Nids.
func crashNFT(i int) *sleuth.NFTRecord {
	return &sleuth.NFTRecord{
		Chain: "eip155:1", Contract: "0xcrash", TokenID: strconv.Itoa(i),
		AssetCids: []string{fmt.Sprintf("n%da", i), fmt.Sprintf("n%db", i), fmt.Sprintf("n%dc", i)},
		Metadata:  json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
	}
}

// TestCrashChild is the child of TestCrash; on its own it does nothing.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("the child process of TestCrash")
	}
	start, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var mu sync.Mutex // one line at a time on stdout
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	// NFT records alongside, so that the kill may land in either kind of
	// transaction.
	go func() {
		for i := start; i < start+crashMaxPuts; i++ {
			if err := db.PutNFT(ctx, crashNFT(i)); err != nil {
				report("error %v", err)
				os.Exit(2)
			}
			report("nft %d", i)
		}
	}()
	for i := start; i < start+crashMaxPuts; i++ {
		a := crashAsset(i)
		if _, err := db.PutAsset(ctx, a); err != nil {
			report("error %v", err)
			os.Exit(2)
		}
		report("asset %d", i)
	}
	os.Exit(3)
}

// TestCrash kills a process that is writing to the store with SIGKILL, then
// checks that every write it reported committed is there, whole, and that
// no write is there in part.
func TestCrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")
	var assets, nfts []int
	for round := range 3 {
		start := round * 10_000_000
		wantLines := 300 + 250*round
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashStartEnv+"="+strconv.Itoa(start))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		t.Cleanup(func() {
			if !killed {
				cmd.Process.Kill()
				cmd.Wait()
			}
		})
		sc := bufio.NewScanner(out)
		lines := 0
		for sc.Scan() {
			kind, num, _ := strings.Cut(sc.Text(), " ")
			switch kind {
			case "asset", "nft":
				i, err := strconv.Atoi(num)
				if err != nil {
					t.Fatalf("child said %q", sc.Text())
				}
				if kind == "asset" {
					assets = append(assets, i)
				} else {
					nfts = append(nfts, i)
				}
			default:
				t.Fatalf("child said %q; stderr:\n%s", sc.Text(), stderr.String())
			}
			lines++
			if lines == wantLines && !killed {
				// kill -9, in the middle of a write most likely. What the
				// child wrote to the pipe before dying is read on below:
				// it had all been committed.
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("child ended on its own after %d lines: %v; stderr:\n%s", lines, err, stderr.String())
		}
		t.Logf("round %d: killed the child after %d committed writes (%v)", round, lines, err)
		checkAfterCrash(t, ctx, path, assets, nfts)
	}
}

// checkAfterCrash reopens the store and checks it.
func checkAfterCrash(t *testing.T, ctx context.Context, path string, assets, nfts []int) {
	t.Helper()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer db.Close()

	var integrity string
	if err := db.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q, %v", integrity, err)
	}
	rows, err := db.read.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
	rows.Close()
	if v, err := db.SchemaVersion(ctx); v != LatestSchemaVersion() || err != nil {
		t.Errorf("SchemaVersion %d, %v; want %d", v, err, LatestSchemaVersion())
	}

	// Every reported asset is there with all its fingerprints.
	for _, i := range assets {
		want := crashAsset(i)
		got, err := db.Asset(ctx, want.Nid)
		if err != nil {
			t.Fatalf("asset %d reported committed: %v", i, err)
		}
		if !reflect.DeepEqual(got.Perceptual, want.Perceptual) || got.SHA256 != want.SHA256 {
			t.Fatalf("asset %d: fingerprints %v, want %v", i, got.Perceptual, want.Perceptual)
		}
	}
	// No asset without all its fingerprints, reported or not.
	var partial int
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets a
WHERE (SELECT COUNT(*) FROM fingerprints f WHERE f.asset_id = a.id) <> 6`).Scan(&partial)
	if err != nil || partial != 0 {
		t.Errorf("%d assets without their 6 fingerprints (%v)", partial, err)
	}
	n, err := db.CountAssets(ctx)
	if err != nil || n < int64(len(assets)) || n > int64(len(assets))+3 {
		t.Errorf("CountAssets %d, %v; %d reported committed (one more per round may have committed unreported)", n, err, len(assets))
	}

	// Every reported NFT is there with its nft_assets rows, and no record
	// lacks them.
	for _, i := range nfts {
		want := crashNFT(i)
		got, err := db.NFT(ctx, want.Key())
		if err != nil {
			t.Fatalf("NFT %d reported committed: %v", i, err)
		}
		if !reflect.DeepEqual(got.AssetCids, want.AssetCids) {
			t.Fatalf("NFT %d: asset cids %v, want %v", i, got.AssetCids, want.AssetCids)
		}
		for _, nid := range want.AssetCids {
			rs, err := db.NFTsByAsset(ctx, nid)
			if err != nil || len(rs) != 1 || rs[0].TokenID != want.TokenID {
				t.Fatalf("NFTsByAsset(%s) = %d records, %v", nid, len(rs), err)
			}
		}
	}
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM nft_records r
WHERE (SELECT COUNT(*) FROM nft_assets a WHERE a.chain = r.chain AND a.contract = r.contract AND a.token_id = r.token_id) <> 3`).Scan(&partial)
	if err != nil || partial != 0 {
		t.Errorf("%d NFT records without their 3 nft_assets rows (%v)", partial, err)
	}

	// And it takes new writes.
	a := storetest.NewAsset(fmt.Sprintf("bafkreiafter%d", len(assets)), 1)
	if created, err := db.PutAsset(ctx, a); err != nil || !created {
		t.Fatalf("PutAsset after the crash: %v, %v", created, err)
	}
	if _, err := db.DeleteAsset(ctx, a.Nid); err != nil {
		t.Fatal(err)
	}
}
