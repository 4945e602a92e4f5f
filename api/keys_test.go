package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/cid"
)

func TestAuthHeaders(t *testing.T) {
	e := newEnv(t, Config{})
	for _, form := range []string{"token", "bearer", "api-key", "x-api-key"} {
		r := e.do(request{method: http.MethodGet, path: "/v1/usage", auth: form})
		wantStatus(t, r, http.StatusOK)
		if got := num(t, r.json(t), "account_id"); got != float64(e.user) {
			t.Errorf("%s: account_id %v", form, got)
		}
	}
	// Scheme names are case-insensitive.
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/v1/usage", nil)
	req.Header.Set("Authorization", "TOKEN "+e.key)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("TOKEN: status %d", resp.StatusCode)
	}

	id, _, _ := strings.Cut(e.key, ".")
	revoked := e.newKey(e.user, sleuth.ScopeSearch)
	rid, _, _ := strings.Cut(revoked, ".")
	if err := e.db.RevokeKey(context.Background(), rid); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, auth, key string }{
		{"missing", "none", ""},
		{"malformed", "token", "not-a-key"},
		{"unknown", "bearer", "sk_AAAAAAAAAAAAAAAA.c2VjcmV0"},
		{"wrong secret", "api-key", id + ".wrong"},
		{"revoked", "x-api-key", revoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(request{method: http.MethodGet, path: "/v1/usage", auth: tc.auth, key: tc.key})
			wantError(t, r, http.StatusUnauthorized, accounts.CodeUnauthenticated)
			// Every failure reads the same.
			if !strings.Contains(string(r.body), `"message":"API key invalid"`) && tc.name != "missing" {
				t.Errorf("message tells which failure: %s", r.body)
			}
		})
	}
	r := e.do(request{method: http.MethodGet, path: "/v1/usage", auth: "none"})
	wantError(t, r, http.StatusUnauthorized, accounts.CodeUnauthenticated)

	// Scopes.
	searcher := e.newKey(e.user, sleuth.ScopeSearch)
	register := e.newKey(e.user, sleuth.ScopeRegister)
	wantError(t, e.postJSON("/v1/keys", searcher, map[string]any{"name": "x"}), http.StatusForbidden, accounts.CodeForbidden)
	wantError(t, e.postFile("/v1/theft-detection", register, "file", readImage(t, imgOrig), nil), http.StatusForbidden, accounts.CodeForbidden)
	wantError(t, e.do(request{method: http.MethodDelete, path: "/v1/keys/" + id, key: searcher}), http.StatusForbidden, accounts.CodeForbidden)
	wantError(t, e.postJSON(fmt.Sprintf("/v1/accounts/%d/credits", e.user), searcher, map[string]any{"amount": 5}), http.StatusForbidden, accounts.CodeForbidden)
}

