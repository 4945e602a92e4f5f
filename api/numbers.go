package api

// The endpoints of Numbers Protocol's Verify Engine, with its field names
// and shapes: Get Nid, Theft Detection, Asset Search and NFT Search.

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/match"
)

// Defaults of Numbers' parameters.
const (
	defaultThreshold   = 0.12 // a distance: 1 - score
	defaultSampleCount = 10
	maxSampleCount     = 1000
	// searchLimit caps the matches one theft detection considers.
	searchLimit = 1000
	// newNFTWindow is what onlyNewNFT calls new.
	newNFTWindow = 24 * time.Hour
)

// numbersTime is the layout of Numbers' created_at: UTC, no zone.
const numbersTime = "2006-01-02T15:04:05"

// requireFile fails with sleuth.request.no_input, before anything is
// charged, when the request has neither an upload nor a URL in urlField.
func requireFile(in *input, urlField string) error {
	if in.file != nil {
		return nil
	}
	u, err := in.str(urlField)
	if err != nil {
		return err
	}
	if strings.TrimSpace(u) == "" {
		return errNoInput
	}
	return nil
}

// orderDetail is the short JSON summary stored with an order.
func orderDetail(fields map[string]any) string {
	b, _ := json.Marshal(fields)
	return string(b)
}

// ---- POST /v1/nid (Get Nid) ----

type nidResponse struct {
	CID        string `json:"cid"`
	FileSize   int64  `json:"fileSize"`
	CIDVersion int    `json:"cid_version"`
	OrderID    string `json:"orderID,omitempty"`
}

