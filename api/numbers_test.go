package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
)

func TestNid(t *testing.T) {
	e := newEnv(t, Config{})
	files := fileServer(t)
	img := readImage(t, imgOrig)
	want := cid.Bytes(img)

	r := e.postFile("/v1/nid", "", "file", img, nil)
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if got := str(t, m, "cid"); got != want {
		t.Errorf("cid %s, want %s", got, want)
	}
	if got := num(t, m, "fileSize"); got != float64(len(img)) {
		t.Errorf("fileSize %v, want %d", got, len(img))
	}
	if got := num(t, m, "cid_version"); got != 1 {
		t.Errorf("cid_version %v", got)
	}

	// By URL, and a file that is not a picture.
	r = e.postJSON("/v1/nid", "", map[string]any{"fileURL": files.URL + "/pdq/" + imgOrig})
	wantStatus(t, r, http.StatusOK)
	if got := str(t, r.json(t), "cid"); got != want {
		t.Errorf("fileURL: cid %s, want %s", got, want)
	}
	r = e.postJSON("/v1/nid", "", map[string]any{"fileURL": files.URL + "/note.txt"})
	wantStatus(t, r, http.StatusOK)
	if got, want := str(t, r.json(t), "cid"), cid.Bytes([]byte("not a picture\n")); got != want {
		t.Errorf("text file: cid %s, want %s", got, want)
	}
	r = e.postFile("/v1/nid", "", "file", []byte("%PDF-1.4\n"), nil)
	wantStatus(t, r, http.StatusOK)

	// No input; Get Nid is free.
	wantError(t, e.postJSON("/v1/nid", "", map[string]any{}), http.StatusBadRequest, CodeNoInput)
	if got := e.balance(e.user); got != 1000*sleuth.CreditUnit {
		t.Errorf("balance %s after free calls", got)
	}

	// A fetch failure has the fetcher's code and status.
	r = e.postJSON("/v1/nid", "", map[string]any{"fileURL": files.URL + "/missing.png"})
	if r.status != http.StatusBadGateway {
		t.Errorf("missing file: status %d, body %s", r.status, r.body)
	}
}

// nftFixture registers orig and puts NFT records that use it.
type nftFixture struct {
	orig, copy128 string
	old, fresh    sleuth.NFTRecord
}

func putNFTs(t *testing.T, e *testEnv) nftFixture {
	ctx := context.Background()
	f := nftFixture{orig: e.register(imgOrig)}
	f.old = sleuth.NFTRecord{
		Chain: "eip155:1", Contract: "0xa6b9ff1a999f06cca06e548d5bd702d6f62841ab", TokenID: "42",
		AssetCids: []string{f.orig}, CurrentOwner: "0xc262c18061226fc7286e8cdab297ae0a92a2267c",
		NFTSpec: "erc721", Creator: "0xc262c18061226Fc7286e8cdab297aE0A92a2267c",
		CreatedAt: time.Date(2022, 6, 23, 4, 8, 31, 0, time.UTC),
		Metadata:  json.RawMessage(`{"name":"Bridge","image":"ipfs://x"}`),
		ImageURL:  "ipfs://x", TokenURI: "ipfs://meta/42",
	}
	f.fresh = sleuth.NFTRecord{
		Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Contract: "So1anaMint1111111111111111111111111111111111", TokenID: "1",
		AssetCids: []string{f.orig}, PrimaryMarketplace: "https://magiceden.io", NFTSpec: "metaplex",
		CreatedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second),
	}
	for _, r := range []*sleuth.NFTRecord{&f.old, &f.fresh} {
		if err := e.db.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

var numbersTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)

