package report

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/match"
	"github.com/sleuthhq/sleuth/phishing"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// Meta's PDQ test pictures: scamCopy is a near-exact copy of scamOrig
// (PDQ distance 14), scamOther a different picture.
const (
	scamOrig  = "bridge-mods/shrink-a-lot.jpg"
	scamCopy  = "bridge-mods/square-128x128.jpg"
	scamOther = "misc-images/wee.jpg"
)

var (
	origContract  = "0x" + "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11"
	copyContract  = "0x" + "bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22"
	otherContract = "0x" + "cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33"
	t2024         = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// scamEnv is a real SQLite store, an engine and a checker.
type scamEnv struct {
	t   *testing.T
	db  *sqlite.DB
	eng *engine.Engine
	chk *ScamChecker
}

func newScamEnv(t *testing.T) *scamEnv {
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
	lists, err := phishing.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return &scamEnv{t: t, db: db, eng: eng, chk: &ScamChecker{Finder: Finder{Engine: eng, Store: db}, Lists: lists}}
}

// register registers a test picture and returns its Nid.
func (e *scamEnv) register(name string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "pdq", name))
	if err != nil {
		e.t.Fatal(err)
	}
	rr, err := e.eng.Register(context.Background(), &engine.RegisterRequest{Data: b, Source: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return rr.Asset.Nid
}

func (e *scamEnv) token(chain, contract, id string, minted time.Time, metadata string, nids ...string) *sleuth.NFTRecord {
	e.t.Helper()
	r := &sleuth.NFTRecord{Chain: chain, Contract: contract, TokenID: id, AssetCids: nids, CreatedAt: minted}
	if metadata != "" {
		r.Metadata = json.RawMessage(metadata)
	}
	if err := e.db.PutNFT(context.Background(), r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *scamEnv) collection(chain, contract, name string, verified bool) {
	e.t.Helper()
	if err := e.db.PutCollection(context.Background(), &sleuth.Collection{Chain: chain, Contract: contract, Name: name, Verified: verified, MarketName: "opensea"}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *scamEnv) check(req ScamRequest) *ScamResponse {
	e.t.Helper()
	resp, err := e.chk.Check(context.Background(), &req)
	if err != nil {
		e.t.Fatalf("Check(%+v): %v", req, err)
	}
	return resp
}

func reasonTypes(r *ScamResponse) []string {
	var out []string
	for _, x := range r.Reasons {
		out = append(out, x.Type)
	}
	return out
}

func TestScamCheckFake(t *testing.T) {
	e := newScamEnv(t)
	orig, cp, other := e.register(scamOrig), e.register(scamCopy), e.register(scamOther)
	e.collection("eip155:1", origContract, "Bridges", true)
	e.collection("eip155:1", copyContract, "Bridges Copy", false)
	e.token("eip155:1", origContract, "1", t2024, `{"name":"Bridge #1","external_url":"https://opensea.io/collection/bridges"}`, orig)
	e.token("eip155:1", copyContract, "7", t2024.AddDate(0, 6, 0), `{"name":"Bridge"}`, cp)   // near-exact copy, later
	e.token("eip155:1", copyContract, "8", t2024.AddDate(0, 6, 0), `{"name":"Bridge"}`, orig) // exact copy, later
	e.token("eip155:1", copyContract, "9", t2024.AddDate(-1, 0, 0), ``, cp)                   // a copy minted before the original
	// An unverified collection's token, copied later by another contract.
	e.token("eip155:1", otherContract, "4", t2024, ``, other)
	e.token("eip155:1", copyContract, "5", t2024.AddDate(1, 0, 0), ``, other)

	// The original: its collection is verified.
	r := e.check(ScamRequest{Chain: "ethereum", Contract: origContract, TokenID: "1"})
	if r.Result != ResultPassed || r.MaliciousType != "" || len(r.Reasons) != 0 || r.TokenAddress != origContract {
		t.Errorf("original: %+v", r)
	}
	// The near-exact copy, minted later.
	r = e.check(ScamRequest{Chain: "eip155:1", Contract: copyContract, TokenID: "7"})
	if r.Result != ResultMalicious || r.MaliciousType != ScamFake || len(r.Reasons) != 1 {
		t.Fatalf("near-exact copy: %+v", r)
	}
	ev := r.Reasons[0].Fake
	if ev.Original.Contract != origContract || ev.Original.TokenID != "1" || ev.Original.Collection != "Bridges" ||
		ev.Tier != match.TierNearExact || ev.Score < 0.3 || ev.Nid != cp || ev.Original.Nid != orig ||
		!ev.Original.MintedAt.Equal(t2024) || !ev.MintedAt.Equal(t2024.AddDate(0, 6, 0)) || ev.Fingerprint == "" {
		t.Errorf("near-exact evidence: %+v", ev)
	}
	// The exact copy (upper-case contract in the request).
	r = e.check(ScamRequest{Chain: "1", Contract: "0xBB22bb22bb22bb22bb22bb22bb22bb22bb22bb22", TokenID: "8"})
	if r.MaliciousType != ScamFake || r.Reasons[0].Fake.Tier != match.TierExact || r.Reasons[0].Fake.Score != 1 {
		t.Errorf("exact copy: %+v", r)
	}
	// A copy minted before the verified token is not FAKE.
	if r = e.check(ScamRequest{Chain: "eip155:1", Contract: copyContract, TokenID: "9"}); r.Result != ResultPassed {
		t.Errorf("copy minted earlier: %+v", r)
	}
	// A later copy of a token whose collection is not verified passes.
	if r = e.check(ScamRequest{Chain: "eip155:1", Contract: copyContract, TokenID: "5"}); r.Result != ResultPassed {
		t.Errorf("copy of an unverified token: %+v", r)
	}
	for _, c := range r.Checks {
		if !c.Ran {
			t.Errorf("check %s did not run: %+v", c.Type, c)
		}
	}
}

func TestScamCheckPhishingAndStolen(t *testing.T) {
	e := newScamEnv(t)
	ctx := context.Background()
	e.token("eip155:137", otherContract, "3", t2024,
		`{"name":"Airdrop pass","description":"Congratulations! Claim your airdrop at https://free-azuki.com/claim","attributes":[{"trait_type":"site","value":"opensae.io"}]}`)
	r := e.check(ScamRequest{Chain: "polygon", Contract: otherContract, TokenID: "3"})
	if r.Result != ResultMalicious || r.MaliciousType != ScamPhishing {
		t.Fatalf("phishing token: %+v", r)
	}
	kinds := map[string]*phishing.Finding{}
	for _, x := range r.Reasons {
		if x.Type != ScamPhishing || x.Phishing == nil || x.Detail == "" {
			t.Fatalf("reason %+v", x)
		}
		kinds[x.Phishing.Kind+" "+x.Phishing.Field] = x.Phishing
	}
	if f := kinds["blacklist description"]; f == nil || f.Domain != "free-azuki.com" || f.List != "blacklist" {
		t.Errorf("blacklist finding: %+v", kinds)
	}
	if f := kinds["fuzzy attributes[0].value"]; f == nil || f.Entry != "opensea.io" || *f.Distance != 2 {
		t.Errorf("fuzzy finding: %+v", kinds)
	}
	if f := kinds["lure description"]; f == nil || f.Keyword != "claim" {
		t.Errorf("lure finding: %+v", kinds)
	}
	// FAKE cannot run without media: said so.
	if c := r.Checks[2]; c.Type != ScamFake || c.Ran || c.Note == "" {
		t.Errorf("FAKE check status: %+v", r.Checks)
	}

	// Reported stolen: STOLEN comes first.
	rep := &sleuth.StolenReport{Chain: "eip155:137", Contract: otherContract, TokenID: "3", Note: "drained"}
	if _, err := e.db.ReportStolen(ctx, rep, sleuth.Actor{AccountID: 1}); err != nil {
		t.Fatal(err)
	}
	r = e.check(ScamRequest{Chain: "polygon", Contract: otherContract, TokenID: "3"})
	if r.MaliciousType != ScamStolen || r.Reasons[0].Stolen == nil || r.Reasons[0].Stolen.ID != rep.ID {
		t.Fatalf("stolen token: %+v", r)
	}
	// Resolved: no longer STOLEN.
	if _, err := e.db.ResolveStolen(ctx, rep.ID, "recovered", "", sleuth.Actor{AccountID: 1}); err != nil {
		t.Fatal(err)
	}
	if r = e.check(ScamRequest{Chain: "polygon", Contract: otherContract, TokenID: "3"}); r.MaliciousType != ScamPhishing {
		t.Errorf("after resolution: %+v", reasonTypes(r))
	}
}

// fakeChain is a TokenSource that knows one token (the hook for chain
// readers); it records what it was asked.
type fakeChain struct {
	rec   *sleuth.NFTRecord
	asked []sleuth.NFTKey
}

func (f *fakeChain) Token(_ context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error) {
	f.asked = append(f.asked, k)
	if k.TokenID == f.rec.TokenID {
		return f.rec, nil
	}
	return nil, sleuth.Errorf(sleuth.CodeNFTNotFound, "no such token on chain")
}

func TestScamCheckSolanaAndLookup(t *testing.T) {
	e := newScamEnv(t)
	mint := "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
	e.token(SolanaMainnet, "CoLLection1111111111111111111111111111111111", mint, t2024, `{"name":"Sol","external_url":"https://moonbirds.tv"}`)
	// SolCheck's request: the mint alone.
	for _, req := range []ScamRequest{{TokenAddress: mint}, {TokenID: mint}, {Chain: "solana", TokenAddress: mint},
		{Chain: SolanaMainnet, Contract: "CoLLection1111111111111111111111111111111111", TokenAddress: mint}} {
		r := e.check(req)
		if r.Result != ResultMalicious || r.MaliciousType != ScamPhishing || r.TokenAddress != mint || r.Chain != SolanaMainnet {
			t.Errorf("%+v: %+v", req, r)
		}
	}
	// Missing tokens and bad requests.
	for _, tc := range []struct {
		req  ScamRequest
		code string
	}{
		{ScamRequest{TokenAddress: "UnknownMint"}, sleuth.CodeNFTNotFound},
		{ScamRequest{Chain: "ethereum", Contract: origContract, TokenID: "404"}, sleuth.CodeNFTNotFound},
		{ScamRequest{}, CodeBadInput},
		{ScamRequest{Chain: "ethereum", Contract: origContract}, CodeBadInput},
		{ScamRequest{Chain: "ethereum", TokenID: "1"}, CodeBadInput},
		{ScamRequest{Chain: "no chain!", Contract: origContract, TokenID: "1"}, CodeBadInput},
	} {
		_, err := e.chk.Check(context.Background(), &tc.req)
		if sleuth.ErrorCode(err) != tc.code {
			t.Errorf("%+v: %v, want %s", tc.req, err, tc.code)
		}
	}
	// The chain hook is asked for a token missing from the index.
	src := &fakeChain{rec: &sleuth.NFTRecord{Chain: "eip155:1", Contract: origContract, TokenID: "77", CreatedAt: t2024}}
	e.chk.Chain = src
	r := e.check(ScamRequest{Chain: "ethereum", Contract: origContract, TokenID: "77"})
	if r.Result != ResultPassed || len(src.asked) != 1 || src.asked[0] != (sleuth.NFTKey{Chain: "eip155:1", Contract: origContract, TokenID: "77"}) {
		t.Errorf("chain hook: %+v asked %v", r, src.asked)
	}
	if _, err := e.chk.Check(context.Background(), &ScamRequest{TokenAddress: "UnknownMint"}); sleuth.ErrorCode(err) != sleuth.CodeNFTNotFound ||
		src.asked[1] != (sleuth.NFTKey{Chain: SolanaMainnet, TokenID: "UnknownMint"}) {
		t.Errorf("chain hook for a mint: %v %v", err, src.asked)
	}
}
