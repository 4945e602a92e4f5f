package report

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/match"
)

// Error codes of the reports.
const (
	// CodeNoMedia: the token is indexed but none of its media is
	// registered, and its image could not be fetched (422).
	CodeNoMedia = "sleuth.report.no_media"
	// CodeBadInput: neither a file nor a complete chain + contract +
	// token_id was given (400).
	CodeBadInput = "sleuth.report.bad_input"
)

// Thresholds of aiRight's flags (see docs/REPORTS.md).
const (
	// RedScore: a copy scored above it raises flag_red whatever its tier.
	RedScore = 0.9
	// ConsiderScore: a copy scored above it raises flag_consider.
	ConsiderScore = 0.55
	// searchLimit caps the matched assets one report considers.
	searchLimit = 1000
)

// TokenSource fetches a token that is not in the index (from its chain).
// It returns sleuth.nft.not_found when the token does not exist.
type TokenSource interface {
	Token(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error)
}

// Reporter makes NFT reports. Finder is required; the others are optional.
type Reporter struct {
	Finder Finder
	// Chain is asked for a token that is not in the index; nil: such a
	// token is sleuth.nft.not_found. (The hook for fetching from the chain;
	// package ingest can provide it.)
	Chain TokenSource
	// Fetch reads a token's image when none of its media is registered;
	// nil: such a token fails with sleuth.report.no_media.
	Fetch func(ctx context.Context, url string) ([]byte, error)
}

// NFTRequest asks for the report of one picture: a file (Path or Data) or
// an NFT (Token).
type NFTRequest struct {
	Path  string
	Data  []byte
	Token *sleuth.NFTKey
}

// Item is one NFT of another contract whose media copies the reported
// picture: aiRight's fields first, Sleuth's evidence after.
type Item struct {
	Contract      string  `json:"contract"`
	TokenID       string  `json:"tokenId"`
	AuthorAddress string  `json:"authorAddress"`
	CreationTime  string  `json:"creation_time"` // unix milliseconds, as aiRight sends it; "" when unknown
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	MarketName    string  `json:"marketName"`
	Market        string  `json:"market"`
	IsVerified    bool    `json:"isVerified"`
	Image         string  `json:"image"`
	Score         float64 `json:"score"`

	// Sleuth's extras.
	Chain       string     `json:"chain"`
	Nid         string     `json:"nid"`
	Tier        match.Tier `json:"tier"`
	Fingerprint string     `json:"fingerprint"`
	Distance    int        `json:"distance"`
	Variant     string     `json:"variant,omitempty"`
	// MintedBefore says whether this copy was minted before the reported
	// token; absent when the report is about a file.
	MintedBefore *bool `json:"minted_before,omitempty"`
}

// TokenRef names a token in a report.
type TokenRef struct {
	Chain        string `json:"chain"`
	Contract     string `json:"contract"`
	TokenID      string `json:"tokenId"`
	CreationTime string `json:"creation_time"`
}

// FirstUse says which of the token and its copies was minted first.
type FirstUse struct {
	// First is the earliest minted of the reported token (when there is
	// one) and its copies; ties go to the reported token.
	First *TokenRef `json:"first"`
	// Token is "earlier" when the reported token was minted first (it is
	// the likely original), "later" when a copy was minted before it (it
	// is the likely copy), "" when the report is about a file.
	Token string `json:"token,omitempty"`
}

// Token positions in FirstUse.Token.
const (
	Earlier = "earlier"
	Later   = "later"
)

// NFTReport is aiRight's single-NFT report plus Sleuth's extras.
type NFTReport struct {
	ExactMatch   []Item `json:"exact_match"`
	NearExact    []Item `json:"near_exact"`
	Semantic     []Item `json:"semantic"`
	FlagRed      bool   `json:"flag_red"`
	FlagConsider bool   `json:"flag_consider"`

	// Token is the reported token; nil for a file.
	Token *TokenRef `json:"token,omitempty"`
	// Nid is the reported file's Nid (a file) or the token's first asset.
	Nid string `json:"nid,omitempty"`
	// FirstUse is nil when nothing copies the picture.
	FirstUse *FirstUse `json:"first_use,omitempty"`
}

