package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/solana"
	"github.com/sleuthhq/sleuth/chain/solana/solanatest"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/ipfslocal"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// ingestPNG draws a distinct 80x80 image for seed.
func ingestPNG(t *testing.T, seed int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 80, 80))
	for y := range 80 {
		for x := range 80 {
			m.Set(x, y, color.RGBA{uint8(x*3 + seed*40), uint8(y*3 - seed*17), uint8((x ^ y) * seed), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func solanaFixture(t *testing.T, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("..", "..", "testdata", "solana", name+".b64"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(s)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIngestSolanaCLI runs `sleuth ingest solana` end to end: a JSON-RPC
// server answering with real mainnet metadata accounts, the metadata JSON
// they point to, and their images on a local IPFS node, into a real store.
func TestIngestSolanaCLI(t *testing.T) {
	ctx := context.Background()
	sauceMint := solana.MustPublicKey("5ZXToo7froykjvjnpHtTLYr9u2tW3USMwPg3sNkiaQVh")
	goobergMint := solana.MustPublicKey("BghihYzykKNX1dMyS1snAR266G8czLi28xFK45ShCiMB")
	holder := solana.MustPublicKey("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")
	const sauceColl = "Bv3uQfxRHL6mdWXPgdXP6hNut2GL6VCMKatAAmWb3Eui"

	cl := solanatest.New()
	for _, name := range []string{"special-sauce", "gooberg-2235"} {
		if _, err := cl.AddMetadata(solanaFixture(t, name)); err != nil {
			t.Fatal(err)
		}
	}
	cl.AddTokenAccount(solana.MustPublicKey("2ZgDVcwBVQCTAxQYF8b3qXDMC3g4Ax4U2Srh2SWpVVPF"), sauceMint, holder, 1)
	cl.AddTokenAccount(solana.MustPublicKey("3Jw9K7p7qGbaBLRwwBmBpjCwUpuDXU8ngZ1S5AW8Gh7Z"), goobergMint, holder, 1)
	cl.AddSignatures(sauceMint, 1668038400, 1668038500)
	cl.AddSignatures(goobergMint, 1690000000)
	cl.Fail429(2) // the first calls are rate limited: the client retries
	rpc := httptest.NewServer(cl)
	defer rpc.Close()

	// The images are on a local IPFS node (real UnixFS import, boxo gateway).
	node, err := ipfslocal.New(ipfslocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	img1, img2 := ingestPNG(t, 1), ingestPNG(t, 2)
	c1, err := node.AddBytes(ctx, img1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := node.AddBytes(ctx, img2)
	if err != nil {
		t.Fatal(err)
	}
	ipfsGW := httptest.NewServer(node.Handler())
	defer ipfsGW.Close()
	// The accounts' token URIs name the real metadata documents on IPFS
	// (ipfs://bafkreif4wx…, ipfs://bafybeid3vx…/2235.json), whose bytes we
	// do not have: a second gateway stands in for the public one and
	// serves documents of the same shape at those paths.
	docs := map[string]string{
		"/ipfs/bafkreif4wx54wjr7pgfug3wlatr3nfntsfwngv6eusebbquezrxenj6ck4":           fmt.Sprintf(`{"name":"SPECIAL SAUCE","description":"","image":"ipfs://%s","properties":{"category":"image"}}`, c1),
		"/ipfs/bafybeid3vxffm77zjc2ezlzxlkejusjjpsaiiym2qbhjb2tgetqspwr7kq/2235.json": fmt.Sprintf(`{"name":"Gooberg #2235","symbol":"TGB","image":"https://nftstorage.link/ipfs/%s"}`, c2),
	}
	docGW := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[strings.TrimSuffix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(doc))
	}))
	defer docGW.Close()

	data := t.TempDir()
	base := []string{"ingest", "solana", "--rpc", rpc.URL, "--data", data, "--ipfs-gateway", ipfsGW.URL + "," + docGW.URL,
		"--allow-private", "--workers", "2", "--quiet"}

	// 1. The collection of SPECIAL SAUCE.
	code, out, errOut := runCLI(t, append(base, "--collection", sauceColl)...)
	if code != exitOK {
		t.Fatalf("collection: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(out, "ingested 1 Metaplex NFTs on solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp") || !strings.Contains(out, "1 stored, 0 unchanged, 0 failed; 1 new assets") {
		t.Errorf("collection summary: %s", out)
	}

	// 2. Both mints by address, JSON summary: SPECIAL SAUCE is unchanged.
	code, out, errOut = runCLI(t, append(base, "--mint", sauceMint.String()+","+goobergMint.String(), "--json")...)
	if code != exitOK {
		t.Fatalf("mints: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	var sum struct {
		Chain                                    string
		Mints, Stored, Unchanged, Failed, Assets int
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if sum.Chain != "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" || sum.Mints != 2 || sum.Stored != 1 || sum.Unchanged != 1 || sum.Failed != 0 || sum.Assets != 1 {
		t.Errorf("mints summary: %+v", sum)
	}

	// 3. Again: nothing new.
	code, out, _ = runCLI(t, append(base, "--mint", sauceMint.String(), "--mint", goobergMint.String())...)
	if code != exitOK || !strings.Contains(out, "0 stored, 2 unchanged, 0 failed; 0 new assets") {
		t.Errorf("re-run: exit %d: %s", code, out)
	}

	// 4. A mint without a metadata account fails alone.
	code, out, errOut = runCLI(t, append(base, "--mint", holder.String()+","+sauceMint.String())...)
	if code != exitFail || !strings.Contains(errOut, holder.String()+": solana: mint "+holder.String()+" has no metadata account") ||
		!strings.Contains(errOut, "[sleuth.solana.not_found]") || !strings.Contains(out, "ingested 2 Metaplex NFTs") || !strings.Contains(out, "0 stored, 1 unchanged, 1 failed") {
		t.Errorf("missing mint: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}

	st, err := sqlite.Open(ctx, dbPath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	chain := "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
	r, err := st.NFT(ctx, sleuth.NFTKey{Chain: chain, Contract: sauceColl, TokenID: sauceMint.String()})
	if err != nil {
		t.Fatal(err)
	}
	if r.NFTSpec != "metaplex" || r.Creator != "7oUUEdptZnZVhSet4qobU9PtpPfiNUEJ8ftPnrC6YEaa" || r.CurrentOwner != holder.String() ||
		r.CreatedAt.Unix() != 1668038400 || r.ImageURL != "ipfs://"+c1 || !slices.Equal(r.AssetCids, []string{cid.Bytes(img1)}) ||
		!strings.Contains(string(r.Metadata), "SPECIAL SAUCE") {
		t.Errorf("SPECIAL SAUCE record: %+v", r)
	}
	r, err = st.NFT(ctx, sleuth.NFTKey{Chain: chain, Contract: "sthjmSDHECgWnkxnrVsFBefLfRfuXTh1EYFagfeYmry", TokenID: goobergMint.String()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Creator != "2Q4oTtkWuRuhQNAXm6hcEz63GXUc2bcRzYsMLtDeddqM" || !slices.Equal(r.AssetCids, []string{cid.Bytes(img2)}) || r.CreatedAt.Unix() != 1690000000 {
		t.Errorf("Gooberg record: %+v", r)
	}
	coll, err := st.Collection(ctx, chain, sauceColl)
	if err != nil || coll.Supply != 1 {
		t.Errorf("collection: %+v %v", coll, err)
	}
	if cl.Requests("getGenesisHash") < 3 {
		t.Errorf("the rate-limited first calls were not retried")
	}
}

func TestIngestSolanaUsage(t *testing.T) {
	for _, args := range [][]string{
		{"ingest", "solana"},
		{"ingest", "solana", "--rpc", "http://127.0.0.1:1"},
		{"ingest", "solana", "--rpc", "http://127.0.0.1:1", "--mint", "x", "--collection", "y"},
		{"ingest", "solana", "--rpc", "ftp://x", "--mint", "5ZXToo7froykjvjnpHtTLYr9u2tW3USMwPg3sNkiaQVh"},
		{"ingest", "solana", "--rpc", "http://127.0.0.1:1", "--mint", "not-base58-0OIl"},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
