package api

// Verbitas' lookup: find the registered asset a file, or a fingerprint
// computed elsewhere, comes from.

import (
	"cmp"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/match"
)

// Verbitas' match types and lookup algorithms.
const (
	matchExactHash      = "exact_hash"
	matchPerceptualHash = "perceptual_hash"
	algoPDQ             = "pdq"
)

// Lookup bounds.
const (
	// lookupMaxPHashDistance is the largest pHash distance (of 64) a
	// perceptual_hash lookup reports.
	lookupMaxPHashDistance = 10
	lookupLimit            = 100
	// givenPDQQuality is the quality assumed for a PDQ hash a client sends
	// (its real quality is unknown): high enough that the stored asset's
	// own quality decides whether the PDQ alone is trusted (match.Judge).
	givenPDQQuality = 100
)

// phashConfidence maps a pHash Hamming distance (of 64 bits) to a
// confidence: 1 - d/64, rounded to three decimals. This is the decay
// Verbitas' own documentation shows (distance 12 gives 0.81); two unrelated
// pictures differ in about 32 bits (confidence about 0.5), and lookups stop
// at distance 10 (0.844).
func phashConfidence(d int) float64 {
	c := 1 - float64(d)/64
	return math.Round(max(0, min(1, c))*1000) / 1000
}

type lookupMatch struct {
	AssetID     string  `json:"asset_id"`
	MatchType   string  `json:"match_type"`
	Confidence  float64 `json:"confidence"`
	Distance    *int    `json:"distance"`
	ManifestURI *string `json:"manifest_uri"`
	VerifierURL string  `json:"verifier_url"`
}

type lookupResponse struct {
	Matches   []lookupMatch `json:"matches"`
	RequestID string        `json:"request_id"`
	OrderID   string        `json:"orderID,omitempty"`
}

// lookupQuery is a parsed fingerprint lookup.
type lookupQuery struct {
	algorithm string
	phash     fingerprint.PHash
	query     *match.Query // pdq and exact_hash
}

// parseLookupHash reads {algorithm, binding_hash}: perceptual_hash is
// Sleuth's 64-bit pHash (16 hex), pdq the 256-bit PDQ (64 hex) and
// exact_hash the BLAKE3 of the file's bytes (64 hex).
func parseLookupHash(algorithm, hash string) (*lookupQuery, error) {
	algorithm = strings.ToLower(strings.TrimSpace(algorithm))
	hash = strings.TrimSpace(hash)
	lq := &lookupQuery{algorithm: algorithm}
	bad := func(err error) error {
		var se *sleuth.Error
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Message
		}
		return sleuth.Errorf(sleuth.CodeBadRequest, "binding_hash for %s: %s", algorithm, msg)
	}
	switch algorithm {
	case matchPerceptualHash:
		h, err := fingerprint.ParsePHash(hash)
		if err != nil {
			return nil, bad(err)
		}
		lq.phash = h
	case algoPDQ:
		h, err := fingerprint.ParsePDQ(hash)
		if err != nil {
			return nil, bad(err)
		}
		p := &fingerprint.Pixels{PDQ: h, PDQQuality: givenPDQQuality}
		for i := range p.PDQDihedral {
			p.PDQDihedral[i] = h // one orientation: the index searches identical variants once
		}
		lq.query = &match.Query{Pixels: p}
	case matchExactHash:
		d, err := fingerprint.ParseDigest(hash)
		if err != nil {
			return nil, bad(err)
		}
		lq.query = &match.Query{Exact: fingerprint.Exact{BLAKE3: d}}
	case "":
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "algorithm is required with binding_hash (perceptual_hash, pdq or exact_hash)")
	default:
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "unknown algorithm %q (want perceptual_hash, pdq or exact_hash)", algorithm)
	}
	return lq, nil
}