func TestTheftDetection(t *testing.T) {
	e := newEnv(t, Config{})
	f := putNFTs(t, e)
	copyImg := readImage(t, imgCopy128)
	copyNid := cid.Bytes(copyImg)

	r := e.postFile("/v1/theft-detection", "", "file", copyImg, nil)
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if got := str(t, m, "searchNid"); got != copyNid {
		t.Errorf("searchNid %s, want %s", got, copyNid)
	}
	if got := str(t, m, "inputFileMimetype"); got != "image/jpeg" {
		t.Errorf("inputFileMimetype %q", got)
	}
	if str(t, m, "orderID") == "" {
		t.Error("no orderID")
	}
	results := obj(t, m, "results")
	recs := list(t, results, f.orig)
	if len(recs) != 2 {
		t.Fatalf("results[orig] has %d records, want 2: %s", len(recs), r.body)
	}
	// Oldest first: the EVM record, in Numbers' shape.
	evm := recs[0].(map[string]any)
	for _, k := range []string{"chain_id", "contract", "token_id", "asset_cids", "primary_marketplace", "current_owner",
		"nft_spec", "creator", "created_at", "metadata", "animation_url", "image_url", "token_uri"} {
		if _, ok := evm[k]; !ok {
			t.Errorf("nftRecord lacks %s: %v", k, evm)
		}
	}
	if got := num(t, evm, "chain_id"); got != 1 {
		t.Errorf("chain_id %v, want the number 1", got)
	}
	if evm["primary_marketplace"] != nil {
		t.Errorf("primary_marketplace %v, want null", evm["primary_marketplace"])
	}
	if got := str(t, evm, "created_at"); got != "2022-06-23T04:08:31" {
		t.Errorf("created_at %q", got)
	}
	if got := str(t, obj(t, evm, "metadata"), "name"); got != "Bridge" {
		t.Errorf("metadata.name %q", got)
	}
	if got := list(t, evm, "asset_cids"); len(got) != 1 || got[0] != f.orig {
		t.Errorf("asset_cids %v", got)
	}
	for _, k := range []string{"contract", "token_id", "current_owner", "nft_spec", "creator", "image_url", "token_uri"} {
		str(t, evm, k)
	}
	sol := recs[1].(map[string]any)
	if got := str(t, sol, "chain_id"); got != f.fresh.Chain {
		t.Errorf("solana chain_id %q", got)
	}
	if got := str(t, sol, "primary_marketplace"); got != "https://magiceden.io" {
		t.Errorf("primary_marketplace %q", got)
	}
	if !numbersTimeRE.MatchString(str(t, sol, "created_at")) {
		t.Errorf("created_at %q", sol["created_at"])
	}
	obj(t, sol, "metadata") // {} when unknown

	// Sleuth's explanation.
	ms := list(t, m, "matches")
	if len(ms) != 1 {
		t.Fatalf("matches %v", ms)
	}
	mt := ms[0].(map[string]any)
	if str(t, mt, "nid") != f.orig || str(t, mt, "tier") != "near_exact" || str(t, mt, "fingerprint") != "pdq" {
		t.Errorf("match %v", mt)
	}
	if s := num(t, mt, "score"); s < 0.88 || s >= 1 {
		t.Errorf("score %v", s)
	}
	num(t, mt, "distance")
	str(t, mt, "variant")

	// excludedContracts (another case; multipart field holding a JSON
	// list, as in Numbers' curl example).
	r = e.postFile("/v1/theft-detection", "", "file", copyImg, map[string]string{
		"excludedContracts": `["` + strings.ToUpper(f.old.Contract[:2]) + strings.ToUpper(f.old.Contract[2:]) + `"]`,
	})
	wantStatus(t, r, http.StatusOK)
	if recs := list(t, obj(t, r.json(t), "results"), f.orig); len(recs) != 1 || recs[0].(map[string]any)["token_id"] != "1" {
		t.Errorf("excludedContracts: %v", recs)
	}
	// Solana addresses are compared exactly.
	r = e.postFile("/v1/theft-detection", "", "file", copyImg, map[string]string{
		"excludedContracts": strings.ToLower(f.fresh.Contract),
	})
	if recs := list(t, obj(t, r.json(t), "results"), f.orig); len(recs) != 2 {
		t.Errorf("lower-case Solana address excluded a record: %v", recs)
	}

	// onlyNewNFT.
	r = e.postFile("/v1/theft-detection", "", "file", copyImg, map[string]string{"onlyNewNFT": "true"})
	wantStatus(t, r, http.StatusOK)
	if recs := list(t, obj(t, r.json(t), "results"), f.orig); len(recs) != 1 || recs[0].(map[string]any)["nft_spec"] != "metaplex" {
		t.Errorf("onlyNewNFT: %v", recs)
	}

	// excludedAssets.
	r = e.postFile("/v1/theft-detection", "", "file", copyImg, map[string]string{"excludedAssets": `["` + f.orig + `"]`})
	wantStatus(t, r, http.StatusOK)
	if res := obj(t, r.json(t), "results"); len(res) != 0 {
		t.Errorf("excludedAssets: results %v", res)
	}

	// threshold: 0.01 keeps exact copies only.
	r = e.postFile("/v1/theft-detection", "", "file", copyImg, map[string]string{"threshold": "0.01"})
	wantStatus(t, r, http.StatusOK)
	if res := obj(t, r.json(t), "results"); len(res) != 0 {
		t.Errorf("threshold 0.01: results %v", res)
	}
	r = e.postFile("/v1/theft-detection", "", "file", readImage(t, imgOrig), map[string]string{"threshold": "0"})
	wantStatus(t, r, http.StatusOK)
	if recs := list(t, obj(t, r.json(t), "results"), f.orig); len(recs) != 2 {
		t.Errorf("exact copy at threshold 0: %v", recs)
	}
	wantError(t, e.postFile("/v1/theft-detection", "", "file", copyImg, map[string]string{"threshold": "-1"}),
		http.StatusBadRequest, sleuth.CodeBadRequest)

	// By URL (JSON body), and an unrelated picture finds nothing.
	files := fileServer(t)
	r = e.postJSON("/v1/theft-detection", "", map[string]any{"fileURL": files.URL + "/pdq/" + imgCopy256, "excludedContracts": []string{}})
	wantStatus(t, r, http.StatusOK)
	if recs := list(t, obj(t, r.json(t), "results"), f.orig); len(recs) != 2 {
		t.Errorf("fileURL: %v", recs)
	}
	r = e.postFile("/v1/theft-detection", "", "file", readImage(t, imgOther), nil)
	wantStatus(t, r, http.StatusOK)
	if res := obj(t, r.json(t), "results"); len(res) != 0 {
		t.Errorf("unrelated picture: results %v", res)
	}

	// Records on an unregistered file's Nid are found too.
	unreg := readImage(t, imgOther)
	rec := sleuth.NFTRecord{Chain: "eip155:137", Contract: "0x1111111111111111111111111111111111111111", TokenID: "7",
		AssetCids: []string{cid.Bytes(unreg)}, CreatedAt: time.Now().UTC()}
	if err := e.db.PutNFT(context.Background(), &rec); err != nil {
		t.Fatal(err)
	}
	r = e.postFile("/v1/theft-detection", "", "file", unreg, nil)
	wantStatus(t, r, http.StatusOK)
	if recs := list(t, obj(t, r.json(t), "results"), cid.Bytes(unreg)); len(recs) != 1 || recs[0].(map[string]any)["chain_id"] != 137.0 {
		t.Errorf("unregistered Nid: %v", recs)
	}

	// Every call above that answered 200 cost one credit.
	u := e.usage(e.user)
	if u.ByOp["theft_detection"] == 0 || u.Spent != sleuth.Credits(u.ByOp["theft_detection"]-u.Refunded)*sleuth.CreditUnit {
		t.Errorf("usage %+v", u)
	}
}

