package report

// The scam check: SolCheck's verdict on one token (CHECKS_PASSED or
// SUSPECTED_MALICIOUS with a malicious_type), with the evidence for each
// reason. docs/SCAM.md describes the rules.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/match"
	"github.com/sleuthhq/sleuth/phishing"
)

// SolCheck's result values and malicious types.
const (
	ResultPassed    = "CHECKS_PASSED"
	ResultMalicious = "SUSPECTED_MALICIOUS"

	ScamStolen   = "STOLEN"
	ScamPhishing = "PHISHING"
	ScamFake     = "FAKE"
)

// Rules of the FAKE verdict.
const (
	// FakeEditedScore: an edited copy makes a token FAKE only when scored
	// above it; exact and near_exact copies always do.
	FakeEditedScore = 0.9
	// maxFakeReasons caps the originals listed.
	maxFakeReasons = 10
	// maxScamFindings caps the phishing reasons listed.
	maxScamFindings = 20
	// MaxScamMedia caps the media of one token searched for FAKE (the
	// first ones of AssetCids: the image, then the animation).
	MaxScamMedia = 16
)

// ScamChecker runs scam checks. Finder and Lists are required.
type ScamChecker struct {
	Finder Finder
	// Lists are the phishing lists (phishing.Load).
	Lists *phishing.Lists
	// Chain is asked for a token that is not in the index (the hook for
	// reading a single token from its chain; for a Solana mint given
	// without its collection the key's Contract is empty). nil: such a
	// token is sleuth.nft.not_found.
	Chain TokenSource
}

// ScamRequest names the token to check: an EVM token by chain, contract
// and token_id; a Solana token by its mint, token_address (SolCheck's
// field), with chain "solana" or empty, and contract (its collection)
// optional.
type ScamRequest struct {
	Chain        string `json:"chain,omitempty"`
	Contract     string `json:"contract,omitempty"`
	TokenID      string `json:"token_id,omitempty"`
	TokenAddress string `json:"token_address,omitempty"`
}

// ScamResponse is SolCheck's answer (result, malicious_type,
// token_address) plus Sleuth's: the token's full key and every reason with
// its evidence.
type ScamResponse struct {
	Result string `json:"result"`
	// MaliciousType is the first reason's type (STOLEN, then PHISHING,
	// then FAKE); absent when the checks passed.
	MaliciousType string `json:"malicious_type,omitempty"`
	// TokenAddress is the Solana mint, or the contract of an EVM token.
	TokenAddress string `json:"token_address"`

	Chain    string        `json:"chain"`
	Contract string        `json:"contract"`
	TokenID  string        `json:"token_id"`
	Reasons  []ScamReason  `json:"reasons"`
	Checks   []CheckStatus `json:"checks"`
	// PhishingLists names the phishing lists used (phishing.Lists.Source).
	PhishingLists string `json:"phishing_lists"`
}

// CheckStatus says whether one check ran: FAKE cannot run when none of
// the token's media is registered.
type CheckStatus struct {
	Type string `json:"type"`
	Ran  bool   `json:"ran"`
	Note string `json:"note,omitempty"`
}

// ScamReason is one reason for SUSPECTED_MALICIOUS, with its evidence: one
// of Stolen, Phishing and Fake is set, as Type says.
type ScamReason struct {
	Type string `json:"type"`
	// Detail says it in one line.
	Detail   string               `json:"detail"`
	Stolen   *sleuth.StolenReport `json:"stolen,omitempty"`
	Phishing *phishing.Finding    `json:"phishing,omitempty"`
	Fake     *FakeEvidence        `json:"fake,omitempty"`
}

// FakeEvidence shows that the token's picture copies an earlier token of a
// verified collection.
type FakeEvidence struct {
	Original ScamToken `json:"original"`
	// Tier, Score, Fingerprint, Distance and Variant are the match's.
	Tier        match.Tier `json:"tier"`
	Score       float64    `json:"score"`
	Fingerprint string     `json:"fingerprint"`
	Distance    int        `json:"distance"`
	Variant     string     `json:"variant,omitempty"`
	// Nid is the checked token's media that matched; MintedAt its mint time.
	Nid      string    `json:"nid"`
	MintedAt time.Time `json:"minted_at"`
}

