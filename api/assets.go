package api

// The asset registry: register a file with its AssetTree, list, get and
// delete assets.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/engine"
)

// Paging of GET /v1/assets.
const (
	defaultAssetPage = 100
	maxAssetPage     = 1000
)

// Members of Numbers' AssetTree that describe the file itself. They are
// computed from the file, so a client's values are not taken.
var derivedTreeMembers = map[string]bool{"assetCid": true, "assetSha256": true, "encodingFormat": true}

// treeMembers are the AssetTree members a request may give one by one, as
// top-level JSON members or form fields.
var treeMembers = []string{"abstract", "headline", "assetCreator", "creatorWallet", "license", "assetSourceType", "assetTimestampCreated"}

// assetTreeOf reads the AssetTree of a registration: the object in
// "assetTree" (a JSON member, or a field holding JSON), then the members
// given one by one, which win. Members Sleuth does not model go to Extra.
func assetTreeOf(in *input) (sleuth.AssetTree, error) {
	var t sleuth.AssetTree
	members := map[string]json.RawMessage{}
	if in.has("assetTree") {
		raw := in.values["assetTree"]
		var s string
		if json.Unmarshal(raw, &s) == nil { // a form field, or JSON holding a string
			raw = json.RawMessage(s)
		}
		if err := json.Unmarshal(raw, &members); err != nil || members == nil {
			return t, sleuth.Errorf(sleuth.CodeBadRequest, "assetTree must be a JSON object")
		}
	}
	for _, k := range treeMembers {
		if in.has(k) {
			members[k] = in.values[k]
		}
	}
	for k, raw := range members {
		if string(raw) == "null" || derivedTreeMembers[k] {
			continue
		}
		var err error
		switch k {
		case "abstract":
			err = treeString(k, raw, &t.Abstract)
		case "headline":
			err = treeString(k, raw, &t.Headline)
		case "assetCreator":
			err = treeString(k, raw, &t.AssetCreator)
		case "creatorWallet":
			err = treeString(k, raw, &t.CreatorWallet)
		case "assetSourceType":
			err = treeString(k, raw, &t.AssetSourceType)
		case "assetTimestampCreated":
			t.AssetTimestampCreated, err = treeInt(k, raw)
		case "license":
			t.License, err = treeLicense(raw)
		default:
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return t, sleuth.Errorf(sleuth.CodeBadRequest, "assetTree member %q is not JSON", k)
			}
			if t.Extra == nil {
				t.Extra = map[string]any{}
			}
			t.Extra[k] = v
		}
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

func treeString(k string, raw json.RawMessage, dst *string) error {
	if err := json.Unmarshal(raw, dst); err != nil {
		return sleuth.Errorf(sleuth.CodeBadRequest, "%s must be a string", k)
	}
	return nil
}

// treeInt reads a Unix time given as a JSON number or a numeric string.
func treeInt(k string, raw json.RawMessage) (int64, error) {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, sleuth.Errorf(sleuth.CodeBadRequest, "%s must be an integer (Unix seconds)", k)
}

// treeLicense reads a licence given as an object {name, document}, as a
// string holding that object, or as a plain string naming it.
func treeLicense(raw json.RawMessage) (*sleuth.License, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(s, "{") {
			if s == "" {
				return nil, nil
			}
			return &sleuth.License{Name: s}, nil
		}
		raw = json.RawMessage(s)
	}
	var l sleuth.License
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "license must be an object {name, document} or a string")
	}
	return &l, nil
}

type registerResponse struct {
	Asset   *sleuth.Asset `json:"asset"`
	Created bool          `json:"created"`
	OrderID string        `json:"orderID"`
}

// handleRegisterAsset registers an uploaded or fetched file, image or not,
// with its AssetTree: 201 when it is new, 200 with the stored asset
// (unchanged, its AssetTree included) when those bytes were registered
// before.
func (s *Server) handleRegisterAsset(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r, "file")
	if err != nil {
		return err
	}
	defer in.close()
	if err := requireFile(in, "fileURL"); err != nil {
		return err
	}
	tree, err := assetTreeOf(in)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var resp registerResponse
	err = s.billed(ctx, c, accounts.OpRegister, func(orderID string) (string, error) {
		m, err := s.media(ctx, in, "fileURL")
		if err != nil {
			return "", err
		}
		req := &engine.RegisterRequest{Path: m.path, Data: m.data, Source: m.source, Tree: tree, AllowNonImage: true}
		if m.path != "" {
			req.Data = nil
		}
		rr, err := s.eng.Register(ctx, req)
		if err != nil {
			return "", err
		}
		resp = registerResponse{Asset: rr.Asset, Created: rr.Created, OrderID: orderID}
		return orderDetail(map[string]any{"nid": rr.Asset.Nid, "created": rr.Created}), nil
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if resp.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, resp)
	return nil
}

type assetListResponse struct {
	Assets    []*sleuth.Asset `json:"assets"`
	Count     int64           `json:"count"`
	NextAfter *int64          `json:"next_after"`
}

// handleListAssets pages through the registry in ID order: ?limit= (100,
// at most 1000) assets with IDs above ?after=; next_after is the after of
// the next page, null on the last one. count is the number of assets.
func (s *Server) handleListAssets(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	defer in.close()
	limit, err := in.integer("limit", defaultAssetPage)
	if err != nil {
		return err
	}
	if limit < 1 || limit > maxAssetPage {
		return sleuth.Errorf(sleuth.CodeBadRequest, "limit must be between 1 and %d", maxAssetPage)
	}
	after, err := in.integer("after", 0)
	if err != nil {
		return err
	}
	if after < 0 {
		return sleuth.Errorf(sleuth.CodeBadRequest, "after must be an asset id (0 or more)")
	}
	ctx := r.Context()
	st := s.eng.Store()
	assets, err := st.ListAssets(ctx, sleuth.AssetFilter{After: sleuth.AssetID(after), Limit: limit + 1})
	if err != nil {
		return err
	}
	count, err := st.CountAssets(ctx)
	if err != nil {
		return err
	}
	resp := assetListResponse{Assets: assets, Count: count}
	if len(assets) > limit {
		resp.Assets = assets[:limit]
		next := int64(resp.Assets[limit-1].ID)
		resp.NextAfter = &next
	}
	if resp.Assets == nil {
		resp.Assets = []*sleuth.Asset{}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// handleGetAsset returns one asset, or sleuth.asset.not_found.
func (s *Server) handleGetAsset(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.eng.Store().Asset(r.Context(), r.PathValue("nid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"asset": a})
	return nil
}

// handleDeleteAsset removes an asset from the registry and the indexes.
// Its NFT records stay: they describe tokens, not files.
func (s *Server) handleDeleteAsset(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.eng.Delete(r.Context(), r.PathValue("nid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"removed": a.Nid})
	return nil
}