// NFT makes the report of a file or a token. For a token, the record comes
// from the index (or from Chain when missing), and its media from the
// registered assets (or its image through Fetch); copies in the token's own
// contract are left out.
//
// Errors: sleuth.report.bad_input when the request names nothing or an
// incomplete token; sleuth.nft.not_found; sleuth.report.no_media; those of
// Finder.Copies.
func (r *Reporter) NFT(ctx context.Context, req *NFTRequest) (*NFTReport, error) {
	if req.Token == nil {
		if req.Path == "" && req.Data == nil {
			return nil, sleuth.Errorf(CodeBadInput, "give a file, a fileURL, or chain + contract + token_id")
		}
		resp, err := r.Finder.Engine.Search(ctx, &engine.SearchRequest{Path: req.Path, Data: req.Data, Limit: searchLimit})
		if err != nil {
			return nil, err
		}
		copies, err := r.Finder.copiesOf(ctx, resp.Matches)
		if err != nil {
			return nil, err
		}
		rep := r.build(ctx, nil, copies)
		if resp.Query != nil {
			rep.Nid = resp.Query.Nid
		}
		return rep, nil
	}
	k := *req.Token
	if k.Chain == "" || k.Contract == "" || k.TokenID == "" {
		return nil, sleuth.Errorf(CodeBadInput, "a token needs chain, contract and token_id")
	}
	rec, err := r.record(ctx, k)
	if err != nil {
		return nil, err
	}
	return r.Token(ctx, rec)
}

// record reads a token from the index, or from the chain when missing.
func (r *Reporter) record(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error) {
	rec, err := r.Finder.Store.NFT(ctx, k)
	if sleuth.ErrorCode(err) == sleuth.CodeNFTNotFound && r.Chain != nil {
		return r.Chain.Token(ctx, k)
	}
	if sleuth.ErrorCode(err) == sleuth.CodeNFTNotFound {
		return nil, sleuth.Errorf(sleuth.CodeNFTNotFound, "token %s %s #%s is not in the index (ingest the contract first)", k.Chain, k.Contract, k.TokenID)
	}
	return rec, err
}

// Token makes the report of a token whose record is known: the copies of
// each of its media, merged.
func (r *Reporter) Token(ctx context.Context, rec *sleuth.NFTRecord) (*NFTReport, error) {
	copies, nid, err := r.tokenCopies(ctx, rec)
	if err != nil {
		return nil, err
	}
	rep := r.build(ctx, rec, copies)
	rep.Nid = nid
	return rep, nil
}

