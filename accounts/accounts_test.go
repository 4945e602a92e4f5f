package accounts

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

func newService(t *testing.T) (*Service, sleuth.AccountID) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := &sleuth.Account{Name: "test"}
	if err := st.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return &Service{Store: st, Prices: DefaultPrices()}, a.ID
}

func TestKeys(t *testing.T) {
	ctx := context.Background()
	s, acct := newService(t)
	k, secret, err := s.NewKey(ctx, acct, "ci", []sleuth.Scope{sleuth.ScopeSearch})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, k.ID+".") || len(secret) < 40 || strings.Contains(k.SecretHash, strings.Split(secret, ".")[1]) {
		t.Fatalf("key %q, stored %+v", secret, k)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != k.ID || got.AccountID != acct {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if got, err := s.Authenticate(ctx, "  "+secret+"\n"); err != nil || got.ID != k.ID {
		t.Errorf("surrounding white space: %v", err)
	}
	bad := []string{"", "nonsense", k.ID, k.ID + ".", k.ID + ".wrong-secret", "sk_AAAAAAAAAAAAAAAA." + strings.Split(secret, ".")[1], strings.Repeat("x", 300)}
	for _, b := range bad {
		if _, err := s.Authenticate(ctx, b); sleuth.ErrorCode(err) != CodeUnauthenticated {
			t.Errorf("Authenticate(%q) = %v, want %s", b, err, CodeUnauthenticated)
		}
	}
	if err := s.Store.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); sleuth.ErrorCode(err) != CodeUnauthenticated || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked key: %v", err)
	}
	if _, _, err := s.NewKey(ctx, acct, "", nil); sleuth.ErrorCode(err) != sleuth.CodeBadRequest {
		t.Errorf("no scopes: %v", err)
	}
	if _, _, err := s.NewKey(ctx, acct, "", []sleuth.Scope{"root"}); sleuth.ErrorCode(err) != sleuth.CodeBadRequest {
		t.Errorf("unknown scope: %v", err)
	}
	if _, _, err := s.NewKey(ctx, acct+99, "", []sleuth.Scope{sleuth.ScopeSearch}); sleuth.ErrorCode(err) != sleuth.CodeAccountNotFound {
		t.Errorf("unknown account: %v", err)
	}
}

func TestScopes(t *testing.T) {
	sc, err := ParseScopes(" search, register ,,")
	if err != nil || len(sc) != 2 || sc[0] != sleuth.ScopeSearch || sc[1] != sleuth.ScopeRegister {
		t.Errorf("ParseScopes: %v %v", sc, err)
	}
	if _, err := ParseScopes("search,everything"); err == nil {
		t.Error("unknown scope accepted")
	}
	k := &sleuth.APIKey{Scopes: []sleuth.Scope{sleuth.ScopeSearch}}
	if Authorize(k, sleuth.ScopeSearch) != nil || sleuth.ErrorCode(Authorize(k, sleuth.ScopeRegister)) != CodeForbidden {
		t.Error("search key")
	}
	admin := &sleuth.APIKey{Scopes: []sleuth.Scope{sleuth.ScopeAdmin}}
	for _, s := range sleuth.AllScopes {
		if Authorize(admin, s) != nil {
			t.Errorf("admin lacks %s", s)
		}
	}
}

func TestChargeSettle(t *testing.T) {
	ctx := context.Background()
	s, acct := newService(t)
	k, _, err := s.NewKey(ctx, acct, "", []sleuth.Scope{sleuth.ScopeSearch})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Charge(ctx, k, OpTheftDetection); sleuth.ErrorCode(err) != sleuth.CodeCreditsInsufficient || !strings.Contains(err.Error(), "costs 1 credits") {
		t.Fatalf("empty account: %v", err)
	}
	// Free operations are recorded even at a zero balance.
	o, err := s.Charge(ctx, k, OpNid)
	if err != nil || o.ID == "" || o.Cost != 0 {
		t.Fatalf("free op: %+v %v", o, err)
	}
	s.Store.AddCredits(ctx, acct, 2*sleuth.CreditUnit, "test")
	o, err = s.Charge(ctx, k, OpAssetSearch)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Store.Account(ctx, acct)
	if a.Credits != 2*sleuth.CreditUnit-sleuth.CreditUnit/5 {
		t.Errorf("balance after reserve: %s", a.Credits)
	}
	// A failed call is refunded.
	if err := s.Settle(o, "", errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Store.Account(ctx, acct)
	if a.Credits != 2*sleuth.CreditUnit {
		t.Errorf("balance after refund: %s", a.Credits)
	}
	got, _ := s.Store.Order(ctx, o.ID)
	if got.Status != sleuth.OrderRefunded {
		t.Errorf("order %+v", got)
	}
	o, _ = s.Charge(ctx, k, OpTheftDetection)
	if err := s.Settle(o, `{"matches":1}`, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Store.Order(ctx, o.ID)
	a, _ = s.Store.Account(ctx, acct)
	if got.Status != sleuth.OrderCompleted || a.Credits != sleuth.CreditUnit {
		t.Errorf("completed: %+v balance %s", got, a.Credits)
	}
}
