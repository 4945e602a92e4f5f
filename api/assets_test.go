package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
)

type registered struct {
	Asset   sleuth.Asset `json:"asset"`
	Created bool         `json:"created"`
	OrderID string       `json:"orderID"`
}

func decodeRegistered(t *testing.T, r reply) registered {
	t.Helper()
	var got registered
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRegisterAsset(t *testing.T) {
	e := newEnv(t, Config{})
	img := readImage(t, imgOrig)
	nid := cid.Bytes(img)

	// Multipart, with AssetTree fields one by one.
	r := e.postFile("/v1/assets", "", "file", img, map[string]string{
		"headline":              "Bridge",
		"abstract":              "A bridge at dusk",
		"assetCreator":          "Alice",
		"creatorWallet":         "0xc262c18061226fc7286e8cdab297ae0a92a2267c",
		"license":               `{"name":"CC-BY-4.0","document":"https://creativecommons.org/licenses/by/4.0/"}`,
		"assetSourceType":       "digitalCapture",
		"assetTimestampCreated": "1700000000",
	})
	wantStatus(t, r, http.StatusCreated)
	got := decodeRegistered(t, r)
	a := got.Asset
	if !got.Created || got.OrderID == "" || a.Nid != nid || a.MIME != "image/jpeg" || a.Width != 160 || len(a.Perceptual) != 2 {
		t.Errorf("registered %s", r.body)
	}
	tr := a.Tree
	if tr.Headline != "Bridge" || tr.Abstract != "A bridge at dusk" || tr.AssetCreator != "Alice" || tr.CreatorWallet == "" ||
		tr.License == nil || tr.License.Name != "CC-BY-4.0" || tr.AssetSourceType != "digitalCapture" || tr.AssetTimestampCreated != 1700000000 {
		t.Errorf("asset tree %+v", tr)
	}

	// Again: 200, the stored asset, unchanged.
	r = e.postFile("/v1/assets", "", "file", img, map[string]string{"headline": "Other"})
	wantStatus(t, r, http.StatusOK)
	got = decodeRegistered(t, r)
	if got.Created || got.Asset.Tree.Headline != "Bridge" || got.Asset.ID != a.ID {
		t.Errorf("re-registered %s", r.body)
	}

	// JSON, by URL, with an assetTree object: unknown members go to Extra,
	// the members computed from the file are not taken from the client.
	files := fileServer(t)
	r = e.postJSON("/v1/assets", "", map[string]any{
		"fileURL": files.URL + "/pdq/" + imgOther,
		"assetTree": map[string]any{
			"headline": "Wee", "license": "CC0", "miningPreference": "notAllowed", "assetCid": "bafkreiwrong",
		},
		"abstract": "given on its own",
	})
	wantStatus(t, r, http.StatusCreated)
	got = decodeRegistered(t, r)
	tr = got.Asset.Tree
	if tr.Headline != "Wee" || tr.Abstract != "given on its own" || tr.License == nil || tr.License.Name != "CC0" ||
		tr.Extra["miningPreference"] != "notAllowed" || tr.AssetCid == "bafkreiwrong" {
		t.Errorf("asset tree %+v", tr)
	}
	if got.Asset.Source != files.URL+"/pdq/"+imgOther {
		t.Errorf("source %q", got.Asset.Source)
	}

	// A file that is not a picture is registered with its exact
	// fingerprints only.
	r = e.postFile("/v1/assets", "", "file", []byte("%PDF-1.4\nhello\n"), nil)
	wantStatus(t, r, http.StatusCreated)
	got = decodeRegistered(t, r)
	if got.Asset.MIME != "application/pdf" || len(got.Asset.Perceptual) != 0 || got.Asset.BLAKE3 == "" {
		t.Errorf("PDF asset %s", r.body)
	}

	// Errors.
	wantError(t, e.postJSON("/v1/assets", "", map[string]any{"headline": "x"}), http.StatusBadRequest, CodeNoInput)
	wantError(t, e.postFile("/v1/assets", "", "file", img, map[string]string{"assetTree": "[1]"}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postFile("/v1/assets", "", "file", img, map[string]string{"assetTimestampCreated": "yesterday"}), http.StatusBadRequest, sleuth.CodeBadRequest)
	jpeg := readImage(t, imgCopy256)
	wantError(t, e.postFile("/v1/assets", "", "file", jpeg[:len(jpeg)/2], nil), http.StatusUnprocessableEntity, sleuth.CodeImageCorrupt)

	// Registering needs the register scope.
	searcher := e.newKey(e.user, sleuth.ScopeSearch)
	wantError(t, e.postFile("/v1/assets", searcher, "file", img, nil), http.StatusForbidden, "sleuth.auth.forbidden")
}

func TestListGetDeleteAssets(t *testing.T) {
	e := newEnv(t, Config{})
	var nids []string
	for _, name := range []string{imgOrig, imgCopy128, imgCopy256, imgOther} {
		nids = append(nids, e.register(name))
	}
	type page struct {
		Assets    []sleuth.Asset `json:"assets"`
		Count     int64          `json:"count"`
		NextAfter *int64         `json:"next_after"`
	}
	var seen []string
	path := "/v1/assets?limit=3"
	for i := 0; ; i++ {
		r := e.get(path, "")
		wantStatus(t, r, http.StatusOK)
		var p page
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Count != 4 {
			t.Errorf("count %d", p.Count)
		}
		for _, a := range p.Assets {
			seen = append(seen, a.Nid)
		}
		if p.NextAfter == nil {
			break
		}
		if i > 2 {
			t.Fatal("pages do not end")
		}
		path = fmt.Sprintf("/v1/assets?limit=3&after=%d", *p.NextAfter)
	}
	if fmt.Sprint(seen) != fmt.Sprint(nids) {
		t.Errorf("listed %v, want %v", seen, nids)
	}
	r := e.get("/v1/assets", "")
	if m := r.json(t); len(list(t, m, "assets")) != 4 || m["next_after"] != nil {
		t.Errorf("one page: %s", r.body)
	}
	wantError(t, e.get("/v1/assets?limit=0", ""), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.get("/v1/assets?after=x", ""), http.StatusBadRequest, sleuth.CodeBadRequest)

	r = e.get("/v1/assets/"+nids[1], "")
	wantStatus(t, r, http.StatusOK)
	if a := obj(t, r.json(t), "asset"); a["nid"] != nids[1] || a["sha256"] == "" {
		t.Errorf("asset %v", a)
	}
	wantError(t, e.get("/v1/assets/bafkreinope", ""), http.StatusNotFound, sleuth.CodeAssetNotFound)

	r = e.do(request{method: http.MethodDelete, path: "/v1/assets/" + nids[1]})
	wantStatus(t, r, http.StatusOK)
	if got := str(t, r.json(t), "removed"); got != nids[1] {
		t.Errorf("removed %q", got)
	}
	wantError(t, e.get("/v1/assets/"+nids[1], ""), http.StatusNotFound, sleuth.CodeAssetNotFound)
	wantError(t, e.do(request{method: http.MethodDelete, path: "/v1/assets/" + nids[1]}), http.StatusNotFound, sleuth.CodeAssetNotFound)
	// The deleted asset is no longer found by a search.
	r = e.postFile("/v1/asset-search", "", "file", readImage(t, imgCopy128), map[string]string{"threshold": "0"})
	if got := str(t, r.json(t), "preciseSearch"); got != "" {
		t.Errorf("deleted asset found: %q", got)
	}
}