// tokenCopies searches for the copies of every registered asset of rec
// (its image through Fetch when none is registered) and merges them, each
// record once with its best match.
func (r *Reporter) tokenCopies(ctx context.Context, rec *sleuth.NFTRecord) ([]Copy, string, error) {
	var all []Copy
	first := ""
	for _, nid := range rec.AssetCids {
		a, err := r.Finder.Store.Asset(ctx, nid)
		if sleuth.ErrorCode(err) == sleuth.CodeAssetNotFound {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		q, err := engine.QueryFromAsset(a)
		if err != nil {
			return nil, "", sleuth.Errorf(sleuth.CodeInternal, "stored fingerprints of %s: %w", nid, err)
		}
		if first == "" {
			first = nid
		}
		cs, err := r.Finder.Copies(ctx, &engine.SearchRequest{Query: q, Limit: searchLimit})
		if err != nil {
			return nil, "", err
		}
		all = append(all, cs...)
	}
	if first == "" {
		img := rec.ImageURL
		if img == "" || r.Fetch == nil {
			return nil, "", sleuth.Errorf(CodeNoMedia, "none of the media of %s %s #%s is registered", rec.Chain, rec.Contract, rec.TokenID)
		}
		data, err := r.Fetch(ctx, img)
		if err != nil {
			return nil, "", sleuth.Errorf(CodeNoMedia, "the image of %s %s #%s: %w", rec.Chain, rec.Contract, rec.TokenID, err)
		}
		resp, err := r.Finder.Engine.Search(ctx, &engine.SearchRequest{Data: data, Limit: searchLimit})
		if err != nil {
			return nil, "", err
		}
		if all, err = r.Finder.copiesOf(ctx, resp.Matches); err != nil {
			return nil, "", err
		}
		if resp.Query != nil {
			first = resp.Query.Nid
		}
	}
	return bestPerRecord(all), first, nil
}

// bestPerRecord keeps each record once, with its best match, best first.
func bestPerRecord(cs []Copy) []Copy {
	best := map[sleuth.NFTKey]int{}
	var out []Copy
	for _, c := range cs {
		i, ok := best[c.Record.Key()]
		if !ok {
			best[c.Record.Key()] = len(out)
			out = append(out, c)
			continue
		}
		if compareMatch(c.Match, out[i].Match) < 0 {
			out[i].Match = c.Match
		}
	}
	sortCopies(out)
	return out
}

// sortCopies orders copies best first (the order of match.Sort), then by
// mint time and key, so that a report is deterministic.
func sortCopies(cs []Copy) {
	slices.SortStableFunc(cs, func(a, b Copy) int {
		if c := compareMatch(a.Match, b.Match); c != 0 {
			return c
		}
		if c := a.Record.CreatedAt.Compare(b.Record.CreatedAt); c != 0 {
			return c
		}
		return compareKey(a.Record.Key(), b.Record.Key())
	})
}

// tierRank orders tiers, strongest first (as match does).
func tierRank(t match.Tier) int {
	switch t {
	case match.TierExact:
		return 0
	case match.TierNearExact:
		return 1
	case match.TierEdited:
		return 2
	}
	return 3
}

// compareMatch is match.Sort's order: tier, score (higher first), the
// asset registered first, Nid.
func compareMatch(a, b match.Match) int {
	if c := cmp.Compare(tierRank(a.Tier), tierRank(b.Tier)); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := a.Asset.FirstSeen.Compare(b.Asset.FirstSeen); c != 0 {
		return c
	}
	return cmp.Compare(a.Asset.Nid, b.Asset.Nid)
}

func compareKey(a, b sleuth.NFTKey) int {
	if c := cmp.Compare(a.Chain, b.Chain); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Contract, b.Contract); c != 0 {
		return c
	}
	return cmp.Compare(a.TokenID, b.TokenID)
}

// build turns copies into the report of rec (nil for a file).
func (r *Reporter) build(ctx context.Context, rec *sleuth.NFTRecord, copies []Copy) *NFTReport {
	rep := &NFTReport{ExactMatch: []Item{}, NearExact: []Item{}, Semantic: []Item{}}
	verified := map[[2]string]*sleuth.Collection{}
	collection := func(chain, contract string) *sleuth.Collection {
		k := [2]string{chain, contract}
		c, ok := verified[k]
		if !ok {
			c, _ = r.Finder.Store.Collection(ctx, chain, contract)
			verified[k] = c
		}
		return c
	}
	var first *sleuth.NFTRecord
	if rec != nil {
		rep.Token = tokenRef(rec)
		first = rec
	}
	for _, c := range copies {
		if rec != nil && c.Record.Chain == rec.Chain && sameContract(c.Record.Contract, rec.Contract) {
			continue
		}
		it := item(c, collection(c.Record.Chain, c.Record.Contract))
		prior := true // a copy counts toward the flags unless minted after the token
		if rec != nil {
			before := mintedBefore(c.Record, rec)
			it.MintedBefore = &before
			prior = before || sameTime(c.Record, rec)
		}
		if prior {
			if c.Match.Tier == match.TierExact || c.Match.Tier == match.TierNearExact || c.Match.Score > RedScore {
				rep.FlagRed = true
			}
			if c.Match.Score > ConsiderScore {
				rep.FlagConsider = true
			}
		}
		switch c.Match.Tier {
		case match.TierExact:
			rep.ExactMatch = append(rep.ExactMatch, it)
		case match.TierNearExact:
			rep.NearExact = append(rep.NearExact, it)
		default:
			rep.Semantic = append(rep.Semantic, it)
		}
		if first == nil || mintedBefore(c.Record, first) {
			first = c.Record
		}
	}
	if n := len(rep.ExactMatch) + len(rep.NearExact) + len(rep.Semantic); n > 0 {
		rep.FirstUse = &FirstUse{First: tokenRef(first)}
		if rec != nil {
			rep.FirstUse.Token = Earlier
			if first != rec {
				rep.FirstUse.Token = Later
			}
		}
	}
	return rep
}