// handleLookup is Verbitas' POST /v1/lookup: a multipart file ("asset",
// or "file"), or JSON {algorithm, binding_hash}.
//
// A file is searched like any query. Byte-identical assets (Nid, sha256,
// BLAKE3) are exact_hash matches (distance null, confidence 1). Every other
// match is perceptual_hash with match.Match's calibrated score as its
// confidence: a pixel-identical file (the same picture with its metadata,
// a C2PA manifest for one, stripped) at distance 0, and a near-exact copy
// at its pHash distance (of 64) when the pHash was compared, else at its
// PDQ distance (of 256; a flipped or rotated copy is found by PDQ only).
//
// A perceptual_hash binding_hash is compared with every asset's pHash up
// to distance 10 (confidence phashConfidence); a pdq one goes through the
// PDQ index (distance of 256, confidence the near-exact score); an
// exact_hash one is a BLAKE3 of the file's bytes.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r, "asset", "file")
	if err != nil {
		return err
	}
	defer in.close()
	var lq *lookupQuery
	if in.file == nil {
		algorithm, err := in.str("algorithm")
		if err != nil {
			return err
		}
		hash, err := in.str("binding_hash")
		if err != nil {
			return err
		}
		if strings.TrimSpace(hash) == "" {
			return sleuth.Errorf(CodeNoInput, "no input: upload the file (multipart field \"asset\") or give algorithm and binding_hash")
		}
		if lq, err = parseLookupHash(algorithm, hash); err != nil {
			return err
		}
	} else {
		head, err := uploadHead(in.file)
		if err != nil {
			return err
		}
		if mime := imaging.Sniff(head); !imaging.Supported(mime) {
			return sleuth.Errorf(sleuth.CodeUnsupportedType, "unsupported file type %s: lookup takes images", mime)
		}
	}
	ctx := r.Context()
	base := publicBase(r)
	var resp lookupResponse
	err = s.billed(ctx, c, accounts.OpLookup, func(orderID string) (string, error) {
		var ms []lookupMatch
		var err error
		switch {
		case lq == nil:
			ms, err = s.lookupFile(r, in.file, base)
		case lq.algorithm == matchPerceptualHash:
			ms, err = s.lookupPHash(r, lq.phash, base)
		default:
			ms, err = s.lookupQuery(r, lq, base)
		}
		if err != nil {
			return "", err
		}
		slices.SortStableFunc(ms, func(a, b lookupMatch) int {
			if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
				return c
			}
			return cmp.Compare(a.AssetID, b.AssetID)
		})
		resp = lookupResponse{Matches: ms, RequestID: requestID(ctx), OrderID: orderID}
		if resp.Matches == nil {
			resp.Matches = []lookupMatch{}
		}
		detail := map[string]any{"matches": len(ms)}
		if lq != nil {
			detail["algorithm"] = lq.algorithm
		}
		return orderDetail(detail), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) lookupFile(r *http.Request, up *upload, base string) ([]lookupMatch, error) {
	req := &engine.SearchRequest{Path: up.path, Data: up.data, Limit: lookupLimit}
	if up.path != "" {
		req.Data = nil
	}
	sr, err := s.eng.Search(r.Context(), req)
	if err != nil {
		return nil, err
	}
	if sr.Query != nil && sr.Query.Pixels == nil {
		return nil, sleuth.Errorf(sleuth.CodeUnsupportedType, "unsupported file type %s: lookup takes images", sr.Query.MIME)
	}
	var out []lookupMatch
	for _, m := range sr.Matches {
		lm := newLookupMatch(m.Asset.Nid, base)
		lm.Confidence = m.Score
		switch {
		case byteExact(m):
			lm.MatchType = matchExactHash
		case m.Tier == match.TierExact: // same pixels, other bytes
			lm.MatchType, lm.Distance = matchPerceptualHash, intPtr(0)
		case m.PHashDistance >= 0:
			lm.MatchType, lm.Distance = matchPerceptualHash, intPtr(m.PHashDistance)
		default:
			lm.MatchType, lm.Distance = matchPerceptualHash, intPtr(m.Distance)
		}
		out = append(out, lm)
	}
	return out, nil
}

func (s *Server) lookupPHash(r *http.Request, h fingerprint.PHash, base string) ([]lookupMatch, error) {
	ctx := r.Context()
	hits, err := s.eng.LookupPHash(ctx, h, lookupMaxPHashDistance, lookupLimit)
	if err != nil {
		return nil, err
	}
	var out []lookupMatch
	for _, hit := range hits {
		a, err := s.eng.Store().AssetByID(ctx, sleuth.AssetID(hit.ID))
		if errors.Is(err, sleuth.ErrAssetNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		lm := newLookupMatch(a.Nid, base)
		lm.MatchType, lm.Confidence, lm.Distance = matchPerceptualHash, phashConfidence(hit.Distance), intPtr(hit.Distance)
		out = append(out, lm)
	}
	return out, nil
}

func (s *Server) lookupQuery(r *http.Request, lq *lookupQuery, base string) ([]lookupMatch, error) {
	sr, err := s.eng.Search(r.Context(), &engine.SearchRequest{Query: lq.query, Limit: lookupLimit})
	if err != nil {
		return nil, err
	}
	var out []lookupMatch
	for _, m := range sr.Matches {
		lm := newLookupMatch(m.Asset.Nid, base)
		lm.Confidence = m.Score
		if m.Tier == match.TierExact {
			lm.MatchType = matchExactHash
		} else {
			lm.MatchType, lm.Distance = matchPerceptualHash, intPtr(m.Distance)
		}
		out = append(out, lm)
	}
	return out, nil
}

func newLookupMatch(nid, base string) lookupMatch {
	return lookupMatch{AssetID: nid, VerifierURL: base + "/asset-profile?" + url.Values{"nid": {nid}}.Encode()}
}

func intPtr(i int) *int { return &i }

// publicBase is the scheme and host clients reach this server at: https
// when the connection is TLS or a proxy says so (X-Forwarded-Proto).
func publicBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
