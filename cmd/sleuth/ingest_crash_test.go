package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/devnet"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// TestIngestKilled kills `sleuth ingest evm` (SIGKILL) while it works, then
// runs it again: the second run resumes after the checkpoint, and in the
// end every token has exactly one whole record and every image one asset.
// Wherever the kill lands these hold.
func TestIngestKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sleuth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dn, err := devnet.Start(ctx, devnet.Options{Count: 120, ImageKB: 20, Editions: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer dn.Close()
	data := filepath.Join(dir, "data")
	args := []string{"ingest", "evm", "--rpc", dn.RPCURL, "--contract", dn.ERC721.Address.Hex(),
		"--ipfs-gateway", dn.GatewayURL, "--allow-private", "--data", data, "--page-blocks", "1", "--workers", "1"}

	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()

	count := func() (records int, cp uint64) {
		st, err := sqlite.Open(ctx, filepath.Join(data, "sleuth.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if c, err := st.Checkpoint(ctx, "eip155:1337", dn.Tokens[0].Contract); err == nil {
			cp = c.Block
		}
		for _, tk := range dn.Tokens {
			_, err := st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1337", Contract: tk.Contract, TokenID: tk.TokenID})
			if err == nil {
				records++
			} else if tk.MintBlock <= cp {
				t.Errorf("token %s, minted in block %d, has no record but the checkpoint is block %d", tk.TokenID, tk.MintBlock, cp)
			}
		}
		return records, cp
	}
	before, cp := count()
	t.Logf("%d of %d records and checkpoint block %d before the kill", before, len(dn.Tokens), cp)

	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	after, _ := count()
	if after != len(dn.Tokens) {
		t.Fatalf("%d records after the second run, want %d", after, len(dn.Tokens))
	}
	// The second run read only blocks after the checkpoint: it stored
	// what the first had not (the kill's page, perhaps, again).
	if !strings.Contains(string(out), "NFTs stored") {
		t.Errorf("second run said %q", out)
	}
	// Checked field by field by the in-process tests; here: one asset per
	// distinct image, each whole.
	st, err := sqlite.Open(ctx, filepath.Join(data, "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[string]bool{}
	for _, tk := range dn.Tokens {
		want[tk.ImageNid()] = true
		if tk.Animation != nil {
			want[cid.Bytes(tk.Animation)] = true
		}
	}
	n := 0
	err = st.EachAsset(ctx, func(a *sleuth.Asset) error {
		n++
		if !want[a.Nid] {
			t.Errorf("unexpected asset %s", a.Nid)
		}
		return nil
	})
	if err != nil || n != len(want) {
		t.Errorf("%d assets (%v), want %d", n, err, len(want))
	}
}
