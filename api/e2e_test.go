package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/api"
	"github.com/sleuthhq/sleuth/client"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// e2e is a real server (real SQLite store, real engine) on a loopback
// port, and an admin key.
type e2e struct {
	t    *testing.T
	db   *sqlite.DB
	eng  *engine.Engine
	acc  *accounts.Service
	url  string
	user sleuth.AccountID
	key  string // admin key of user, with 1000 credits
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := engine.Open(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := fetch.New(fetch.Config{AllowPrivate: true, AllowHTTP: true, Timeout: 30 * time.Second})
	srv := api.New(eng, db, f, api.Config{RatePerSecond: 1e6, Burst: 1e6})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &e2e{t: t, db: db, eng: eng, acc: &accounts.Service{Store: db, Prices: accounts.DefaultPrices()}, url: ts.URL}
	e.user = e.account("user", "1000")
	e.key = e.newKey(e.user, sleuth.ScopeAdmin)
	return e
}

func (e *e2e) account(name, credits string) sleuth.AccountID {
	e.t.Helper()
	ctx := context.Background()
	a := &sleuth.Account{Name: name}
	if err := e.db.CreateAccount(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if c, err := sleuth.ParseCredits(credits); err != nil {
		e.t.Fatal(err)
	} else if c != 0 {
		if _, err := e.db.AddCredits(ctx, a.ID, c, "test"); err != nil {
			e.t.Fatal(err)
		}
	}
	return a.ID
}

func (e *e2e) newKey(account sleuth.AccountID, scopes ...sleuth.Scope) string {
	e.t.Helper()
	_, k, err := e.acc.NewKey(context.Background(), account, "e2e", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

func (e *e2e) client(key string, opts ...client.Option) *client.Client {
	return client.New(e.url, key, opts...)
}

var pdqDir = filepath.Join("..", "testdata", "pdq")

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pdqDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editedCopy is an edited copy of a JPEG: halved in size (box filter),
// slightly brightened and re-encoded at quality 70.
func editedCopy(t *testing.T, data []byte) []byte {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	w, h := b.Dx()/2, b.Dy()/2
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, bl uint32
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				cr, cg, cb, _ := src.At(b.Min.X+2*x+d[0], b.Min.Y+2*y+d[1]).RGBA()
				r, g, bl = r+cr>>8, g+cg>>8, bl+cb>>8
			}
			lift := func(v uint32) uint8 { return uint8(min(255, v/4+6)) }
			dst.Set(x, y, color.RGBA{lift(r), lift(g), lift(bl), 255})
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// wantAPIError checks that err is a *client.Error with status and code, a
// message and a request id.
func wantAPIError(t *testing.T, what string, err error, status int, code string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v (%T), want a *client.Error %d %s", what, err, err, status, code)
	}
	if e.Status != status || e.Code != code || e.Message == "" || !strings.HasPrefix(e.RequestID, "req_") {
		t.Errorf("%s: %+v, want status %d code %s", what, e, status, code)
	}
	return e
}

// TestEndToEnd drives a real server through the client package: the way
// a Go user (or the CLI) sees Sleuth.
func TestEndToEnd(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	admin := e.client(e.key)
	if err := admin.Healthz(ctx); err != nil {
		t.Fatal(err)
	}

	// ---- register the original, streamed from disk ----
	origPath := filepath.Join(pdqDir, "bridge-mods", "aaa-orig.jpg")
	f, err := os.Open(origPath)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := admin.RegisterAsset(ctx, client.RegisterAssetRequest{
		File: &client.File{Name: "aaa-orig.jpg", Reader: f},
		AssetTree: &client.AssetTree{Headline: "Bridge", AssetCreator: "Meta", AssetTimestampCreated: 1700000000,
			License: &client.License{Name: "CC-BY-4.0"}, Extra: map[string]any{"series": "bridges"}},
	})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	orig := readFile(t, "bridge-mods/aaa-orig.jpg")
	a := reg.Asset
	if !reg.Created || reg.OrderID == "" || a.Size != int64(len(orig)) || a.MIME != "image/jpeg" || a.Width == 0 ||
		a.AssetTree.Headline != "Bridge" || a.AssetTree.License == nil || a.AssetTree.License.Name != "CC-BY-4.0" ||
		a.AssetTree.Extra["series"] != "bridges" || a.AssetTree.AssetCid != a.Nid || a.AssetTree.EncodingFormat != "image/jpeg" {
		t.Errorf("registered %+v", reg)
	}
	nid := a.Nid
	// Again: not created, the stored asset.
	again, err := admin.RegisterAsset(ctx, client.RegisterAssetRequest{File: &client.File{Name: "again.jpg", Reader: bytes.NewReader(orig)}})
	if err != nil || again.Created || again.Asset.ID != a.ID || again.Asset.AssetTree.Headline != "Bridge" {
		t.Errorf("registered again: %+v %v", again, err)
	}
	nidRes, err := admin.Nid(ctx, client.File{Name: "aaa-orig.jpg", Reader: bytes.NewReader(orig)})
	if err != nil || nidRes.CID != nid || nidRes.FileSize != int64(len(orig)) || nidRes.CIDVersion != 1 {
		t.Errorf("nid %+v %v", nidRes, err)
	}

	// ---- NFT records that use it ----
	mint := time.Date(2022, 6, 23, 4, 8, 31, 0, time.UTC)
	for _, r := range []*sleuth.NFTRecord{
		{Chain: "eip155:1", Contract: "0xa6b9ff1a999f06cca06e548d5bd702d6f62841ab", TokenID: "42", AssetCids: []string{nid},
			CurrentOwner: "0xc262c18061226fc7286e8cdab297ae0a92a2267c", NFTSpec: "erc721", Creator: "0xc262c18061226Fc7286e8cdab297aE0A92a2267c",
			CreatedAt: mint, Metadata: json.RawMessage(`{"name":"Bridge","image":"ipfs://bafyimage"}`), ImageURL: "ipfs://bafyimage", TokenURI: "ipfs://bafymeta/42"},
		{Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Contract: "So1anaMint1111111111111111111111111111111111", TokenID: "1",
			AssetCids: []string{nid}, PrimaryMarketplace: "https://magiceden.io", NFTSpec: "metaplex"},
	} {
		if err := e.db.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	// ---- theft detection of an edited copy ----
	edited := editedCopy(t, orig)
	if bytes.Equal(edited, orig) {
		t.Fatal("the copy is not edited")
	}
	td, err := admin.TheftDetection(ctx, client.TheftDetectionRequest{File: &client.File{Name: "copy.jpg", Reader: bytes.NewReader(edited)}})
	if err != nil {
		t.Fatal(err)
	}
	if td.SearchNid == nid || td.InputFileMimetype != "image/jpeg" || td.OrderID == "" {
		t.Errorf("theft detection %+v", td)
	}
	recs, found := td.Results[nid]
	if !found || len(recs) != 2 {
		t.Fatalf("theft detection did not find the original %s: %+v", nid, td)
	}
	if len(td.Matches) == 0 || td.Matches[0].Nid != nid || td.Matches[0].Tier != "near_exact" || td.Matches[0].Score <= 0.88 {
		t.Errorf("theft detection matches %+v", td.Matches)
	}
	// Options: excluded contracts, a threshold that leaves the copy out.
	strict := 0.001
	td2, err := admin.TheftDetection(ctx, client.TheftDetectionRequest{File: &client.File{Name: "copy.jpg", Reader: bytes.NewReader(edited)},
		ExcludedContracts: []string{"0xA6B9FF1A999F06CCA06E548D5BD702D6F62841AB"}})
	if err != nil || len(td2.Results[nid]) != 1 || td2.Results[nid][0].ChainID != "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" {
		t.Errorf("excludedContracts: %+v %v", td2, err)
	}
	td3, err := admin.TheftDetection(ctx, client.TheftDetectionRequest{File: &client.File{Name: "copy.jpg", Reader: bytes.NewReader(edited)}, Threshold: &strict})
	if err != nil || len(td3.Results) != 0 {
		t.Errorf("threshold %g: %+v %v", strict, td3, err)
	}

	// ---- NFT records in Numbers' shape ----
	ns, err := admin.NFTSearch(ctx, nid)
	if err != nil {
		t.Fatal(err)
	}
	if ns.Nid != nid || ns.OrderID == "" || len(ns.NFTRecords) != 2 {
		t.Fatalf("nft search %+v", ns)
	}
	byChain := map[client.ChainID]client.NFTRecord{}
	for _, r := range ns.NFTRecords {
		byChain[r.ChainID] = r
	}
	evm, sol := byChain["eip155:1"], byChain["solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"]
	if n, ok := evm.ChainID.EVM(); !ok || n != 1 {
		t.Errorf("EVM chain_id %q", evm.ChainID)
	}
	if evm.CreatedAt == nil || *evm.CreatedAt != "2022-06-23T04:08:31" || evm.PrimaryMarketplace != nil ||
		evm.TokenID != "42" || evm.NFTSpec != "erc721" || !slices.Equal(evm.AssetCids, []string{nid}) ||
		evm.Creator != "0xc262c18061226Fc7286e8cdab297aE0A92a2267c" || evm.TokenURI != "ipfs://bafymeta/42" || evm.ImageURL != "ipfs://bafyimage" {
		t.Errorf("EVM record %+v", evm)
	}
	var md map[string]any
	if json.Unmarshal(evm.Metadata, &md) != nil || md["name"] != "Bridge" {
		t.Errorf("EVM metadata %s", evm.Metadata)
	}
	if sol.CreatedAt != nil || sol.PrimaryMarketplace == nil || *sol.PrimaryMarketplace != "https://magiceden.io" ||
		string(sol.Metadata) != "{}" || sol.NFTSpec != "metaplex" {
		t.Errorf("Solana record %+v (metadata %s)", sol, sol.Metadata)
	}
	// The raw JSON: chain_id a number for EVM, the CAIP-2 id otherwise.
	raw, _ := json.Marshal(ns.NFTRecords)
	if !strings.Contains(string(raw), `"chain_id":1,`) || !strings.Contains(string(raw), `"chain_id":"solana:`) {
		t.Errorf("records %s", raw)
	}

	// ---- asset search by file and by nid ----
	as, err := admin.AssetSearch(ctx, client.AssetSearchRequest{File: &client.File{Name: "copy.jpg", Reader: bytes.NewReader(edited)}, SampleCount: 5})
	if err != nil {
		t.Fatal(err)
	}
	if as.PreciseSearch != "" || len(as.SimilarSearch.Nids) != 1 || as.SimilarSearch.Nids[0] != nid ||
		len(as.SimilarSearch.Distance) != 1 || as.SimilarSearch.Distance[0] > 0.12 || as.OrderID == "" {
		t.Errorf("asset search by file %+v", as)
	}
	as, err = admin.AssetSearch(ctx, client.AssetSearchRequest{Nid: nid})
	if err != nil {
		t.Fatal(err)
	}
	if as.PreciseSearch != nid || len(as.SimilarSearch.Nids) == 0 || as.SimilarSearch.Nids[0] != nid || as.SimilarSearch.Distance[0] != 0 ||
		as.InputFileMimetype != "image/jpeg" {
		t.Errorf("asset search by nid %+v", as)
	}

	// ---- lookup by PDQ and pHash computed elsewhere, and by file ----
	fp, err := fingerprint.Bytes(edited, fingerprint.Options{})
	if err != nil || fp.Pixels == nil {
		t.Fatalf("fingerprint of the copy: %v", err)
	}
	for _, q := range []struct{ algorithm, hash string }{{"pdq", fp.PDQ.String()}, {"perceptual_hash", fp.PHash.String()}} {
		lr, err := e.client(e.key, client.WithAuthHeader(client.AuthBearer)).Lookup(ctx, client.LookupRequest{Algorithm: q.algorithm, BindingHash: q.hash})
		if err != nil {
			t.Fatalf("lookup by %s: %v", q.algorithm, err)
		}
		if len(lr.Matches) != 1 || lr.Matches[0].AssetID != nid || lr.Matches[0].MatchType != "perceptual_hash" ||
			lr.Matches[0].Distance == nil || lr.Matches[0].Confidence <= 0.5 || lr.Matches[0].ManifestURI != nil ||
			!strings.HasPrefix(lr.RequestID, "req_") || !strings.Contains(lr.Matches[0].VerifierURL, "/asset-profile?nid="+nid) {
			t.Errorf("lookup by %s: %+v", q.algorithm, lr)
		}
	}
	lr, err := admin.Lookup(ctx, client.LookupRequest{File: &client.File{Name: "orig.jpg", Reader: bytes.NewReader(orig)}})
	if err != nil || len(lr.Matches) != 1 || lr.Matches[0].MatchType != "exact_hash" || lr.Matches[0].Distance != nil || lr.Matches[0].Confidence != 1 {
		t.Errorf("lookup by file: %+v %v", lr, err)
	}

	// ---- the registry ----
	note, err := admin.RegisterAsset(ctx, client.RegisterAssetRequest{File: &client.File{Name: "note.txt", Reader: strings.NewReader("not a picture\n")}})
	if err != nil || !note.Created || note.Asset.Width != 0 || len(note.Asset.Perceptual) != 0 {
		t.Fatalf("register a text file: %+v %v", note, err)
	}
	page, err := admin.ListAssets(ctx, client.ListAssetsOptions{Limit: 1})
	if err != nil || page.Count != 2 || len(page.Assets) != 1 || page.Assets[0].Nid != nid || page.NextAfter == nil {
		t.Fatalf("list page 1: %+v %v", page, err)
	}
	page, err = admin.ListAssets(ctx, client.ListAssetsOptions{Limit: 1, After: *page.NextAfter})
	if err != nil || len(page.Assets) != 1 || page.Assets[0].Nid != note.Asset.Nid || page.NextAfter != nil {
		t.Errorf("list page 2: %+v %v", page, err)
	}
	got, err := admin.GetAsset(ctx, nid)
	if err != nil || got.ID != a.ID || got.SHA256 != a.SHA256 || len(got.Perceptual) != 2 {
		t.Errorf("get %+v %v", got, err)
	}
	if p, ok := got.PerceptualOf("pdq"); !ok || p.Quality == 0 || len(p.Hash) != 64 {
		t.Errorf("pdq %+v", p)
	}
	if err := admin.DeleteAsset(ctx, note.Asset.Nid); err != nil {
		t.Fatal(err)
	}
	_, err = admin.GetAsset(ctx, note.Asset.Nid)
	wantAPIError(t, "get a deleted asset", err, http.StatusNotFound, sleuth.CodeAssetNotFound)
	err = admin.DeleteAsset(ctx, note.Asset.Nid)
	wantAPIError(t, "delete twice", err, http.StatusNotFound, sleuth.CodeAssetNotFound)

	// ---- keys ----
	ck, err := admin.CreateKey(ctx, client.CreateKeyRequest{Name: "ci", Scopes: []string{"search"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ck.Key, ck.ID+".") || ck.AccountID != int64(e.user) || !slices.Equal(ck.Scopes, []string{"search"}) || ck.CreatedAt.IsZero() {
		t.Errorf("created key %+v", ck)
	}
	ci := e.client(ck.Key, client.WithAuthHeader(client.AuthXAPIKey))
	if _, err := ci.Usage(ctx, time.Time{}); err != nil {
		t.Fatalf("the new key: %v", err)
	}
	keys, err := ci.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(keys, func(k client.APIKey) bool { return k.ID == ck.ID })
	if len(keys) != 2 || i < 0 || keys[i].Name != "ci" || keys[i].RevokedAt != nil {
		t.Errorf("keys %+v", keys)
	}
	// A search key may not make keys.
	_, err = ci.CreateKey(ctx, client.CreateKeyRequest{})
	wantAPIError(t, "create a key with the search scope", err, http.StatusForbidden, accounts.CodeForbidden)
	if err := admin.RevokeKey(ctx, ck.ID); err != nil {
		t.Fatal(err)
	}
	_, err = ci.Usage(ctx, time.Time{})
	wantAPIError(t, "a revoked key", err, http.StatusUnauthorized, accounts.CodeUnauthenticated)
	keys, err = admin.ListKeys(ctx)
	if i := slices.IndexFunc(keys, func(k client.APIKey) bool { return k.ID == ck.ID }); err != nil || i < 0 || keys[i].RevokedAt == nil {
		t.Errorf("keys after revoking: %+v %v", keys, err)
	}
	err = admin.RevokeKey(ctx, "sk_NOSUCHKEYNOSUCHK")
	wantAPIError(t, "revoke an unknown key", err, http.StatusNotFound, sleuth.CodeKeyNotFound)

	// ---- usage and orders after the billed calls ----
	u, err := admin.Usage(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// 3 theft detections (1), 2 asset searches (0.2), 1 NFT search (0.01),
	// 3 lookups (0.2); Nid and registrations are free.
	wantOps := map[string]int64{"theft_detection": 3, "asset_search": 2, "nft_search": 1, "lookup": 3, "nid": 1, "register": 3}
	for op, n := range wantOps {
		if u.Usage.ByOperation[op] != n {
			t.Errorf("usage: %s %d, want %d (%+v)", op, u.Usage.ByOperation[op], n, u.Usage)
		}
	}
	const spent = 3*1 + 2*0.2 + 0.01 + 3*0.2
	if d := u.Usage.Spent - spent; d > 1e-9 || d < -1e-9 || u.AccountID != int64(e.user) || u.Usage.Refunded != 0 {
		t.Errorf("usage %+v, want %g spent", u, spent)
	}
	if d := u.Balance - (1000 - spent); d > 1e-9 || d < -1e-9 {
		t.Errorf("balance %g, want %g", u.Balance, 1000-spent)
	}
	o, err := admin.Order(ctx, td.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.OrderID != td.OrderID || o.Operation != "theft_detection" || o.Status != "completed" || o.Cost != 1 ||
		o.CompletedAt == nil || o.KeyID != strings.SplitN(e.key, ".", 2)[0] || o.AccountID != int64(e.user) {
		t.Errorf("order %+v", o)
	}
	var detail map[string]any
	if json.Unmarshal(o.Detail, &detail) != nil || detail["searchNid"] != td.SearchNid {
		t.Errorf("order detail %s", o.Detail)
	}
	_, err = admin.Order(ctx, "00000000-0000-0000-0000-000000000000")
	wantAPIError(t, "an unknown order", err, http.StatusNotFound, sleuth.CodeOrderNotFound)

	// ---- credits, and 402 ----
	poorAccount := e.account("poor", "0")
	poor := e.client(e.newKey(poorAccount, sleuth.ScopeSearch), client.WithAuthHeader(client.AuthAPIKey))
	copyFile := func() *client.File { return &client.File{Name: "copy.jpg", Reader: bytes.NewReader(edited)} }
	_, err = poor.TheftDetection(ctx, client.TheftDetectionRequest{File: copyFile()})
	wantAPIError(t, "theft detection without credits", err, http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	bal, err := admin.AddCredits(ctx, int64(poorAccount), "0.5", "e2e")
	if err != nil || bal.Balance != 0.5 || bal.AccountID != int64(poorAccount) {
		t.Fatalf("add credits: %+v %v", bal, err)
	}
	_, err = poor.TheftDetection(ctx, client.TheftDetectionRequest{File: copyFile()})
	wantAPIError(t, "theft detection with 0.5 credits", err, http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	if _, err := admin.AddCredits(ctx, int64(poorAccount), "0.5", ""); err != nil {
		t.Fatal(err)
	}
	if td, err := poor.TheftDetection(ctx, client.TheftDetectionRequest{File: copyFile()}); err != nil || len(td.Results[nid]) != 2 {
		t.Errorf("theft detection with 1 credit: %+v %v", td, err)
	}
	if u, err := poor.Usage(ctx, time.Time{}); err != nil || u.Balance != 0 || u.Usage.Spent != 1 {
		t.Errorf("poor usage %+v %v", u, err)
	}
	_, err = admin.AddCredits(ctx, int64(poorAccount), "-1", "")
	wantAPIError(t, "take credits that are not there", err, http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	_, err = poor.AddCredits(ctx, int64(poorAccount), "100", "")
	wantAPIError(t, "credits with the search scope", err, http.StatusForbidden, accounts.CodeForbidden)
	_, err = admin.AddCredits(ctx, 999999, "1", "")
	wantAPIError(t, "credits of an unknown account", err, http.StatusNotFound, sleuth.CodeAccountNotFound)

	// ---- error mapping ----
	for _, form := range []string{client.AuthToken, client.AuthBearer, client.AuthAPIKey, client.AuthXAPIKey} {
		_, err := e.client("sk_AAAAAAAAAAAAAAAA.c2VjcmV0", client.WithAuthHeader(form)).NFTSearch(ctx, nid)
		wantAPIError(t, "unknown key as "+form, err, http.StatusUnauthorized, accounts.CodeUnauthenticated)
	}
	_, err = e.client("").ListKeys(ctx)
	wantAPIError(t, "no key", err, http.StatusUnauthorized, accounts.CodeUnauthenticated)
	// Verbitas' codes on lookup.
	_, err = e.client("nope", client.WithAuthHeader(client.AuthBearer)).Lookup(ctx, client.LookupRequest{Algorithm: "pdq", BindingHash: fp.PDQ.String()})
	wantAPIError(t, "lookup with a bad key", err, http.StatusUnauthorized, "verbitas.auth.invalid_key")
	_, err = admin.Lookup(ctx, client.LookupRequest{File: &client.File{Name: "doc.pdf", Reader: strings.NewReader("%PDF-1.4\n")}})
	wantAPIError(t, "lookup of a PDF", err, http.StatusUnsupportedMediaType, "verbitas.lookup.unsupported_file_type")
	_, err = admin.Lookup(ctx, client.LookupRequest{})
	wantAPIError(t, "lookup of nothing", err, http.StatusBadRequest, "verbitas.lookup.no_input")
	_, err = admin.TheftDetection(ctx, client.TheftDetectionRequest{})
	wantAPIError(t, "theft detection of nothing", err, http.StatusBadRequest, api.CodeNoInput)
	_, err = admin.AssetSearch(ctx, client.AssetSearchRequest{Nid: "bafkreinosuchasset"})
	wantAPIError(t, "asset search of an unknown nid", err, http.StatusNotFound, sleuth.CodeAssetNotFound)
	_, err = admin.TheftDetection(ctx, client.TheftDetectionRequest{File: &client.File{Name: "half.jpg", Reader: bytes.NewReader(orig[:len(orig)/2])}})
	wantAPIError(t, "a truncated JPEG", err, http.StatusUnprocessableEntity, sleuth.CodeImageCorrupt)
}

// TestEndToEndRateLimit: a server whose keys get one request, then 429
// with Retry-After, through the client.
func TestEndToEndRateLimit(t *testing.T) {
	e := newE2E(t)
	// A second server over the same engine and store, with a bucket of one
	// request that refills in about eleven days.
	srv := api.New(e.eng, e.db, nil, api.Config{RatePerSecond: 1e-6, Burst: 1})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	ctx := context.Background()
	c := client.New(ts.URL, e.key)
	if _, err := c.ListKeys(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.ListKeys(ctx)
	ae := wantAPIError(t, "second request", err, http.StatusTooManyRequests, api.CodeRateLimited)
	if ae.RetryAfter < time.Second {
		t.Errorf("RetryAfter %s", ae.RetryAfter)
	}
	// Verbitas' code on lookup.
	_, err = client.New(ts.URL, e.key, client.WithAuthHeader(client.AuthBearer)).Lookup(ctx, client.LookupRequest{Algorithm: "pdq", BindingHash: strings.Repeat("0", 64)})
	if ae := wantAPIError(t, "lookup, rate limited", err, http.StatusTooManyRequests, "verbitas.ratelimit.exceeded"); ae.RetryAfter < time.Second {
		t.Errorf("lookup RetryAfter %s", ae.RetryAfter)
	}
	// Another key has its own bucket.
	if _, err := client.New(ts.URL, e.newKey(e.user, sleuth.ScopeSearch)).ListKeys(ctx); err != nil {
		t.Errorf("another key: %v", err)
	}
}
