// Package accounts holds the business rules of API access: how keys are
// made and checked, what each operation costs, and how a billable call
// reserves, spends or gives back credits. Storage is an
// sleuth.AccountStore; the HTTP API and the CLI (`sleuth keys`, `sleuth
// credits`) both go through this package, so the rules have one home.
//
// Keys look like "sk_ABCDEFGHIJKLMNOP.secret": the part before the dot is
// the key's public ID (stored, shown in lists), the part after it a 256-bit
// random secret shown once at creation and stored only as its SHA-256.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// Error codes of authentication and authorization.
const (
	CodeUnauthenticated = "sleuth.auth.invalid_key" // 401: no key, unknown key, wrong secret or revoked
	CodeForbidden       = "sleuth.auth.forbidden"   // 403: the key lacks the scope
)

// Operations, as recorded in orders and priced in Prices.
const (
	OpNid            = "nid"
	OpTheftDetection = "theft_detection"
	OpAssetSearch    = "asset_search"
	OpNFTSearch      = "nft_search"
	OpLookup         = "lookup"
	OpRegister       = "register"
	// OpNFTReport is one single-NFT report; OpCollectionReport one
	// collection report (charged when it is requested).
	OpNFTReport        = "nft_report"
	OpCollectionReport = "collection_report"
	// OpScamCheck is one scam check (POST /v1/scam-check).
	OpScamCheck = "scam_check"
)

// Prices maps operations to their cost. An operation missing from the map
// is free.
type Prices map[string]sleuth.Credits

// DefaultPrices are the public prices of the services Sleuth replaces
// (Numbers Protocol: theft detection 1, asset search 0.2, NFT search 0.01,
// Get Nid free); lookup is priced like asset search, registering is free.
func DefaultPrices() Prices {
	return Prices{
		OpNid:            0,
		OpTheftDetection: sleuth.CreditUnit,
		OpAssetSearch:    sleuth.CreditUnit / 5,
		OpNFTSearch:      sleuth.CreditUnit / 100,
		OpLookup:         sleuth.CreditUnit / 5,
		OpRegister:       0,
		// Reports: an NFT report like a theft detection; a collection
		// report like ten.
		OpNFTReport:        sleuth.CreditUnit,
		OpCollectionReport: 10 * sleuth.CreditUnit,
		// A scam check searches a token's media like an asset search.
		OpScamCheck: sleuth.CreditUnit / 5,
	}
}

// Service applies the rules over a store.
type Service struct {
	Store  sleuth.AccountStore
	Prices Prices
}

// KeyOption sets an optional property of a new key.
type KeyOption func(*sleuth.APIKey)

// WithRateLimit gives the key its own token bucket instead of the server's
// default: perSecond requests per second with bursts of burst (a zero
// leaves that one at the default).
func WithRateLimit(perSecond float64, burst int) KeyOption {
	return func(k *sleuth.APIKey) { k.RatePerSecond, k.Burst = perSecond, burst }
}

// NewKey generates a key for account with the given scopes, stores it and
// returns it with the full secret key string, which is shown once and
// cannot be recovered later. Errors: sleuth.request.invalid for no or
// unknown scopes or a negative rate limit; the store's.
func (s *Service) NewKey(ctx context.Context, account sleuth.AccountID, name string, scopes []sleuth.Scope, opts ...KeyOption) (*sleuth.APIKey, string, error) {
	if len(scopes) == 0 {
		return nil, "", sleuth.Errorf(sleuth.CodeBadRequest, "a key needs at least one scope (%s)", scopeList())
	}
	for _, sc := range scopes {
		if !validScope(sc) {
			return nil, "", sleuth.Errorf(sleuth.CodeBadRequest, "unknown scope %q (want %s)", sc, scopeList())
		}
	}
	var idBytes [10]byte
	var secret [32]byte
	if _, err := rand.Read(idBytes[:]); err != nil {
		return nil, "", err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, "", err
	}
	k := &sleuth.APIKey{
		ID:        "sk_" + base32.StdEncoding.EncodeToString(idBytes[:]),
		AccountID: account,
		Name:      name,
		Scopes:    scopes,
	}
	for _, o := range opts {
		o(k)
	}
	if k.RatePerSecond < 0 || k.Burst < 0 || math.IsNaN(k.RatePerSecond) || math.IsInf(k.RatePerSecond, 0) {
		return nil, "", sleuth.Errorf(sleuth.CodeBadRequest, "a key's rate limit must be positive (rate %g, burst %d)", k.RatePerSecond, k.Burst)
	}
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	k.SecretHash = hashSecret(sec)
	if err := s.Store.CreateKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, k.ID + "." + sec, nil
}

