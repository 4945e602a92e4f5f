package api

// Accounts: API keys, usage, orders and credits; and the OpenAPI document.

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
)

// defaultUsageWindow is how far back GET /v1/usage looks without ?since=.
const defaultUsageWindow = 30 * 24 * time.Hour

type createdKey struct {
	ID        string           `json:"id"`
	Key       string           `json:"key"`
	Name      string           `json:"name,omitempty"`
	Scopes    []sleuth.Scope   `json:"scopes"`
	AccountID sleuth.AccountID `json:"account_id"`
	// RatePerSecond and Burst are the key's own rate limit; absent when it
	// has the server's default.
	RatePerSecond float64   `json:"rate_per_second,omitempty"`
	Burst         int       `json:"burst,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// handleCreateKey makes a key: {name, scopes (["search"]), account_id
// (the caller's account)}. The answer holds the full key, shown this once.
func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	defer in.close()
	name, err := in.str("name")
	if err != nil {
		return err
	}
	names, err := in.list("scopes")
	if err != nil {
		return err
	}
	scopes := []sleuth.Scope{sleuth.ScopeSearch}
	if in.has("scopes") {
		scopes = make([]sleuth.Scope, 0, len(names))
		for _, n := range names {
			scopes = append(scopes, sleuth.Scope(strings.TrimSpace(n)))
		}
	}
	account := c.key.AccountID
	if in.has("account_id") {
		id, err := in.integer("account_id", 0)
		if err != nil {
			return err
		}
		account = sleuth.AccountID(id)
	}
	rate, err := in.float("rate_per_second", 0)
	if err != nil {
		return err
	}
	burst, err := in.integer("burst", 0)
	if err != nil {
		return err
	}
	k, secret, err := s.acc.NewKey(r.Context(), account, strings.TrimSpace(name), scopes, accounts.WithRateLimit(rate, burst))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdKey{ID: k.ID, Key: secret, Name: k.Name, Scopes: k.Scopes, AccountID: k.AccountID,
		RatePerSecond: k.RatePerSecond, Burst: k.Burst, CreatedAt: k.CreatedAt})
	return nil
}

// handleListKeys lists the caller's account's keys, revoked ones too;
// secrets are never shown (only their hashes are stored).
func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request, c *call) error {
	keys, err := s.acc.Store.Keys(r.Context(), c.key.AccountID)
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []*sleuth.APIKey{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
	return nil
}

// handleRevokeKey revokes a key (any account's: the caller is an admin).
// Revoking twice is not an error.
func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if err := s.acc.Store.RevokeKey(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": id})
	return nil
}

type usageJSON struct {
	Orders   int64            `json:"orders"`
	Refunded int64            `json:"refunded"`
	ByOp     map[string]int64 `json:"by_operation"`
	Spent    float64          `json:"spent"`
}

type usageResponse struct {
	AccountID sleuth.AccountID `json:"account_id"`
	Balance   float64          `json:"balance"`
	Since     time.Time        `json:"since"`
	Usage     usageJSON        `json:"usage"`
}

// handleUsage returns the caller's balance and what its orders since
// ?since= (RFC 3339; 30 days ago by default) spent.
func (s *Server) handleUsage(w http.ResponseWriter, r *http.Request, c *call) error {
	since := time.Now().UTC().Add(-defaultUsageWindow)
	if v := strings.TrimSpace(r.URL.Query().Get("since")); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return sleuth.Errorf(sleuth.CodeBadRequest, "since must be an RFC 3339 time such as 2024-01-02T15:04:05Z")
		}
		since = t.UTC()
	}
	ctx := r.Context()
	a, err := s.acc.Store.Account(ctx, c.key.AccountID)
	if err != nil {
		return err
	}
	u, err := s.acc.Store.Usage(ctx, c.key.AccountID, since)
	if err != nil {
		return err
	}
	byOp := u.ByOp
	if byOp == nil {
		byOp = map[string]int64{}
	}
	writeJSON(w, http.StatusOK, usageResponse{
		AccountID: a.ID,
		Balance:   a.Credits.Float(),
		Since:     since,
		Usage:     usageJSON{Orders: u.Orders, Refunded: u.Refunded, ByOp: byOp, Spent: u.Spent.Float()},
	})
	return nil
}

type orderJSON struct {
	*sleuth.Order
	Cost float64 `json:"cost"`
	// Detail is the order's detail as JSON when it is JSON.
	Detail any `json:"detail,omitempty"`
}

// handleGetOrder returns one of the caller's orders; another account's
// order is not found.
func (s *Server) handleGetOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("orderID")
	o, err := s.acc.Store.Order(r.Context(), id)
	if err != nil {
		return err
	}
	if o.AccountID != c.key.AccountID {
		return sleuth.Errorf(sleuth.CodeOrderNotFound, "no order %s", id)
	}
	out := orderJSON{Order: o, Cost: o.Cost.Float()}
	if o.Detail != "" {
		if json.Valid([]byte(o.Detail)) {
			out.Detail = json.RawMessage(o.Detail)
		} else {
			out.Detail = o.Detail
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleAddCredits adds credits to an account: {amount (a number or a
// decimal string; negative takes credits away), reason}.
func (s *Server) handleAddCredits(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return sleuth.Errorf(sleuth.CodeBadRequest, "account id must be a positive integer, got %q", r.PathValue("id"))
	}
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	defer in.close()
	if !in.has("amount") {
		return sleuth.Errorf(sleuth.CodeBadRequest, "amount is required")
	}
	amount, err := creditsParam(in.values["amount"])
	if err != nil {
		return err
	}
	if amount == 0 {
		return sleuth.Errorf(sleuth.CodeBadRequest, "amount must not be zero")
	}
	reason, err := in.str("reason")
	if err != nil {
		return err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		reason = "added through the API by key " + c.key.ID
	}
	bal, err := s.acc.Store.AddCredits(r.Context(), sleuth.AccountID(id), amount, reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"account_id": id, "balance": bal.Float()})
	return nil
}

// creditsParam reads an amount of credits given as a JSON number or a
// string, without going through a float where it can be helped.
func creditsParam(raw json.RawMessage) (sleuth.Credits, error) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, sleuth.Errorf(sleuth.CodeBadRequest, "amount must be a number or a decimal string")
		}
		s = n.String()
	}
	return sleuth.ParseCredits(s)
}

// openAPI is the API's description, served at /openapi.json.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request, _ *call) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPI)
	return nil
}