func TestAssetSearch(t *testing.T) {
	e := newEnv(t, Config{})
	orig := e.register(imgOrig)
	c256 := e.register(imgCopy256)
	other := e.register(imgOther)
	copyImg := readImage(t, imgCopy128)

	r := e.postFile("/v1/asset-search", "", "file", copyImg, nil)
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if got := str(t, m, "preciseSearch"); got != "" {
		t.Errorf("preciseSearch %q for an unregistered file", got)
	}
	if got := str(t, m, "inputFileMimetype"); got != "image/jpeg" {
		t.Errorf("inputFileMimetype %q", got)
	}
	str(t, m, "orderID")
	ss := obj(t, m, "similarSearch")
	nids, dists := list(t, ss, "nids"), list(t, ss, "distance")
	if len(nids) != 2 || len(dists) != 2 {
		t.Fatalf("similarSearch %v", ss)
	}
	if !slices.Contains(nids, any(orig)) || !slices.Contains(nids, any(c256)) || slices.Contains(nids, any(other)) {
		t.Errorf("nids %v (orig %s, copy %s)", nids, orig, c256)
	}
	if d0, d1 := dists[0].(float64), dists[1].(float64); d0 > d1 || d0 <= 0 || d1 > 0.12 {
		t.Errorf("distances %v", dists)
	}

	// sampleCount and threshold.
	r = e.postFile("/v1/asset-search", "", "file", copyImg, map[string]string{"sampleCount": "1"})
	if nids := list(t, obj(t, r.json(t), "similarSearch"), "nids"); len(nids) != 1 {
		t.Errorf("sampleCount 1: %v", nids)
	}
	r = e.postFile("/v1/asset-search", "", "file", copyImg, map[string]string{"threshold": "0.001"})
	if nids := list(t, obj(t, r.json(t), "similarSearch"), "nids"); len(nids) != 0 {
		t.Errorf("threshold 0.001: %v", nids)
	}

	// A registered file: preciseSearch, distance 0 first.
	r = e.postFile("/v1/asset-search", "", "file", readImage(t, imgOrig), nil)
	m = r.json(t)
	if got := str(t, m, "preciseSearch"); got != orig {
		t.Errorf("preciseSearch %q, want %s", got, orig)
	}
	ss = obj(t, m, "similarSearch")
	if nids, d := list(t, ss, "nids"), list(t, ss, "distance"); len(nids) != 2 || nids[0] != orig || d[0] != 0.0 {
		t.Errorf("similarSearch %v", ss)
	}

	// By Nid (JSON) and by URL.
	r = e.postJSON("/v1/asset-search", "", map[string]any{"nid": c256})
	wantStatus(t, r, http.StatusOK)
	m = r.json(t)
	if str(t, m, "preciseSearch") != c256 || str(t, m, "inputFileMimetype") != "image/jpeg" {
		t.Errorf("by nid: %s", r.body)
	}
	if nids := list(t, obj(t, m, "similarSearch"), "nids"); len(nids) != 2 || nids[0] != c256 || nids[1] != orig {
		t.Errorf("by nid: nids %v", nids)
	}
	files := fileServer(t)
	r = e.postJSON("/v1/asset-search", "", map[string]any{"fileURL": files.URL + "/pdq/" + imgOther})
	wantStatus(t, r, http.StatusOK)
	if got := str(t, r.json(t), "preciseSearch"); got != other {
		t.Errorf("by URL: preciseSearch %q", got)
	}

	// Errors, none of them charged.
	before := e.balance(e.user)
	wantError(t, e.postJSON("/v1/asset-search", "", map[string]any{"nid": "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}),
		http.StatusNotFound, sleuth.CodeAssetNotFound)
	wantError(t, e.postJSON("/v1/asset-search", "", map[string]any{}), http.StatusBadRequest, CodeNoInput)
	wantError(t, e.postJSON("/v1/asset-search", "", map[string]any{"nid": orig, "sampleCount": 0}), http.StatusBadRequest, sleuth.CodeBadRequest)
	if got := e.balance(e.user); got != before {
		t.Errorf("balance %s, want %s", got, before)
	}
}

func TestNFTSearch(t *testing.T) {
	e := newEnv(t, Config{})
	f := putNFTs(t, e)
	r := e.get("/v1/nft-search?nid="+url.QueryEscape(f.orig), "")
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if str(t, m, "nid") != f.orig || str(t, m, "orderID") == "" {
		t.Errorf("%s", r.body)
	}
	recs := list(t, m, "nftRecords")
	if len(recs) != 2 || recs[0].(map[string]any)["chain_id"] != 1.0 || recs[0].(map[string]any)["token_id"] != "42" {
		t.Errorf("nftRecords %v", recs)
	}
	before := e.balance(e.user)
	r = e.get("/v1/nft-search?nid=bafkreiunknown", "")
	wantStatus(t, r, http.StatusOK)
	if recs := list(t, r.json(t), "nftRecords"); len(recs) != 0 {
		t.Errorf("unknown nid: %v", recs)
	}
	if got := before - e.balance(e.user); got != sleuth.CreditUnit/100 {
		t.Errorf("NFT search cost %s, want 0.01", got)
	}
	wantError(t, e.get("/v1/nft-search", ""), http.StatusBadRequest, CodeNoInput)
}