func validScope(s sleuth.Scope) bool {
	for _, v := range sleuth.AllScopes {
		if s == v {
			return true
		}
	}
	return false
}

func scopeList() string {
	var names []string
	for _, s := range sleuth.AllScopes {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// ParseScopes parses a comma-separated list of scopes.
func ParseScopes(s string) ([]sleuth.Scope, error) {
	var out []sleuth.Scope
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !validScope(sleuth.Scope(f)) {
			return nil, sleuth.Errorf(sleuth.CodeBadRequest, "unknown scope %q (want %s)", f, scopeList())
		}
		out = append(out, sleuth.Scope(f))
	}
	return out, nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Authenticate checks a presented key and returns the stored key. Every
// failure (malformed, unknown, wrong secret, revoked) is the same
// sleuth.auth.invalid_key error, so that a caller learns nothing about
// which keys exist; the message says which, for the logs.
func (s *Service) Authenticate(ctx context.Context, presented string) (*sleuth.APIKey, error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(presented), ".")
	if !ok || !strings.HasPrefix(id, "sk_") || secret == "" || len(presented) > 200 {
		return nil, sleuth.Errorf(CodeUnauthenticated, "API key invalid: malformed")
	}
	k, err := s.Store.Key(ctx, id)
	if sleuth.ErrorCode(err) == sleuth.CodeKeyNotFound {
		return nil, sleuth.Errorf(CodeUnauthenticated, "API key invalid: unknown key")
	}
	if err != nil {
		return nil, err
	}
	want, _ := hex.DecodeString(k.SecretHash)
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(want, got[:]) != 1 {
		return nil, sleuth.Errorf(CodeUnauthenticated, "API key invalid: wrong secret")
	}
	if k.RevokedAt != nil {
		return nil, sleuth.Errorf(CodeUnauthenticated, "API key invalid: revoked")
	}
	return k, nil
}

// Authorize checks that k carries scope.
func Authorize(k *sleuth.APIKey, scope sleuth.Scope) error {
	if !k.Has(scope) {
		return sleuth.Errorf(CodeForbidden, "this key lacks the %q scope", scope)
	}
	return nil
}

// Charge reserves the price of op on k's account and returns the order to
// settle with Settle. A free operation still gets an order (cost 0), so
// every billable call has an orderID. Errors: sleuth.credits.insufficient
// (nothing is taken).
func (s *Service) Charge(ctx context.Context, k *sleuth.APIKey, op string) (*sleuth.Order, error) {
	o := &sleuth.Order{AccountID: k.AccountID, KeyID: k.ID, Operation: op, Cost: s.Prices[op]}
	if err := s.Store.Reserve(ctx, o); err != nil {
		if sleuth.ErrorCode(err) == sleuth.CodeCreditsInsufficient {
			return nil, sleuth.Errorf(sleuth.CodeCreditsInsufficient, "%s costs %s credits; top up the account", op, o.Cost)
		}
		return nil, err
	}
	return o, nil
}

// Settle completes the order when the work succeeded (workErr nil) and
// refunds it otherwise, so that a failed call costs nothing. It runs on a
// context of its own so that a client hanging up does not leave credits
// reserved.
func (s *Service) Settle(o *sleuth.Order, detail string, workErr error) error {
	ctx := context.WithoutCancel(context.Background())
	if workErr != nil {
		return s.Store.RefundOrder(ctx, o.ID, sleuth.ErrorCode(workErr))
	}
	return s.Store.CompleteOrder(ctx, o.ID, detail)
}