// mintedBefore reports whether a was minted strictly before b. An unknown
// mint time (zero) is never before anything.
func mintedBefore(a, b *sleuth.NFTRecord) bool {
	if a.CreatedAt.IsZero() {
		return false
	}
	return b.CreatedAt.IsZero() || a.CreatedAt.Before(b.CreatedAt)
}

func sameTime(a, b *sleuth.NFTRecord) bool { return a.CreatedAt.Equal(b.CreatedAt) }

func tokenRef(r *sleuth.NFTRecord) *TokenRef {
	return &TokenRef{Chain: r.Chain, Contract: r.Contract, TokenID: r.TokenID, CreationTime: millis(r.CreatedAt)}
}

// millis is aiRight's creation_time: unix milliseconds as a string.
func millis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// item describes one copy in aiRight's shape.
func item(c Copy, col *sleuth.Collection) Item {
	r, m := c.Record, c.Match
	md := metadataOf(r.Metadata)
	it := Item{
		Contract:      r.Contract,
		TokenID:       r.TokenID,
		AuthorAddress: r.Creator,
		CreationTime:  millis(r.CreatedAt),
		Name:          md.Name,
		Description:   md.Description,
		MarketName:    r.PrimaryMarketplace,
		Image:         r.ImageURL,
		Score:         m.Score,
		Chain:         r.Chain,
		Nid:           m.Asset.Nid,
		Tier:          m.Tier,
		Fingerprint:   m.Fingerprint,
		Distance:      m.Distance,
		Variant:       m.Variant,
	}
	if it.Image == "" {
		it.Image = md.Image
	}
	if col != nil {
		it.IsVerified = col.Verified
		if col.MarketName != "" {
			it.MarketName = col.MarketName
		}
	}
	it.Market = marketURL(it.MarketName, r.Chain, r.Contract, r.TokenID)
	return it
}

type metadata struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Image       string `json:"image"`
}

// metadataOf reads the usual ERC-721 / Metaplex metadata fields; anything
// unreadable gives empty fields.
func metadataOf(raw json.RawMessage) metadata {
	var md metadata
	if len(raw) > 0 {
		var loose map[string]any
		if json.Unmarshal(raw, &loose) == nil {
			md.Name, _ = loose["name"].(string)
			md.Description, _ = loose["description"].(string)
			md.Image, _ = loose["image"].(string)
		}
	}
	return md
}

// openSeaChains names the chains in OpenSea's asset URLs.
var openSeaChains = map[string]string{
	"eip155:1":     "ethereum",
	"eip155:137":   "matic",
	"eip155:10":    "optimism",
	"eip155:42161": "arbitrum",
	"eip155:8453":  "base",
	"eip155:43114": "avalanche",
	"eip155:56":    "bsc",
}

// marketURL is the token's page on its marketplace, when Sleuth knows how
// to build it (OpenSea on the chains above); "" otherwise.
func marketURL(market, chain, contract, token string) string {
	if !strings.EqualFold(market, "opensea") {
		return ""
	}
	slug, ok := openSeaChains[chain]
	if !ok {
		return ""
	}
	return "https://opensea.io/assets/" + slug + "/" + contract + "/" + token
}

// sameContract compares contract addresses: EVM addresses (0x...) without
// regard to case, others (Solana's base58) exactly.
func sameContract(a, b string) bool {
	if strings.HasPrefix(strings.ToLower(a), "0x") && strings.HasPrefix(strings.ToLower(b), "0x") {
		return strings.EqualFold(a, b)
	}
	return a == b
}