// ScamToken names a token with its media and mint time.
type ScamToken struct {
	Chain      string    `json:"chain"`
	Contract   string    `json:"contract"`
	TokenID    string    `json:"token_id"`
	Collection string    `json:"collection,omitempty"`
	MarketName string    `json:"market_name,omitempty"`
	Nid        string    `json:"nid"`
	MintedAt   time.Time `json:"minted_at"`
}

// Check checks one token. Errors: sleuth.report.bad_input when the token
// is not named completely; sleuth.nft.not_found when it is not in the
// index (and Chain does not find it); the store's.
func (c *ScamChecker) Check(ctx context.Context, req *ScamRequest) (*ScamResponse, error) {
	rec, err := c.record(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.CheckRecord(ctx, rec)
}

// scamToken is a request's token, normalised.
type scamToken struct {
	key    sleuth.NFTKey // Contract is "" for a Solana mint given alone
	solana bool
}

// Validate checks that the request names a token completely, without
// reading anything. Errors: sleuth.report.bad_input.
func (req *ScamRequest) Validate() error {
	_, err := req.token()
	return err
}

func (req *ScamRequest) token() (scamToken, error) {
	chainIn := strings.TrimSpace(req.Chain)
	contract := NormalizeContract(req.Contract)
	token := strings.TrimSpace(req.TokenID)
	mint := strings.TrimSpace(req.TokenAddress)
	if chainIn == "" && contract == "" {
		// SolCheck's request: a Solana mint alone (in token_address, or
		// in token_id as its documentation's table calls it).
		chainIn = "solana"
	}
	if len(chainIn) > 100 || len(contract) > 200 || len(token) > 200 || len(mint) > 200 {
		return scamToken{}, sleuth.Errorf(CodeBadInput, "chain, contract, token_id or token_address is too long")
	}
	chain, err := ParseChain(chainIn)
	if err != nil {
		return scamToken{}, err
	}
	if strings.HasPrefix(chain, "solana:") {
		if mint == "" {
			mint = token
		}
		if mint == "" {
			return scamToken{}, sleuth.Errorf(CodeBadInput, "a Solana token needs token_address (its mint)")
		}
		return scamToken{key: sleuth.NFTKey{Chain: chain, Contract: contract, TokenID: mint}, solana: true}, nil
	}
	if contract == "" {
		contract = NormalizeContract(mint)
	}
	if contract == "" || token == "" {
		return scamToken{}, sleuth.Errorf(CodeBadInput, "an EVM token needs chain, contract and token_id")
	}
	return scamToken{key: sleuth.NFTKey{Chain: chain, Contract: contract, TokenID: token}}, nil
}

// record finds the token a request names.
func (c *ScamChecker) record(ctx context.Context, req *ScamRequest) (*sleuth.NFTRecord, error) {
	tok, err := req.token()
	if err != nil {
		return nil, err
	}
	if tok.solana && tok.key.Contract == "" {
		rs, err := c.Finder.Store.NFTsByTokenID(ctx, tok.key.Chain, tok.key.TokenID)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			return rs[0], nil
		}
	}
	return c.lookup(ctx, tok.key)
}

// lookup reads a token from the index, or asks Chain.
func (c *ScamChecker) lookup(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error) {
	if k.Contract != "" {
		rec, err := c.Finder.Store.NFT(ctx, k)
		if sleuth.ErrorCode(err) != sleuth.CodeNFTNotFound {
			return rec, err
		}
	}
	if c.Chain != nil {
		return c.Chain.Token(ctx, k)
	}
	name := k.Contract + " #" + k.TokenID
	if k.Contract == "" {
		name = "mint " + k.TokenID
	}
	return nil, sleuth.Errorf(sleuth.CodeNFTNotFound, "token %s %s is not in the index (ingest its contract or collection first)", k.Chain, name)
}

