package sleuth

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// AccountID identifies an account: the owner of API keys and credits.
type AccountID int64

// Credits is an amount of credits in millionths, so that prices such as
// 0.01 credit are exact. Its text form is a decimal number of credits.
type Credits int64

// CreditUnit is one credit.
const CreditUnit Credits = 1_000_000

// String formats c as a decimal number of credits without trailing zeros:
// "1", "0.2", "-3.000001".
func (c Credits) String() string {
	sign := ""
	if c < 0 {
		sign = "-"
		c = -c
	}
	s := fmt.Sprintf("%s%d.%06d", sign, c/CreditUnit, c%CreditUnit)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Float returns c in credits, for JSON fields that are plain numbers.
func (c Credits) Float() float64 { return float64(c) / float64(CreditUnit) }

// ParseCredits parses a decimal number of credits with at most six
// decimals ("10", "0.2", "1.000001").
func ParseCredits(s string) (Credits, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e12 {
		return 0, Errorf(CodeBadRequest, "invalid amount of credits %q", s)
	}
	c := Credits(math.Round(f * float64(CreditUnit)))
	if math.Abs(float64(c)-f*float64(CreditUnit)) > 1e-3 {
		return 0, Errorf(CodeBadRequest, "amount of credits %q has more than six decimals", s)
	}
	return c, nil
}

// Account owns API keys and a balance of credits.
type Account struct {
	ID        AccountID `json:"id"`
	Name      string    `json:"name"`
	Credits   Credits   `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Scope is a permission an API key carries.
type Scope string

// The scopes.
const (
	ScopeSearch   Scope = "search"   // find copies: nid, theft detection, asset and NFT search, lookup
	ScopeRegister Scope = "register" // register and delete assets, commits
	ScopeReport   Scope = "report"   // NFT and collection reports, scam checks
	ScopeAdmin    Scope = "admin"    // keys, credits, accounts, stolen registry resolution
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeSearch, ScopeRegister, ScopeReport, ScopeAdmin}

// APIKey is a stored key. The secret itself is never stored: only its
// SHA-256, which is what a presented key is checked against.
type APIKey struct {
	// ID is the public part of the key ("sk_" followed by 16 base32
	// characters); the full key is ID + "." + secret.
	ID        string    `json:"id"`
	AccountID AccountID `json:"account_id"`
	Name      string    `json:"name,omitempty"`
	// SecretHash is the SHA-256 of the secret part, hex.
	SecretHash string  `json:"-"`
	Scopes     []Scope `json:"scopes"`
	// RatePerSecond and Burst configure the key's token bucket; zero means
	// the server's default.
	RatePerSecond float64    `json:"rate_per_second,omitempty"`
	Burst         int        `json:"burst,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

// Has reports whether the key carries scope s (admin carries every scope).
func (k *APIKey) Has(s Scope) bool {
	for _, have := range k.Scopes {
		if have == s || have == ScopeAdmin {
			return true
		}
	}
	return false
}

// Order states.
const (
	OrderReserved  = "reserved"  // credits taken, work under way
	OrderCompleted = "completed" // work done, credits spent
	OrderRefunded  = "refunded"  // work failed, credits given back
)

// Order records one billable call.
type Order struct {
	ID        string    `json:"orderID"`
	AccountID AccountID `json:"account_id"`
	KeyID     string    `json:"key_id"`
	// Operation names what was bought: "theft_detection", "asset_search",
	// "nft_search", ...
	Operation   string     `json:"operation"`
	Cost        Credits    `json:"-"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// Detail is a short JSON summary of the result (the searched Nid, the
	// number of matches) or of the failure.
	Detail string `json:"detail,omitempty"`
}

// Usage sums an account's orders.
type Usage struct {
	Orders   int64            `json:"orders"`
	Spent    Credits          `json:"-"`
	Refunded int64            `json:"refunded"`
	ByOp     map[string]int64 `json:"by_operation"`
}

// AccountStore keeps accounts, keys, credits and orders. Credits move only
// inside transactions that also write the ledger, so balances are always
// the sum of their ledger entries.
type AccountStore interface {
	// CreateAccount inserts a with a new ID and CreatedAt, and a zero
	// balance. Errors: sleuth.store.invalid when Name is empty.
	CreateAccount(ctx context.Context, a *Account) error
	// Account returns an account with its balance, or
	// sleuth.account.not_found.
	Account(ctx context.Context, id AccountID) (*Account, error)
	// AddCredits adds delta (which may be negative) to the balance and
	// records it in the ledger with reason; it returns the new balance.
	// Errors: sleuth.account.not_found; sleuth.credits.insufficient when the
	// balance would become negative (nothing changes).
	AddCredits(ctx context.Context, id AccountID, delta Credits, reason string) (Credits, error)
	// CreateKey stores k (ID and SecretHash set by the caller, CreatedAt
	// set here). Errors: sleuth.account.not_found; sleuth.store.invalid for
	// an empty ID or SecretHash, unknown scopes or a duplicate ID.
	CreateKey(ctx context.Context, k *APIKey) error
	// Key returns a key (revoked ones too) or sleuth.key.not_found.
	Key(ctx context.Context, id string) (*APIKey, error)
	// Keys lists an account's keys, newest first.
	Keys(ctx context.Context, account AccountID) ([]*APIKey, error)
	// RevokeKey marks the key revoked now (idempotent: a revoked key keeps
	// its first RevokedAt). Errors: sleuth.key.not_found.
	RevokeKey(ctx context.Context, id string) error
	// Reserve atomically takes o.Cost from o.AccountID's balance and stores
	// o with status reserved, a new ID (UUID) and CreatedAt, in one
	// transaction. When the balance is lower than the cost nothing changes
	// and the error is sleuth.credits.insufficient; sleuth.account.not_found
	// for an unknown account; sleuth.store.invalid for an empty Operation or
	// a negative Cost. A zero-cost order is stored whatever the balance.
	// Concurrent Reserves on one account never overspend.
	Reserve(ctx context.Context, o *Order) error
	// CompleteOrder marks a reserved order completed with detail.
	// Errors: sleuth.order.not_found; sleuth.order.state when it is not
	// reserved.
	CompleteOrder(ctx context.Context, id, detail string) error
	// RefundOrder gives a reserved order's cost back to the account and
	// marks it refunded with detail, in one transaction. Errors as for
	// CompleteOrder. Both set CompletedAt, the time the order was settled.
	RefundOrder(ctx context.Context, id, detail string) error
	// Order returns one order or sleuth.order.not_found.
	Order(ctx context.Context, id string) (*Order, error)
	// Usage sums the account's orders created at or after since: Orders and
	// ByOp count every order, Spent sums the cost of those not refunded,
	// Refunded counts the refunded ones. An unknown account has zeros.
	Usage(ctx context.Context, account AccountID, since time.Time) (*Usage, error)
}