// handleNid returns the Nid of any file, image or not.
func (s *Server) handleNid(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r, "file")
	if err != nil {
		return err
	}
	defer in.close()
	if err := requireFile(in, "fileURL"); err != nil {
		return err
	}
	ctx := r.Context()
	var resp nidResponse
	err = s.billed(ctx, c, accounts.OpNid, func(orderID string) (string, error) {
		m, err := s.media(ctx, in, "fileURL")
		if err != nil {
			return "", err
		}
		nid, size, err := nidOf(m)
		if err != nil {
			return "", err
		}
		resp = nidResponse{CID: nid, FileSize: size, CIDVersion: 1, OrderID: orderID}
		return orderDetail(map[string]any{"nid": nid, "size": size}), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// nidOf computes the Nid of a file in memory or spooled to disk.
func nidOf(m *media) (string, int64, error) {
	if m.path == "" {
		return cid.Bytes(m.data), int64(len(m.data)), nil
	}
	f, err := os.Open(m.path)
	if err != nil {
		return "", 0, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading the upload: %w", err)
	}
	defer f.Close()
	nid, size, err := cid.Of(f)
	if err != nil {
		return "", 0, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading the upload: %w", err)
	}
	return nid, size, nil
}

// ---- nftRecord ----

// nftRecord is Numbers' nftRecord, field for field.
type nftRecord struct {
	// ChainID is a number for EVM chains (eip155:N) and the CAIP-2 string
	// for others.
	ChainID            any             `json:"chain_id"`
	Contract           string          `json:"contract"`
	TokenID            string          `json:"token_id"`
	AssetCids          []string        `json:"asset_cids"`
	PrimaryMarketplace *string         `json:"primary_marketplace"`
	CurrentOwner       string          `json:"current_owner"`
	NFTSpec            string          `json:"nft_spec"`
	Creator            string          `json:"creator"`
	CreatedAt          *string         `json:"created_at"`
	Metadata           json.RawMessage `json:"metadata"`
	AnimationURL       string          `json:"animation_url"`
	ImageURL           string          `json:"image_url"`
	TokenURI           string          `json:"token_uri"`
}

// chainID is the chain_id of a CAIP-2 chain: N for "eip155:N", the chain
// itself otherwise.
func chainID(chain string) any {
	if ref, ok := strings.CutPrefix(chain, "eip155:"); ok {
		if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
			return n
		}
	}
	return chain
}

// toNFTRecord converts a stored record to Numbers' shape: an empty
// marketplace is null, metadata is always an object ({} when unknown),
// created_at is UTC without a zone (null when unknown).
func toNFTRecord(r *sleuth.NFTRecord) nftRecord {
	out := nftRecord{
		ChainID:      chainID(r.Chain),
		Contract:     r.Contract,
		TokenID:      r.TokenID,
		AssetCids:    r.AssetCids,
		CurrentOwner: r.CurrentOwner,
		NFTSpec:      r.NFTSpec,
		Creator:      r.Creator,
		Metadata:     r.Metadata,
		AnimationURL: r.AnimationURL,
		ImageURL:     r.ImageURL,
		TokenURI:     r.TokenURI,
	}
	if out.AssetCids == nil {
		out.AssetCids = []string{}
	}
	if r.PrimaryMarketplace != "" {
		pm := r.PrimaryMarketplace
		out.PrimaryMarketplace = &pm
	}
	if !r.CreatedAt.IsZero() {
		t := r.CreatedAt.UTC().Format(numbersTime)
		out.CreatedAt = &t
	}
	if md := bytes.TrimSpace(out.Metadata); len(md) == 0 || md[0] != '{' || !json.Valid(md) {
		out.Metadata = json.RawMessage("{}") // null, a list or a string is not Numbers' object
	}
	return out
}

func toNFTRecords(rs []*sleuth.NFTRecord) []nftRecord {
	out := make([]nftRecord, 0, len(rs))
	for _, r := range rs {
		out = append(out, toNFTRecord(r))
	}
	return out
}

// sameContract compares contract addresses: EVM addresses (0x...) without
// regard to case, others (Solana's base58) exactly.
func sameContract(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if strings.HasPrefix(strings.ToLower(a), "0x") && strings.HasPrefix(strings.ToLower(b), "0x") {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// ---- matches ----

// distanceOf is Numbers' distance of a match: 1 - score, rounded to six
// decimals so that 1 - 0.88 reads 0.12.
func distanceOf(m match.Match) float64 {
	return math.Round((1-m.Score)*1e6) / 1e6
}

// minScore is the score below which no match can be within threshold; the
// engine uses it to skip candidates early (within stays the final test).
func minScore(threshold float64) float64 { return 1 - threshold - 1e-6 }

// within reports whether a match is within a distance threshold.
func within(m match.Match, threshold float64) bool {
	return distanceOf(m) <= threshold+1e-9
}

// matchJSON is Sleuth's explanation of a match, added to Numbers' answers
// as "matches".
type matchJSON struct {
	Nid         string     `json:"nid"`
	Tier        match.Tier `json:"tier"`
	Score       float64    `json:"score"`
	Distance    int        `json:"distance"`
	Fingerprint string     `json:"fingerprint"`
	Variant     string     `json:"variant,omitempty"`
	// The edited tier's evidence (docs/MATCHING.md).
	Method       string           `json:"method,omitempty"`
	QueryOverlap float64          `json:"query_overlap,omitempty"`
	AssetOverlap float64          `json:"asset_overlap,omitempty"`
	Inliers      int              `json:"inliers,omitempty"`
	Transform    *match.Transform `json:"transform,omitempty"`
	InlierRatio  float64          `json:"inlier_ratio,omitempty"`
	// GuidedInlierRatio: the share found again where the transform puts
	// them, without the ratio test.
	GuidedInlierRatio float64  `json:"guided_inlier_ratio,omitempty"`
	Coverage          float64  `json:"coverage,omitempty"`
	Correlation       *float64 `json:"correlation,omitempty"`
	// FullCorrelation: the same, no cell left out; Off: the share of
	// those cells that disagree.
	FullCorrelation *float64 `json:"full_correlation,omitempty"`
	Off             *float64 `json:"off,omitempty"`
	// AlignedCorrelation: the pixels compared whole (PDQ and trimmed-PDQ
	// matches), and the share of the cells that disagree.
	AlignedCorrelation *float64 `json:"aligned_correlation,omitempty"`
	AlignedOff         *float64 `json:"aligned_off,omitempty"`
	// AlignedSoftCorrelation: the same with the asset softened, when
	// higher (a blurred copy).
	AlignedSoftCorrelation *float64 `json:"aligned_soft_correlation,omitempty"`
	// ColorOff: the share of the colour cells that one colour map between
	// the two pictures misses (over one cell caps the score).
	ColorOff *float64 `json:"color_off,omitempty"`
	// Occlusion: the rectangle of the asset holding every cell that
	// disagrees (a caption, a logo), and how well the rest agrees.
	Occlusion *match.Occlusion `json:"occlusion,omitempty"`
	// Alone and OutscoredBy: how the query's other matches changed the
	// score (match.Resolve).
	Alone       string `json:"alone,omitempty"`
	OutscoredBy string `json:"outscored_by,omitempty"`
}

func toMatchJSON(m match.Match) matchJSON {
	return matchJSON{Nid: m.Asset.Nid, Tier: m.Tier, Score: m.Score, Distance: m.Distance,
		Fingerprint: m.Fingerprint, Variant: m.Variant,
		Method: m.Method, QueryOverlap: m.QueryOverlap, AssetOverlap: m.AssetOverlap,
		Inliers: m.Inliers, Transform: m.Transform, InlierRatio: m.InlierRatio, GuidedInlierRatio: m.GuidedInlierRatio, Coverage: m.Coverage,
		Correlation: m.Correlation, FullCorrelation: m.FullCorrelation, Off: m.Off,
		AlignedCorrelation: m.AlignedCorrelation, AlignedOff: m.AlignedOff,
		AlignedSoftCorrelation: m.AlignedSoftCorrelation, ColorOff: m.ColorOff, Occlusion: m.Occlusion,
		Alone: m.Alone, OutscoredBy: m.OutscoredBy}
}

// byteExact reports whether a match has the same bytes as the query (not
// merely the same pixels).
func byteExact(m match.Match) bool {
	if m.Tier != match.TierExact {
		return false
	}
	switch m.Fingerprint {
	case match.ByNid, match.BySHA256, match.ByBLAKE3:
		return true
	}
	return false
}

// searchRequest is an engine search of a media file.
func searchRequest(m *media) *engine.SearchRequest {
	if m.path != "" {
		return &engine.SearchRequest{Path: m.path}
	}
	return &engine.SearchRequest{Data: m.data}
}

// threshold reads Numbers' threshold: a distance in [0, 1].
func threshold(in *input) (float64, error) {
	t, err := in.float("threshold", defaultThreshold)
	if err != nil {
		return 0, err
	}
	if t < 0 || t > 1 || math.IsNaN(t) {
		return 0, sleuth.Errorf(sleuth.CodeBadRequest, "threshold must be a distance between 0 and 1, got %g", t)
	}
	return t, nil
}

// ---- POST /v1/theft-detection ----

type theftResponse struct {
	Results           map[string][]nftRecord `json:"results"`
	SearchNid         string                 `json:"searchNid"`
	InputFileMimetype string                 `json:"inputFileMimetype"`
	OrderID           string                 `json:"orderID"`
	Matches           []matchJSON            `json:"matches"`
}

// handleTheftDetection finds the registered assets that are copies of the
// file (within threshold) and the NFT records that use each of them.
// results has one key per matched asset, each listing its records (maybe
// none), plus the query's own Nid when NFT records use it even though it
// is not a registered asset.
func (s *Server) handleTheftDetection(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r, "file")
	if err != nil {
		return err
	}
	defer in.close()
	if err := requireFile(in, "fileURL"); err != nil {
		return err
	}
	thr, err := threshold(in)
	if err != nil {
		return err
	}
	excludedAssets, err := in.list("excludedAssets")
	if err != nil {
		return err
	}
	excludedContracts, err := in.list("excludedContracts")
	if err != nil {
		return err
	}
	onlyNew, err := in.boolean("onlyNewNFT")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var resp theftResponse
	err = s.billed(ctx, c, accounts.OpTheftDetection, func(orderID string) (string, error) {
		m, err := s.media(ctx, in, "fileURL")
		if err != nil {
			return "", err
		}
		req := searchRequest(m)
		req.Limit, req.MinScore = searchLimit, minScore(thr)
		req.Exclude = excludedAssets
		sr, err := s.eng.Search(ctx, req)
		if err != nil {
			return "", err
		}
		resp = theftResponse{
			Results:           map[string][]nftRecord{},
			SearchNid:         sr.Query.Nid,
			InputFileMimetype: sr.Query.MIME,
			OrderID:           orderID,
			Matches:           []matchJSON{},
		}
		keep := func(rec *sleuth.NFTRecord) bool {
			if onlyNew && rec.CreatedAt.Before(time.Now().Add(-newNFTWindow)) {
				return false
			}
			for _, ex := range excludedContracts {
				if sameContract(rec.Contract, ex) {
					return false
				}
			}
			return true
		}
		// The matched assets within threshold, and the query itself: their
		// NFT records in one read.
		nids := []string{sr.Query.Nid}
		for _, mt := range sr.Matches {
			if within(mt, thr) {
				resp.Matches = append(resp.Matches, toMatchJSON(mt))
				nids = append(nids, mt.Asset.Nid)
			}
		}
		byNid, err := s.eng.Store().NFTsByAssets(ctx, nids)
		if err != nil {
			return "", err
		}
		records := func(nid string) []nftRecord {
			rs := slices.DeleteFunc(slices.Clone(byNid[nid]), func(rec *sleuth.NFTRecord) bool { return !keep(rec) })
			return toNFTRecords(rs)
		}
		nrec := 0
		for _, m := range resp.Matches {
			if _, done := resp.Results[m.Nid]; !done {
				resp.Results[m.Nid] = records(m.Nid)
				nrec += len(resp.Results[m.Nid])
			}
		}
		if _, done := resp.Results[sr.Query.Nid]; !done && !slices.Contains(excludedAssets, sr.Query.Nid) {
			if recs := records(sr.Query.Nid); len(recs) > 0 {
				resp.Results[sr.Query.Nid] = recs
				nrec += len(recs)
			}
		}
		return orderDetail(map[string]any{"searchNid": sr.Query.Nid, "assets": len(resp.Matches), "nftRecords": nrec}), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// ---- POST /v1/asset-search ----

type similarSearch struct {
	Nids     []string  `json:"nids"`
	Distance []float64 `json:"distance"`
}

type assetSearchResponse struct {
	PreciseSearch     string        `json:"preciseSearch"`
	InputFileMimetype string        `json:"inputFileMimetype"`
	SimilarSearch     similarSearch `json:"similarSearch"`
	OrderID           string        `json:"orderID"`
	Matches           []matchJSON   `json:"matches"`
}

// handleAssetSearch finds registered assets like a file, a URL's file or a
// registered asset (nid, searched by its stored fingerprints: only its
// original orientation, since the dihedral variants are not stored).
// preciseSearch is the registered asset with the same bytes ("" when
// none); similarSearch lists up to sampleCount assets within threshold,
// nearest first, the precise one included (distance 0).
func (s *Server) handleAssetSearch(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r, "file")
	if err != nil {
		return err
	}
	defer in.close()
	thr, err := threshold(in)
	if err != nil {
		return err
	}
	count, err := in.integer("sampleCount", defaultSampleCount)
	if err != nil {
		return err
	}
	if count < 1 || count > maxSampleCount {
		return sleuth.Errorf(sleuth.CodeBadRequest, "sampleCount must be between 1 and %d, got %d", maxSampleCount, count)
	}
	ctx := r.Context()
	nid, err := in.str("nid")
	if err != nil {
		return err
	}
	nid = strings.TrimSpace(nid)
	var byNid *match.Query
	var nidMIME string
	if in.file == nil && nid != "" && !in.has("fileURL") {
		a, err := s.eng.Store().Asset(ctx, nid)
		if err != nil {
			return err
		}
		if byNid, err = engine.QueryFromAsset(a); err != nil {
			return err
		}
		nidMIME = a.MIME
	} else if err := requireFile(in, "fileURL"); err != nil {
		if isNoInput(err) {
			return sleuth.Errorf(CodeNoInput, "no input: upload a file (multipart field \"file\"), or give fileURL or nid")
		}
		return err
	}
	var resp assetSearchResponse
	err = s.billed(ctx, c, accounts.OpAssetSearch, func(orderID string) (string, error) {
		req := &engine.SearchRequest{Query: byNid}
		if byNid == nil {
			m, err := s.media(ctx, in, "fileURL")
			if err != nil {
				return "", err
			}
			req = searchRequest(m)
		}
		req.Limit, req.MinScore = searchLimit, minScore(thr)
		sr, err := s.eng.Search(ctx, req)
		if err != nil {
			return "", err
		}
		resp = assetSearchResponse{
			InputFileMimetype: nidMIME,
			SimilarSearch:     similarSearch{Nids: []string{}, Distance: []float64{}},
			OrderID:           orderID,
			Matches:           []matchJSON{},
		}
		if sr.Query != nil {
			resp.InputFileMimetype = sr.Query.MIME
		}
		var kept []match.Match
		for _, mt := range sr.Matches {
			if byteExact(mt) && resp.PreciseSearch == "" {
				resp.PreciseSearch = mt.Asset.Nid
			}
			if within(mt, thr) {
				kept = append(kept, mt)
			}
		}
		// match.Sort put them best first; make it nearest first, keeping
		// that order among equal distances.
		slices.SortStableFunc(kept, func(a, b match.Match) int {
			da, db := distanceOf(a), distanceOf(b)
			switch {
			case da < db:
				return -1
			case da > db:
				return 1
			}
			return 0
		})
		if len(kept) > count {
			kept = kept[:count]
		}
		for _, mt := range kept {
			resp.SimilarSearch.Nids = append(resp.SimilarSearch.Nids, mt.Asset.Nid)
			resp.SimilarSearch.Distance = append(resp.SimilarSearch.Distance, distanceOf(mt))
			resp.Matches = append(resp.Matches, toMatchJSON(mt))
		}
		return orderDetail(map[string]any{"preciseSearch": resp.PreciseSearch, "similar": len(kept)}), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// ---- GET /v1/nft-search ----

type nftSearchResponse struct {
	NFTRecords []nftRecord `json:"nftRecords"`
	Nid        string      `json:"nid"`
	OrderID    string      `json:"orderID"`
}

// handleNFTSearch lists the NFT records that use an asset. A Nid no record
// uses has none (not an error).
func (s *Server) handleNFTSearch(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	defer in.close()
	nid, err := in.str("nid")
	if err != nil {
		return err
	}
	if nid = strings.TrimSpace(nid); nid == "" {
		return sleuth.Errorf(CodeNoInput, "no input: give the asset's Nid as ?nid=")
	}
	ctx := r.Context()
	var resp nftSearchResponse
	err = s.billed(ctx, c, accounts.OpNFTSearch, func(orderID string) (string, error) {
		rs, err := s.eng.Store().NFTsByAsset(ctx, nid)
		if err != nil {
			return "", err
		}
		resp = nftSearchResponse{NFTRecords: toNFTRecords(rs), Nid: nid, OrderID: orderID}
		return orderDetail(map[string]any{"nid": nid, "nftRecords": len(rs)}), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// uploadHead returns the first bytes of an upload, for sniffing.
func uploadHead(up *upload) ([]byte, error) {
	if up.path == "" {
		return up.data[:min(len(up.data), imaging.SniffLen)], nil
	}
	f, err := os.Open(up.path)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading the upload: %w", err)
	}
	defer f.Close()
	head := make([]byte, imaging.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading the upload: %w", err)
	}
	return head[:n], nil
}