// CheckRecord checks a token whose record is known.
func (c *ScamChecker) CheckRecord(ctx context.Context, rec *sleuth.NFTRecord) (*ScamResponse, error) {
	resp := &ScamResponse{
		Result:        ResultPassed,
		TokenAddress:  rec.Contract,
		Chain:         rec.Chain,
		Contract:      rec.Contract,
		TokenID:       rec.TokenID,
		Reasons:       []ScamReason{},
		PhishingLists: c.Lists.Source,
	}
	if strings.HasPrefix(rec.Chain, "solana:") {
		resp.TokenAddress = rec.TokenID
	}
	stolen, err := c.stolen(ctx, rec)
	if err != nil {
		return nil, err
	}
	resp.Reasons = append(resp.Reasons, stolen...)
	resp.Checks = append(resp.Checks, CheckStatus{Type: ScamStolen, Ran: true})

	for i, f := range c.Lists.ScanRecord(rec) {
		if i == maxScamFindings {
			break
		}
		resp.Reasons = append(resp.Reasons, ScamReason{Type: ScamPhishing, Detail: f.String(), Phishing: &f})
	}
	resp.Checks = append(resp.Checks, CheckStatus{Type: ScamPhishing, Ran: true})

	fakes, status, err := c.fakes(ctx, rec)
	if err != nil {
		return nil, err
	}
	resp.Reasons = append(resp.Reasons, fakes...)
	resp.Checks = append(resp.Checks, status)

	if len(resp.Reasons) > 0 {
		resp.Result, resp.MaliciousType = ResultMalicious, resp.Reasons[0].Type
	}
	return resp, nil
}