func TestKeys(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.postJSON("/v1/keys", "", map[string]any{"name": "ci", "scopes": []string{"search", "register"}})
	wantStatus(t, r, http.StatusCreated)
	m := r.json(t)
	key, id := str(t, m, "key"), str(t, m, "id")
	if !strings.HasPrefix(key, id+".") || num(t, m, "account_id") != float64(e.user) || str(t, m, "created_at") == "" {
		t.Errorf("created %s", r.body)
	}
	if sc := list(t, m, "scopes"); len(sc) != 2 || sc[0] != "search" || sc[1] != "register" {
		t.Errorf("scopes %v", sc)
	}
	// The new key works, with its scopes.
	wantStatus(t, e.postFile("/v1/nid", key, "file", []byte("hello"), nil), http.StatusOK)
	wantError(t, e.postJSON("/v1/keys", key, map[string]any{}), http.StatusForbidden, accounts.CodeForbidden)

	// Defaults: search scope, the caller's account.
	r = e.postJSON("/v1/keys", "", map[string]any{})
	wantStatus(t, r, http.StatusCreated)
	if sc := list(t, r.json(t), "scopes"); len(sc) != 1 || sc[0] != "search" {
		t.Errorf("default scopes %v", sc)
	}
	// For another account.
	other := e.newAccount("other", 0)
	r = e.postJSON("/v1/keys", "", map[string]any{"account_id": other, "scopes": "search,report"})
	wantStatus(t, r, http.StatusCreated)
	otherKey := str(t, r.json(t), "key")
	if got := num(t, e.get("/v1/usage", otherKey).json(t), "account_id"); got != float64(other) {
		t.Errorf("other key's account %v", got)
	}
	wantError(t, e.postJSON("/v1/keys", "", map[string]any{"scopes": []string{"root"}}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON("/v1/keys", "", map[string]any{"account_id": 9999}), http.StatusNotFound, sleuth.CodeAccountNotFound)

	// The list shows the caller's keys, never their secrets.
	r = e.get("/v1/keys", "")
	wantStatus(t, r, http.StatusOK)
	keys := list(t, r.json(t), "keys")
	if len(keys) != 3 {
		t.Errorf("%d keys: %s", len(keys), r.body)
	}
	_, secret, _ := strings.Cut(key, ".")
	if bytes.Contains(r.body, []byte(secret)) || bytes.Contains(r.body, []byte("secret")) || bytes.Contains(r.body, []byte(`"key"`)) {
		t.Errorf("list shows secrets: %s", r.body)
	}
	found := false
	for _, k := range keys {
		if k.(map[string]any)["id"] == id {
			found = true
		}
	}
	if !found {
		t.Errorf("key %s not listed", id)
	}

	// Revoking.
	r = e.do(request{method: http.MethodDelete, path: "/v1/keys/" + id})
	wantStatus(t, r, http.StatusOK)
	if got := str(t, r.json(t), "revoked"); got != id {
		t.Errorf("revoked %q", got)
	}
	wantError(t, e.postFile("/v1/nid", key, "file", []byte("hello"), nil), http.StatusUnauthorized, accounts.CodeUnauthenticated)
	wantError(t, e.do(request{method: http.MethodDelete, path: "/v1/keys/sk_NOPE"}), http.StatusNotFound, sleuth.CodeKeyNotFound)
}

func TestUsageOrdersCredits(t *testing.T) {
	e := newEnv(t, Config{})
	e.register(imgOrig)
	r := e.postFile("/v1/theft-detection", "", "file", readImage(t, imgCopy128), nil)
	wantStatus(t, r, http.StatusOK)
	orderID := str(t, r.json(t), "orderID")
	wantStatus(t, e.postFile("/v1/asset-search", "", "file", readImage(t, imgCopy128), nil), http.StatusOK)

	r = e.get("/v1/usage", "")
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if got := num(t, m, "balance"); got != 998.8 {
		t.Errorf("balance %v, want 998.8", got)
	}
	u := obj(t, m, "usage")
	if num(t, u, "orders") != 2 || num(t, u, "refunded") != 0 || num(t, u, "spent") != 1.2 {
		t.Errorf("usage %v", u)
	}
	if byOp := obj(t, u, "by_operation"); byOp["theft_detection"] != 1.0 || byOp["asset_search"] != 1.0 {
		t.Errorf("by_operation %v", byOp)
	}
	r = e.get("/v1/usage?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "")
	wantStatus(t, r, http.StatusOK)
	if u := obj(t, r.json(t), "usage"); num(t, u, "orders") != 0 {
		t.Errorf("usage since the future %v", u)
	}
	wantError(t, e.get("/v1/usage?since=yesterday", ""), http.StatusBadRequest, sleuth.CodeBadRequest)

	// The order.
	r = e.get("/v1/orders/"+orderID, "")
	wantStatus(t, r, http.StatusOK)
	m = r.json(t)
	if str(t, m, "orderID") != orderID || num(t, m, "cost") != 1 || str(t, m, "status") != sleuth.OrderCompleted ||
		str(t, m, "operation") != accounts.OpTheftDetection || num(t, m, "account_id") != float64(e.user) {
		t.Errorf("order %s", r.body)
	}
	if d := obj(t, m, "detail"); d["searchNid"] != cid.Bytes(readImage(t, imgCopy128)) {
		t.Errorf("detail %v", d)
	}
	other := e.newAccount("other", 0)
	otherKey := e.newKey(other, sleuth.ScopeAdmin)
	wantError(t, e.get("/v1/orders/"+orderID, otherKey), http.StatusNotFound, sleuth.CodeOrderNotFound)
	wantError(t, e.get("/v1/orders/00000000-0000-0000-0000-000000000000", ""), http.StatusNotFound, sleuth.CodeOrderNotFound)

	// Credits, as a number or a string.
	path := fmt.Sprintf("/v1/accounts/%d/credits", other)
	r = e.postJSON(path, "", map[string]any{"amount": 2.5, "reason": "welcome"})
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); num(t, m, "balance") != 2.5 || num(t, m, "account_id") != float64(other) {
		t.Errorf("credits %s", r.body)
	}
	r = e.postJSON(path, "", map[string]any{"amount": "0.000001"})
	wantStatus(t, r, http.StatusOK)
	if got := e.balance(other); got != 2*sleuth.CreditUnit+sleuth.CreditUnit/2+1 {
		t.Errorf("balance %s", got)
	}
	body, ct := multipartBody(t, "", nil, map[string]string{"amount": "-0.5"})
	wantStatus(t, e.do(request{method: http.MethodPost, path: path, body: body, ct: ct}), http.StatusOK)
	wantError(t, e.postJSON(path, "", map[string]any{"amount": "lots"}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON(path, "", map[string]any{"amount": 0}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON(path, "", map[string]any{}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON(path, "", map[string]any{"amount": -100}), http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	wantError(t, e.postJSON("/v1/accounts/9999/credits", "", map[string]any{"amount": 1}), http.StatusNotFound, sleuth.CodeAccountNotFound)
	wantError(t, e.postJSON("/v1/accounts/x/credits", "", map[string]any{"amount": 1}), http.StatusBadRequest, sleuth.CodeBadRequest)
}

func TestCreditsRunOut(t *testing.T) {
	e := newEnv(t, Config{})
	poor := e.newAccount("poor", sleuth.CreditUnit/2)
	key := e.newKey(poor, sleuth.ScopeSearch)
	img := readImage(t, imgCopy128)

	wantError(t, e.postFile("/v1/theft-detection", key, "file", img, nil), http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	if got := e.balance(poor); got != sleuth.CreditUnit/2 {
		t.Errorf("balance %s after a refused call", got)
	}
	// Cheaper calls still work, until they do not.
	wantStatus(t, e.postFile("/v1/asset-search", key, "file", img, nil), http.StatusOK)
	wantStatus(t, e.postFile("/v1/asset-search", key, "file", img, nil), http.StatusOK)
	wantError(t, e.postFile("/v1/asset-search", key, "file", img, nil), http.StatusPaymentRequired, sleuth.CodeCreditsInsufficient)
	if got := e.balance(poor); got != sleuth.CreditUnit/10 {
		t.Errorf("balance %s, want 0.1", got)
	}
	// Get Nid is free.
	wantStatus(t, e.postFile("/v1/nid", key, "file", img, nil), http.StatusOK)

	// A failing call is refunded.
	jpeg := readImage(t, imgOrig)
	rich := e.newAccount("rich", 3*sleuth.CreditUnit)
	rkey := e.newKey(rich, sleuth.ScopeSearch)
	wantError(t, e.postFile("/v1/theft-detection", rkey, "file", jpeg[:len(jpeg)/2], nil), http.StatusUnprocessableEntity, sleuth.CodeImageCorrupt)
	if got := e.balance(rich); got != 3*sleuth.CreditUnit {
		t.Errorf("balance %s after a failed call, want 3", got)
	}
	if u := e.usage(rich); u.Orders != 1 || u.Refunded != 1 || u.Spent != 0 {
		t.Errorf("usage %+v", u)
	}
}

// TestParallelBilling: an account with credits for exactly 100 theft
// detections gets 100 answers and 100 refusals out of 200 calls at once.
func TestParallelBilling(t *testing.T) {
	e := newEnv(t, Config{})
	e.register(imgOrig)
	acct := e.newAccount("exact", 100*sleuth.CreditUnit)
	key := e.newKey(acct, sleuth.ScopeSearch)
	img := readImage(t, imgCopy128)

	const calls = 200
	statuses := make([]int, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, ct := multipartBody(t, "file", img, nil)
			req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/v1/theft-detection", body)
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "token "+key)
			<-start
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			statuses[i] = resp.StatusCode
			if resp.StatusCode == http.StatusOK && out["orderID"] == "" {
				errs[i] = fmt.Errorf("200 without an orderID: %v", out)
			}
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		count[s]++
	}
	if count[http.StatusOK] != 100 || count[http.StatusPaymentRequired] != 100 {
		t.Errorf("statuses %v, want 100 × 200 and 100 × 402", count)
	}
	if got := e.balance(acct); got != 0 {
		t.Errorf("balance %s, want 0", got)
	}
	u := e.usage(acct)
	if u.Orders != 100 || u.Refunded != 0 || u.Spent != 100*sleuth.CreditUnit || u.ByOp[accounts.OpTheftDetection] != 100 {
		t.Errorf("usage %+v, want 100 completed orders", u)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Config{RatePerSecond: 0.001, Burst: 2})
	for i := range 2 {
		r := e.get("/v1/usage", "")
		wantStatus(t, r, http.StatusOK)
		if got := r.header.Get("X-RateLimit-Limit"); got != "2" {
			t.Errorf("X-RateLimit-Limit %q", got)
		}
		if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(1-i) {
			t.Errorf("call %d: X-RateLimit-Remaining %q", i, got)
		}
	}
	r := e.get("/v1/usage", "")
	wantError(t, r, http.StatusTooManyRequests, CodeRateLimited)
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("X-RateLimit-Reset") == "" {
		t.Errorf("headers %v", r.header)
	}
	// Another key has its own bucket.
	wantStatus(t, e.get("/v1/usage", e.newKey(e.user, sleuth.ScopeSearch)), http.StatusOK)
}

func TestRoutesAndErrors(t *testing.T) {
	e := newEnv(t, Config{})
	wantError(t, e.get("/v1/nope", ""), http.StatusNotFound, CodeNotFound)
	wantError(t, e.get("/nope", ""), http.StatusNotFound, CodeNotFound)
	r := e.get("/v1/theft-detection", "")
	wantError(t, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	if got := r.header.Get("Allow"); got != "POST" {
		t.Errorf("Allow %q", got)
	}
	r = e.do(request{method: http.MethodPut, path: "/v1/assets/bafkreix"})
	wantError(t, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	if got := r.header.Get("Allow"); !strings.Contains(got, "GET") || !strings.Contains(got, "DELETE") {
		t.Errorf("Allow %q", got)
	}
	wantError(t, e.do(request{method: http.MethodPost, path: "/v1/theft-detection", body: strings.NewReader("{"), ct: "application/json"}),
		http.StatusBadRequest, CodeBadJSON)
	wantError(t, e.do(request{method: http.MethodPost, path: "/v1/theft-detection", body: strings.NewReader("x"), ct: "text/plain"}),
		http.StatusUnsupportedMediaType, CodeUnsupportedContentType)

	for _, p := range []string{"/healthz", "/readyz"} {
		wantStatus(t, e.do(request{method: http.MethodGet, path: p, auth: "none"}), http.StatusOK)
	}
	r = e.do(request{method: http.MethodGet, path: "/openapi.json", auth: "none"})
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); !strings.HasPrefix(str(t, m, "openapi"), "3.") {
		t.Errorf("openapi %v", m["openapi"])
	}
}

func TestUploadLimits(t *testing.T) {
	tmp := t.TempDir()
	e := newEnv(t, Config{MemoryUploadBytes: 4096, MaxUploadBytes: 20000, TempDir: tmp})
	e.register(imgOrig)
	small := readImage(t, imgCopy128) // 7528 bytes: spooled to disk
	if len(small) <= 4096 || len(small) > 20000 {
		t.Fatalf("test picture is %d bytes", len(small))
	}
	r := e.postFile("/v1/nid", "", "file", small, nil)
	wantStatus(t, r, http.StatusOK)
	if got := str(t, r.json(t), "cid"); got != cid.Bytes(small) {
		t.Errorf("spooled upload: cid %s", got)
	}
	r = e.postFile("/v1/theft-detection", "", "file", small, nil)
	wantStatus(t, r, http.StatusOK)
	if len(list(t, r.json(t), "matches")) != 1 {
		t.Errorf("spooled theft detection: %s", r.body)
	}
	ms := lookupMatches(t, e.postFile("/v1/lookup", "", "asset", small, nil))
	if len(ms) != 1 {
		t.Errorf("spooled lookup: %v", ms)
	}
	r = e.postFile("/v1/assets", "", "file", small, nil)
	wantStatus(t, r, http.StatusCreated)
	if a := obj(t, r.json(t), "asset"); a["nid"] != cid.Bytes(small) || a["width"] != 128.0 {
		t.Errorf("spooled registration: %v", a)
	}

	big := readImage(t, imgCopy256) // 24174 bytes
	before := e.balance(e.user)
	wantError(t, e.postFile("/v1/theft-detection", "", "file", big, nil), http.StatusRequestEntityTooLarge, sleuth.CodeFileTooLarge)
	wantError(t, e.postFile("/v1/nid", "", "file", big, nil), http.StatusRequestEntityTooLarge, sleuth.CodeFileTooLarge)
	if got := e.balance(e.user); got != before {
		t.Errorf("balance %s after refused uploads, want %s", got, before)
	}
	// A limit below the in-memory size holds too.
	tight := newEnv(t, Config{MaxUploadBytes: 5000})
	wantError(t, tight.postFile("/v1/nid", "", "file", small, nil), http.StatusRequestEntityTooLarge, sleuth.CodeFileTooLarge)
	wantStatus(t, tight.postFile("/v1/nid", "", "file", small[:4000], nil), http.StatusOK)

	// Spooled files are removed.
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d files left in the spool directory", len(left))
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, Config{})
	e.register(imgOrig)
	wantStatus(t, e.postFile("/v1/nid", "", "file", []byte("x"), nil), http.StatusOK)
	wantStatus(t, e.postFile("/v1/nid", "", "file", []byte("y"), nil), http.StatusOK)
	e.get("/v1/nope", "")
	r := e.do(request{method: http.MethodGet, path: "/metrics", auth: "none"})
	wantStatus(t, r, http.StatusOK)
	for _, want := range []string{
		`sleuth_http_requests_total{route="POST /v1/nid",status="200"} 2`,
		`sleuth_http_requests_total{route="/",status="404"} 1`,
		`sleuth_http_request_duration_seconds_count{route="POST /v1/nid"} 2`,
		"sleuth_assets 1",
	} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("metrics lack %q:\n%s", want, r.body)
		}
	}
}

// A key made with its own rate limit gets its own token bucket.
func TestKeyRateLimit(t *testing.T) {
	e := newEnv(t, Config{RatePerSecond: 1000, Burst: 1000})
	r := e.postJSON("/v1/keys", "", map[string]any{"scopes": []string{"search"}, "rate_per_second": 0.01, "burst": 2})
	wantStatus(t, r, http.StatusCreated)
	m := r.json(t)
	if num(t, m, "rate_per_second") != 0.01 || num(t, m, "burst") != 2 {
		t.Errorf("created %s", r.body)
	}
	key := str(t, m, "key")
	for range 2 {
		wantStatus(t, e.get("/v1/usage", key), http.StatusOK)
	}
	third := e.get("/v1/usage", key)
	wantError(t, third, http.StatusTooManyRequests, CodeRateLimited)
	if third.header.Get("X-RateLimit-Limit") != "2" {
		t.Errorf("X-RateLimit-Limit %q", third.header.Get("X-RateLimit-Limit"))
	}
	wantError(t, e.postJSON("/v1/keys", "", map[string]any{"rate_per_second": -1}), http.StatusBadRequest, sleuth.CodeBadRequest)
}
