package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/phishing"
	"github.com/sleuthhq/sleuth/report"
)

const (
	scamOrigContract = "0xa6b9ff1a999f06cca06e548d5bd702d6f62841ab"
	scamCopyContract = "0x1111111111111111111111111111111111111111"
	scamMint         = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
)

// scamTokens indexes an original (verified collection), a later copy in
// another contract, a Solana token with a phishing link, and a clean one.
func scamTokens(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	orig, cp := e.register(imgOrig), e.register(imgCopy128)
	t0 := time.Date(2023, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, r := range []*sleuth.NFTRecord{
		{Chain: "eip155:1", Contract: scamOrigContract, TokenID: "1", AssetCids: []string{orig}, CreatedAt: t0, Metadata: json.RawMessage(`{"name":"Bridge"}`)},
		{Chain: "eip155:1", Contract: scamCopyContract, TokenID: "9", AssetCids: []string{cp}, CreatedAt: t0.AddDate(0, 2, 0), Metadata: json.RawMessage(`{"name":"Bridge (copy)"}`)},
		{Chain: report.SolanaMainnet, Contract: "Coll1111111111111111111111111111111111111111", TokenID: scamMint, CreatedAt: t0,
			Metadata: json.RawMessage(`{"name":"Free pass","description":"Claim your reward: https://free-azuki.com"}`)},
	} {
		if err := e.db.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.PutCollection(ctx, &sleuth.Collection{Chain: "eip155:1", Contract: scamOrigContract, Name: "Bridges", Verified: true, MarketName: "opensea"}); err != nil {
		t.Fatal(err)
	}
}

func TestScamCheckAPI(t *testing.T) {
	e := newEnv(t, Config{})
	scamTokens(t, e)
	acct := e.newAccount("solcheck user", sleuth.CreditUnit)
	key := e.newKey(acct, sleuth.ScopeReport)

	// SolCheck's own request: x-api-key and the mint as the whole body.
	for _, rq := range []request{
		{method: http.MethodPost, path: "/v1/scam-check", auth: "x-api-key", key: key, ct: "application/x-www-form-urlencoded", body: strings.NewReader(scamMint)},
		{method: http.MethodPost, path: "/v1/scam-check", auth: "x-api-key", key: key, ct: "text/plain", body: strings.NewReader(scamMint + "\n")},
		{method: http.MethodPost, path: "/v1/scam-check", auth: "x-api-key", key: key, ct: "application/json", body: strings.NewReader(`{"token_id":"` + scamMint + `"}`)},
		{method: http.MethodPost, path: "/v1/scam-check", auth: "x-api-key", key: key, ct: "application/json", body: strings.NewReader(`{"token_address":"` + scamMint + `"}`)},
	} {
		r := e.do(rq)
		wantStatus(t, r, http.StatusOK)
		m := r.json(t)
		if m["result"] != "SUSPECTED_MALICIOUS" || m["malicious_type"] != "PHISHING" || m["token_address"] != scamMint || str(t, m, "orderID") == "" {
			t.Errorf("%s: %s", rq.ct, r.body)
		}
		reasons := list(t, m, "reasons")
		ph := obj(t, reasons[0].(map[string]any), "phishing")
		if ph["kind"] != "blacklist" || ph["domain"] != "free-azuki.com" || ph["field"] != "description" {
			t.Errorf("phishing evidence: %v", ph)
		}
	}
	// Four checks at 0.2 credit each.
	if b := e.balance(acct); b != sleuth.CreditUnit/5 {
		t.Errorf("balance %s after four checks, want 0.2", b)
	}

	// The copy: FAKE with the original's key, tier, score and mint times.
	// (The contract in any case.)
	r := e.postJSON("/v1/scam-check", e.key, map[string]any{"chain": "ethereum", "contract": "0X1111111111111111111111111111111111111111", "token_id": "9"})
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["result"] != "SUSPECTED_MALICIOUS" || m["malicious_type"] != "FAKE" || m["token_address"] != scamCopyContract {
		t.Fatalf("copy: %s", r.body)
	}
	fake := obj(t, list(t, m, "reasons")[0].(map[string]any), "fake")
	orig := obj(t, fake, "original")
	if orig["contract"] != scamOrigContract || orig["token_id"] != "1" || orig["minted_at"] != "2023-03-01T12:00:00Z" ||
		fake["minted_at"] != "2023-05-01T12:00:00Z" || fake["tier"] != "near_exact" || num(t, fake, "score") < 0.75 {
		t.Errorf("fake evidence: %v", fake)
	}
	// The original passes: SolCheck's shape has no malicious_type.
	r = e.postJSON("/v1/scam-check", e.key, map[string]any{"chain": "1", "contract": scamOrigContract, "token_id": "1"})
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); m["result"] != "CHECKS_PASSED" || m["malicious_type"] != nil || len(list(t, m, "reasons")) != 0 {
		t.Errorf("original: %s", r.body)
	}

	// Errors: no token (400, nothing charged), unknown token (404,
	// refunded), the search scope (403), an empty balance (402).
	before := e.balance(acct)
	wantError(t, e.postJSON("/v1/scam-check", key, map[string]any{}), http.StatusBadRequest, CodeNoInput)
	wantError(t, e.postJSON("/v1/scam-check", key, map[string]any{"chain": "ethereum", "contract": scamOrigContract, "token_id": "404"}),
		http.StatusNotFound, sleuth.CodeNFTNotFound)
	wantError(t, e.postJSON("/v1/scam-check", key, map[string]any{"chain": "ethereum", "contract": scamOrigContract}), http.StatusBadRequest, report.CodeBadInput)
	if b := e.balance(acct); b != before {
		t.Errorf("failed checks cost %s", before-b)
	}
	u := e.usage(acct)
	if u.ByOp[accounts.OpScamCheck] != 5 || u.Refunded != 1 { // the 404 was charged, then refunded; the 400s never charged
		t.Errorf("usage: %+v", u)
	}
	wantError(t, e.postJSON("/v1/scam-check", e.newKey(acct, sleuth.ScopeSearch), map[string]any{"token_address": scamMint}), http.StatusForbidden, accounts.CodeForbidden)
	e.postJSON("/v1/scam-check", key, map[string]any{"token_address": scamMint}) // spends the last 0.2
	wantError(t, e.postJSON("/v1/scam-check", key, map[string]any{"token_address": scamMint}), http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	wantError(t, e.do(request{method: http.MethodPost, path: "/v1/scam-check", ct: "text/plain", body: strings.NewReader(strings.Repeat("x", maxPlainBody+1))}),
		http.StatusRequestEntityTooLarge, sleuth.CodeFileTooLarge)
}

// The server uses the lists it is given (those `sleuth phishing update`
// installed), not the embedded snapshot.
func TestScamCheckAPIInstalledLists(t *testing.T) {
	lists, err := phishing.Parse([]byte(`{"version":9,"tolerance":0,"fuzzylist":[],"whitelist":[],"blacklist":["brand-new-scam.xyz"]}`))
	if err != nil {
		t.Fatal(err)
	}
	lists.Source = "/data/phishing-config.json"
	e := newEnv(t, Config{Phishing: lists})
	scamTokens(t, e)
	if err := e.db.PutNFT(context.Background(), &sleuth.NFTRecord{Chain: "eip155:137", Contract: scamCopyContract, TokenID: "5",
		Metadata: json.RawMessage(`{"external_url":"https://www.brand-new-scam.xyz/mint"}`)}); err != nil {
		t.Fatal(err)
	}
	r := e.postJSON("/v1/scam-check", e.key, map[string]any{"chain": "polygon", "contract": scamCopyContract, "token_id": "5"})
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["malicious_type"] != "PHISHING" || m["phishing_lists"] != "/data/phishing-config.json" {
		t.Errorf("installed lists not used: %s", r.body)
	}
	// free-azuki.com is not on this list.
	r = e.postJSON("/v1/scam-check", e.key, map[string]any{"token_address": scamMint})
	if m := r.json(t); list(t, m, "reasons")[0].(map[string]any)["phishing"].(map[string]any)["kind"] != "lure" {
		t.Errorf("with the installed list the mint is only a lure: %s", r.body)
	}
}
