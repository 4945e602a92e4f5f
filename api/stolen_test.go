package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/report"
)

func TestStolenRegistryAPI(t *testing.T) {
	e := newEnv(t, Config{})
	scamTokens(t, e)
	victimAcct := e.newAccount("victim", 0)
	victim := e.newKey(victimAcct, sleuth.ScopeReport)
	otherAcct := e.newAccount("other", 0)
	other := e.newKey(otherAcct, sleuth.ScopeReport)
	searcher := e.newKey(victimAcct, sleuth.ScopeSearch)

	// Report (free: the account has no credits), in upper case: stored in
	// lower case.
	body := map[string]any{"chain": "ethereum", "contract": "0x1111111111111111111111111111111111111111", "token_id": "9",
		"note": "drained by a fake mint site", "tx_hash": "0xfeed"}
	r := e.postJSON("/v1/stolen", victim, body)
	wantStatus(t, r, http.StatusCreated)
	m := r.json(t)
	id := int(num(t, m, "id"))
	if m["created"] != true || m["status"] != "open" || m["chain"] != "eip155:1" || m["contract"] != scamCopyContract ||
		m["note"] != "drained by a fake mint site" || m["tx_hash"] != "0xfeed" || num(t, m, "reports") != 1 {
		t.Fatalf("report: %s", r.body)
	}
	if by := obj(t, m, "reported_by"); num(t, by, "account_id") != float64(victimAcct) || !strings.HasPrefix(str(t, by, "key_id"), "sk_") {
		t.Errorf("reported_by: %v", by)
	}
	// Another account reports the same token: joined, 200.
	r = e.postJSON("/v1/stolen", other, map[string]any{"chain": "1", "contract": scamCopyContract, "token_id": "9", "note": "me too"})
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); m["created"] != false || int(num(t, m, "id")) != id || num(t, m, "reports") != 2 {
		t.Errorf("second report: %s", r.body)
	} else if by := obj(t, m, "reported_by"); num(t, by, "account_id") != 0 || by["key_id"] != nil {
		t.Errorf("another account's reporter is shown to a non-admin: %v", by)
	}

	// The scam check now says STOLEN first, FAKE second.
	r = e.postJSON("/v1/scam-check", e.key, map[string]any{"chain": "ethereum", "contract": scamCopyContract, "token_id": "9"})
	wantStatus(t, r, http.StatusOK)
	m = r.json(t)
	reasons := list(t, m, "reasons")
	if m["malicious_type"] != "STOLEN" || len(reasons) != 2 || reasons[1].(map[string]any)["type"] != "FAKE" {
		t.Errorf("scam check of a stolen copy: %s", r.body)
	}

	// A Solana mint reported by token_address alone.
	r = e.postJSON("/v1/stolen", victim, map[string]any{"chain": "solana", "token_address": scamMint})
	wantStatus(t, r, http.StatusCreated)
	if m := r.json(t); m["chain"] != report.SolanaMainnet || m["token_id"] != scamMint || m["contract"] != scamMint {
		t.Errorf("solana report: %s", r.body)
	}
	r = e.postJSON("/v1/scam-check", e.key, map[string]any{"token_address": scamMint})
	if m := r.json(t); m["malicious_type"] != "STOLEN" {
		t.Errorf("scam check of a stolen mint: %s", r.body)
	}

	// Lists and filters.
	count := func(q, key string) int {
		t.Helper()
		r := e.get("/v1/stolen"+q, key)
		wantStatus(t, r, http.StatusOK)
		return len(list(t, r.json(t), "reports"))
	}
	for q, want := range map[string]int{"": 2, "?chain=ethereum": 1, "?chain=solana": 1, "?status=open": 2, "?status=resolved": 0,
		"?contract=0X1111111111111111111111111111111111111111": 1, "?token_id=9": 1, "?chain=polygon": 0, "?after=" + fmt.Sprint(id): 1} {
		if got := count(q, victim); got != want {
			t.Errorf("GET /v1/stolen%s: %d reports, want %d", q, got, want)
		}
	}
	r = e.get("/v1/stolen?limit=1", victim)
	if m := r.json(t); int(num(t, m, "next_after")) != id {
		t.Errorf("paged: %s", r.body)
	}
	wantError(t, e.get("/v1/stolen?status=lost", victim), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.get("/v1/stolen?limit=x", victim), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.get("/v1/stolen?chain=nowhere!", victim), http.StatusBadRequest, report.CodeBadInput)
	wantError(t, e.get("/v1/stolen", searcher), http.StatusForbidden, accounts.CodeForbidden)

	// Resolve: admin only; the audit trail keeps every change.
	path := fmt.Sprintf("/v1/stolen/%d", id)
	wantError(t, e.postJSON(path+"/resolve", victim, map[string]any{"resolution": "recovered"}), http.StatusForbidden, accounts.CodeForbidden)
	wantError(t, e.postJSON(path+"/resolve", e.key, map[string]any{"resolution": "lost"}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON(path+"/resolve", e.key, map[string]any{}), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON("/v1/stolen/999/resolve", e.key, map[string]any{"resolution": "recovered"}), http.StatusNotFound, sleuth.CodeStolenNotFound)
	wantError(t, e.postJSON("/v1/stolen/x/resolve", e.key, map[string]any{"resolution": "recovered"}), http.StatusNotFound, sleuth.CodeStolenNotFound)
	r = e.postJSON(path+"/resolve", e.key, map[string]any{"resolution": "recovered", "note": "bought back"})
	wantStatus(t, r, http.StatusOK)
	m = r.json(t)
	if m["status"] != "resolved" || m["resolution"] != "recovered" || m["resolved_at"] == nil || num(t, obj(t, m, "resolved_by"), "account_id") != float64(e.user) {
		t.Errorf("resolved: %s", r.body)
	}
	wantError(t, e.postJSON(path+"/resolve", e.key, map[string]any{"resolution": "recovered"}), http.StatusConflict, sleuth.CodeStolenState)

	r = e.get(path, e.key) // an admin sees every actor
	wantStatus(t, r, http.StatusOK)
	events := list(t, r.json(t), "events")
	if len(events) != 3 {
		t.Fatalf("events: %s", r.body)
	}
	wantEvents := []struct {
		action, from, to, note string
		account                sleuth.AccountID
	}{{"report", "", "open", "drained by a fake mint site", victimAcct}, {"report", "open", "open", "me too", otherAcct},
		{"resolve", "open", "resolved", "bought back", e.user}}
	for i, w := range wantEvents {
		ev := events[i].(map[string]any)
		if ev["action"] != w.action || ev["from_status"] != w.from || ev["to_status"] != w.to || ev["note"] != w.note ||
			num(t, obj(t, ev, "actor"), "account_id") != float64(w.account) || ev["at"] == nil {
			t.Errorf("event %d: %v, want %+v", i, ev, w)
		}
	}
	r = e.get(path, victim) // the victim sees its own actions, not the others'
	events = list(t, r.json(t), "events")
	if num(t, obj(t, events[0].(map[string]any), "actor"), "account_id") != float64(victimAcct) ||
		num(t, obj(t, events[1].(map[string]any), "actor"), "account_id") != 0 || num(t, obj(t, events[2].(map[string]any), "actor"), "account_id") != 0 {
		t.Errorf("redaction for a reporter: %s", r.body)
	}
	wantError(t, e.get("/v1/stolen/12345", victim), http.StatusNotFound, sleuth.CodeStolenNotFound)

	// Resolved: the scam check no longer says STOLEN.
	r = e.postJSON("/v1/scam-check", e.key, map[string]any{"chain": "ethereum", "contract": scamCopyContract, "token_id": "9"})
	if m := r.json(t); m["malicious_type"] != "FAKE" {
		t.Errorf("after resolution: %s", r.body)
	}

	// Bad reports.
	for _, tc := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{}, CodeNoInput},
		{map[string]any{"contract": scamCopyContract, "token_id": "1"}, report.CodeBadInput},
		{map[string]any{"chain": "ethereum", "contract": scamCopyContract}, report.CodeBadInput},
		{map[string]any{"chain": "solana"}, report.CodeBadInput},
		{map[string]any{"chain": "ethereum", "contract": scamCopyContract, "token_id": "1", "note": strings.Repeat("n", maxStolenNote+1)}, sleuth.CodeBadRequest},
		{map[string]any{"chain": "ethereum", "contract": scamCopyContract, "token_id": "1", "note": 5}, sleuth.CodeBadRequest},
		{map[string]any{"chain": "ethereum", "contract": strings.Repeat("c", 201), "token_id": "1"}, report.CodeBadInput},
	} {
		wantError(t, e.postJSON("/v1/stolen", victim, tc.body), http.StatusBadRequest, tc.code)
	}
}