// stolen returns the open stolen report of the token: for an EVM token its
// exact key (contract in lower case), for a Solana token its mint on its
// chain whatever collection the reporter named.
func (c *ScamChecker) stolen(ctx context.Context, rec *sleuth.NFTRecord) ([]ScamReason, error) {
	f := sleuth.StolenFilter{Chain: rec.Chain, TokenID: rec.TokenID, Status: sleuth.StolenOpen, Limit: 1000}
	solana := strings.HasPrefix(rec.Chain, "solana:")
	if !solana {
		f.Contract = sleuth.NormalizeContract(rec.Contract)
	}
	rs, err := c.Finder.Store.ListStolen(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []ScamReason
	for _, r := range rs {
		d := fmt.Sprintf("reported stolen on %s (report %d, %d report(s))", r.CreatedAt.UTC().Format(time.RFC3339), r.ID, r.Reports)
		out = append(out, ScamReason{Type: ScamStolen, Detail: d, Stolen: r})
	}
	return out, nil
}

// fakes finds the tokens of verified collections of other contracts,
// minted earlier, whose pictures the token's media copy.
func (c *ScamChecker) fakes(ctx context.Context, rec *sleuth.NFTRecord) ([]ScamReason, CheckStatus, error) {
	status := CheckStatus{Type: ScamFake, Ran: true}
	own, err := c.collection(ctx, rec.Chain, rec.Contract)
	if err != nil {
		return nil, status, err
	}
	if own != nil && own.Verified {
		status.Note = "the token's own collection is verified: its tokens are originals"
		return nil, status, nil
	}
	if rec.CreatedAt.IsZero() {
		status.Ran, status.Note = false, "the token's mint time is unknown"
		return nil, status, nil
	}
	type found struct {
		ev   FakeEvidence
		rank int
	}
	best := map[sleuth.NFTKey]found{}
	var order []sleuth.NFTKey
	searched := 0
	verified := map[[2]string]*sleuth.Collection{}
	for i, nid := range rec.AssetCids {
		if i == MaxScamMedia {
			break
		}
		a, err := c.Finder.Store.Asset(ctx, nid)
		if sleuth.ErrorCode(err) == sleuth.CodeAssetNotFound {
			continue
		}
		if err != nil {
			return nil, status, err
		}
		q, err := engine.QueryFromAsset(a)
		if err != nil {
			return nil, status, sleuth.Errorf(sleuth.CodeInternal, "stored fingerprints of %s: %w", nid, err)
		}
		searched++
		copies, err := c.Finder.Copies(ctx, &engine.SearchRequest{Query: q, Limit: searchLimit})
		if err != nil {
			return nil, status, err
		}
		for _, cp := range copies {
			o := cp.Record
			if o.Chain == rec.Chain && NormalizeContract(o.Contract) == NormalizeContract(rec.Contract) {
				continue // the same contract: not "another" collection
			}
			if !fakeTier(cp.Match) || o.CreatedAt.IsZero() || !o.CreatedAt.Before(rec.CreatedAt) {
				continue
			}
			ck := [2]string{o.Chain, o.Contract}
			col, ok := verified[ck]
			if !ok {
				if col, err = c.collection(ctx, o.Chain, o.Contract); err != nil {
					return nil, status, err
				}
				verified[ck] = col
			}
			if col == nil || !col.Verified {
				continue
			}
			ev := FakeEvidence{
				Original: ScamToken{Chain: o.Chain, Contract: o.Contract, TokenID: o.TokenID, Collection: col.Name,
					MarketName: col.MarketName, Nid: cp.Match.Asset.Nid, MintedAt: o.CreatedAt.UTC()},
				Tier: cp.Match.Tier, Score: cp.Match.Score, Fingerprint: cp.Match.Fingerprint,
				Distance: cp.Match.Distance, Variant: cp.Match.Variant, Nid: nid, MintedAt: rec.CreatedAt.UTC(),
			}
			k, r := o.Key(), fakeRank(cp.Match.Tier)
			prev, seen := best[k]
			if !seen {
				order = append(order, k)
			}
			if !seen || r < prev.rank || r == prev.rank && ev.Score > prev.ev.Score {
				best[k] = found{ev, r}
			}
		}
	}
	if searched == 0 {
		status.Ran, status.Note = false, "none of the token's media is registered"
		return nil, status, nil
	}
	var out []ScamReason
	for _, k := range order {
		if len(out) == maxFakeReasons {
			break
		}
		ev := best[k].ev
		article := "a"
		if strings.HasPrefix(string(ev.Tier), "e") { // exact, edited
			article = "an"
		}
		d := fmt.Sprintf("its picture is %s %s copy (score %.3f) of %s %s #%s of the verified collection %q, minted %s, before this token (%s)",
			article, ev.Tier, ev.Score, ev.Original.Chain, ev.Original.Contract, ev.Original.TokenID, ev.Original.Collection,
			ev.Original.MintedAt.Format(time.RFC3339), ev.MintedAt.Format(time.RFC3339))
		out = append(out, ScamReason{Type: ScamFake, Detail: d, Fake: &ev})
	}
	return out, status, nil
}

// fakeTier: exact and near_exact copies, and edited ones scored above
// FakeEditedScore.
func fakeTier(m match.Match) bool {
	switch m.Tier {
	case match.TierExact, match.TierNearExact:
		return true
	case match.TierEdited:
		return m.Score > FakeEditedScore
	}
	return false
}

// fakeRank orders the tiers of FAKE evidence, strongest first.
func fakeRank(t match.Tier) int {
	switch t {
	case match.TierExact:
		return 0
	case match.TierNearExact:
		return 1
	}
	return 2
}

// collection reads a collection; nil when unknown.
func (c *ScamChecker) collection(ctx context.Context, chain, contract string) (*sleuth.Collection, error) {
	col, err := c.Finder.Store.Collection(ctx, chain, contract)
	if sleuth.ErrorCode(err) == sleuth.CodeCollectionNotFound {
		return nil, nil
	}
	return col, err
}
