package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// RunAccounts runs the suite of sleuth.AccountStore. open must return a new,
// empty store each time it is called, and close it when t ends (with
// t.Cleanup): AccountStore has no Close.
//
// Besides the contracts written on sleuth.AccountStore, the suite checks
// these choices, so that the backends agree:
//
//   - CreateAccount sets a.ID, a.CreatedAt and a.Credits (zero); CreateKey
//     sets k.CreatedAt; Reserve sets o.ID, o.Status, o.CreatedAt and
//     o.CompletedAt (nil), and touches o not at all when it fails. Times
//     come back in UTC at microsecond precision.
//   - Order IDs are UUIDs in canonical, lower-case text form.
//   - Keys of one account made one after another are listed by Keys in the
//     reverse order they were made, even within one microsecond; an account
//     without keys has none and no error.
//   - RevokeKey of a revoked key succeeds and keeps the first RevokedAt.
//   - Reserve of a zero cost succeeds whatever the balance (every billable
//     call gets an order, free ones too). Reserve refuses with
//     sleuth.store.invalid a nil order, an empty Operation and a negative
//     Cost, and with sleuth.account.not_found an unknown account; AddCredits
//     and CreateKey say sleuth.account.not_found for an unknown account even
//     where another error would also apply.
//   - CompleteOrder and RefundOrder set CompletedAt (the time the order was
//     settled) and Detail. Of several RefundOrder calls racing on one order,
//     one succeeds and the others fail with sleuth.order.state: the cost is
//     given back once.
//   - Usage counts every order created at or after since in Orders and ByOp,
//     refunded ones included; Refunded counts the refunded ones and Spent
//     sums the cost of the others (reserved or completed). For an account
//     without orders it is all zero; ByOp may then be nil or empty.
//   - A cancelled context gives sleuth.store.failed wrapping ctx.Err(), and
//     changes nothing.
func RunAccounts(t *testing.T, open func(t *testing.T) sleuth.AccountStore) {
	s := &accountSuite{open: open}
	t.Run("Accounts", s.testAccounts)
	t.Run("AddCredits", s.testAddCredits)
	t.Run("Ledger", s.testLedger)
	t.Run("Keys", s.testKeys)
	t.Run("Reserve", s.testReserve)
	t.Run("ReserveConcurrent", s.testReserveConcurrent)
	t.Run("Orders", s.testOrders)
	t.Run("Usage", s.testUsage)
	t.Run("Canceled", s.testCanceled)
}

type accountSuite struct {
	open func(t *testing.T) sleuth.AccountStore
}

// cents returns n hundredths of a credit.
func cents(n int64) sleuth.Credits { return sleuth.Credits(n) * sleuth.CreditUnit / 100 }

// newAccount creates an account holding credits.
func newAccount(t *testing.T, st sleuth.AccountStore, name string, credits sleuth.Credits) sleuth.AccountID {
	t.Helper()
	ctx := context.Background()
	a := &sleuth.Account{Name: name}
	if err := st.CreateAccount(ctx, a); err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	if credits != 0 {
		if _, err := st.AddCredits(ctx, a.ID, credits, "test"); err != nil {
			t.Fatalf("AddCredits(%s, %s): %v", name, credits, err)
		}
	}
	return a.ID
}

// balance returns the balance of account id.
func balance(t *testing.T, st sleuth.AccountStore, id sleuth.AccountID) sleuth.Credits {
	t.Helper()
	a, err := st.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("Account(%d): %v", id, err)
	}
	return a.Credits
}

// checkBalance fails unless account id holds want.
func checkBalance(t *testing.T, what string, st sleuth.AccountStore, id sleuth.AccountID, want sleuth.Credits) {
	t.Helper()
	if got := balance(t, st, id); got != want {
		t.Errorf("%s: balance %s, want %s", what, got, want)
	}
}

// reserve reserves an order of op at cost on account.
func reserve(t *testing.T, st sleuth.AccountStore, account sleuth.AccountID, op string, cost sleuth.Credits) *sleuth.Order {
	t.Helper()
	o := &sleuth.Order{AccountID: account, KeyID: "sk_TESTKEY", Operation: op, Cost: cost}
	if err := st.Reserve(context.Background(), o); err != nil {
		t.Fatalf("Reserve(%s, %s): %v", op, cost, err)
	}
	return o
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkOrder compares got with want field by field.
func checkOrder(t *testing.T, what string, got, want *sleuth.Order) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil order", what)
	}
	if got.ID != want.ID || got.AccountID != want.AccountID || got.KeyID != want.KeyID ||
		got.Operation != want.Operation || got.Cost != want.Cost || got.Status != want.Status ||
		got.Detail != want.Detail {
		t.Errorf("%s: got\n%+v\nwant\n%+v", what, *got, *want)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("%s: CreatedAt %v, want %v in UTC", what, got.CreatedAt, want.CreatedAt)
	}
	switch {
	case (got.CompletedAt == nil) != (want.CompletedAt == nil):
		t.Errorf("%s: CompletedAt %v, want %v", what, got.CompletedAt, want.CompletedAt)
	case got.CompletedAt != nil && (!got.CompletedAt.Equal(*want.CompletedAt) || got.CompletedAt.Location() != time.UTC):
		t.Errorf("%s: CompletedAt %v, want %v in UTC", what, *got.CompletedAt, *want.CompletedAt)
	}
}

// checkKey compares got with want field by field.
func checkKey(t *testing.T, what string, got, want *sleuth.APIKey) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil key", what)
	}
	if got.ID != want.ID || got.AccountID != want.AccountID || got.Name != want.Name ||
		got.SecretHash != want.SecretHash || got.RatePerSecond != want.RatePerSecond || got.Burst != want.Burst ||
		len(got.Scopes) != len(want.Scopes) || (len(got.Scopes) > 0 && !slices.Equal(got.Scopes, want.Scopes)) {
		t.Errorf("%s: got\n%+v\nwant\n%+v", what, *got, *want)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("%s: CreatedAt %v, want %v in UTC", what, got.CreatedAt, want.CreatedAt)
	}
	switch {
	case (got.RevokedAt == nil) != (want.RevokedAt == nil):
		t.Errorf("%s: RevokedAt %v, want %v", what, got.RevokedAt, want.RevokedAt)
	case got.RevokedAt != nil && (!got.RevokedAt.Equal(*want.RevokedAt) || got.RevokedAt.Location() != time.UTC):
		t.Errorf("%s: RevokedAt %v, want %v in UTC", what, *got.RevokedAt, *want.RevokedAt)
	}
}

func (s *accountSuite) testAccounts(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)

	before := time.Now()
	a := &sleuth.Account{Name: "Ada", Credits: 5 * sleuth.CreditUnit} // the credits are ignored
	if err := st.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	checkNow(t, "CreatedAt", a.CreatedAt, before, time.Now())
	if a.ID <= 0 || a.Credits != 0 {
		t.Errorf("created account: ID %d, Credits %s; want a positive ID and no credits", a.ID, a.Credits)
	}
	b := &sleuth.Account{Name: "Ada"} // names need not be unique
	if err := st.CreateAccount(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.ID <= 0 || b.ID == a.ID {
		t.Errorf("second account: ID %d (first %d)", b.ID, a.ID)
	}

	got, err := st.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a.ID || got.Name != a.Name || got.Credits != 0 {
		t.Errorf("Account: got %+v, want %+v", *got, *a)
	}
	if !got.CreatedAt.Equal(a.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("Account: CreatedAt %v, want %v in UTC", got.CreatedAt, a.CreatedAt)
	}

	for _, id := range []sleuth.AccountID{max(a.ID, b.ID) + 1000, 0, -1} {
		_, err := st.Account(ctx, id)
		checkCode(t, fmt.Sprintf("Account(%d)", id), err, sleuth.CodeAccountNotFound)
	}
	checkCode(t, "CreateAccount(nil)", st.CreateAccount(ctx, nil), sleuth.CodeStoreInvalid)
	checkCode(t, "CreateAccount(no name)", st.CreateAccount(ctx, &sleuth.Account{}), sleuth.CodeStoreInvalid)
}

func (s *accountSuite) testAddCredits(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	id := newAccount(t, st, "Ada", 0)
	other := newAccount(t, st, "Bob", cents(100))

	steps := []struct {
		delta sleuth.Credits
		want  sleuth.Credits
		code  string // the error; "" for none
	}{
		{cents(1000), cents(1000), ""},
		{cents(-250), cents(750), ""},
		{cents(-750) - 1, cents(750), sleuth.CodeCreditsInsufficient}, // one micro-credit short: nothing changes
		{-sleuth.Credits(1 << 62), cents(750), sleuth.CodeCreditsInsufficient},
		{1, cents(750) + 1, ""},
		{-cents(750) - 1, 0, ""}, // down to exactly zero
		{-1, 0, sleuth.CodeCreditsInsufficient},
		{sleuth.CreditUnit / 5, sleuth.CreditUnit / 5, ""},
	}
	for i, step := range steps {
		what := fmt.Sprintf("step %d: AddCredits(%s)", i, step.delta)
		got, err := st.AddCredits(ctx, id, step.delta, fmt.Sprintf("step %d", i))
		if step.code != "" {
			checkCode(t, what, err, step.code)
		} else if err != nil {
			t.Errorf("%s: %v", what, err)
		} else if got != step.want {
			t.Errorf("%s = %s, want %s", what, got, step.want)
		}
		checkBalance(t, what, st, id, step.want)
	}
	checkBalance(t, "the other account", st, other, cents(100))

	unknown := max(id, other) + 1000
	for _, delta := range []sleuth.Credits{cents(100), cents(-100), 0} {
		_, err := st.AddCredits(ctx, unknown, delta, "nobody")
		checkCode(t, fmt.Sprintf("AddCredits(unknown account, %s)", delta), err, sleuth.CodeAccountNotFound)
	}
	if _, err := st.Account(ctx, unknown); sleuth.ErrorCode(err) != sleuth.CodeAccountNotFound {
		t.Errorf("AddCredits to an unknown account made it: %v", err)
	}
}

// testLedger checks that the balance is the sum of every change the store
// accepted, whatever the mix of operations and refusals.
func (s *accountSuite) testLedger(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	id := newAccount(t, st, "Ada", 0)
	var sum sleuth.Credits
	add := func(delta sleuth.Credits, ok bool) {
		t.Helper()
		got, err := st.AddCredits(ctx, id, delta, "ledger test")
		switch {
		case ok && err != nil:
			t.Fatalf("AddCredits(%s): %v", delta, err)
		case ok:
			sum += delta
			if got != sum {
				t.Errorf("AddCredits(%s) = %s, want %s", delta, got, sum)
			}
		default:
			checkCode(t, fmt.Sprintf("AddCredits(%s)", delta), err, sleuth.CodeCreditsInsufficient)
		}
	}

	add(cents(500), true)
	o1 := reserve(t, st, id, "theft_detection", cents(120))
	sum -= o1.Cost
	o2 := reserve(t, st, id, "asset_search", cents(30))
	sum -= o2.Cost
	o3 := reserve(t, st, id, "nid", 0)
	if err := st.CompleteOrder(ctx, o1.ID, `{"matches":1}`); err != nil {
		t.Fatal(err)
	}
	if err := st.RefundOrder(ctx, o2.ID, sleuth.CodeImageCorrupt); err != nil {
		t.Fatal(err)
	}
	sum += o2.Cost
	if err := st.RefundOrder(ctx, o3.ID, "free"); err != nil {
		t.Fatal(err)
	}
	add(cents(-50), true)
	add(cents(-10000), false)
	big := &sleuth.Order{AccountID: id, Operation: "theft_detection", Cost: cents(10000)}
	checkCode(t, "Reserve(more than the balance)", st.Reserve(ctx, big), sleuth.CodeCreditsInsufficient)
	checkCode(t, "RefundOrder(completed)", st.RefundOrder(ctx, o1.ID, ""), sleuth.CodeOrderState)
	checkCode(t, "RefundOrder(refunded)", st.RefundOrder(ctx, o2.ID, ""), sleuth.CodeOrderState)
	o4 := reserve(t, st, id, "nft_search", cents(1))
	sum -= o4.Cost
	add(cents(7), true)

	checkBalance(t, "after the sequence", st, id, sum)
	if sum != cents(500-120-50-1+7) {
		t.Fatalf("the test's own sum is %s", sum) // a bug in this test
	}
}

func (s *accountSuite) testKeys(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	ada := newAccount(t, st, "Ada", 0)
	bob := newAccount(t, st, "Bob", 0)
	newKey := func(i int, account sleuth.AccountID, scopes ...sleuth.Scope) *sleuth.APIKey {
		return &sleuth.APIKey{
			ID:         fmt.Sprintf("sk_TESTKEY%07d", i),
			AccountID:  account,
			Name:       fmt.Sprintf("key %d", i),
			SecretHash: hexOf(fmt.Sprint("secret", i), 32),
			Scopes:     scopes,
		}
	}

	before := time.Now()
	k1 := newKey(1, ada, sleuth.ScopeSearch, sleuth.ScopeReport)
	k1.RatePerSecond, k1.Burst = 2.5, 10
	if err := st.CreateKey(ctx, k1); err != nil {
		t.Fatal(err)
	}
	checkNow(t, "CreatedAt", k1.CreatedAt, before, time.Now())
	if k1.RevokedAt != nil {
		t.Errorf("new key revoked at %v", k1.RevokedAt)
	}
	got, err := st.Key(ctx, k1.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkKey(t, "Key", got, k1)

	// Made one after the other, as fast as the store goes.
	k2 := newKey(2, ada, sleuth.ScopeAdmin)
	k3 := newKey(3, ada, sleuth.ScopeRegister)
	k3.Name = ""
	k4 := newKey(4, bob, sleuth.ScopeSearch)
	k5 := newKey(5, ada) // no scopes: the store allows it, the key can do nothing
	for _, k := range []*sleuth.APIKey{k2, k3, k4, k5} {
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatalf("CreateKey(%s): %v", k.ID, err)
		}
	}
	checkKeys := func(what string, account sleuth.AccountID, want ...*sleuth.APIKey) {
		t.Helper()
		ks, err := st.Keys(ctx, account)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(ks) != len(want) {
			t.Fatalf("%s: %d keys, want %d", what, len(ks), len(want))
		}
		for i := range want {
			checkKey(t, fmt.Sprintf("%s[%d]", what, i), ks[i], want[i])
		}
	}
	checkKeys("Keys(ada)", ada, k5, k3, k2, k1)
	checkKeys("Keys(bob)", bob, k4)
	empty := newAccount(t, st, "Eve", 0)
	checkKeys("Keys(account without keys)", empty)
	if ks, err := st.Keys(ctx, max(ada, bob, empty)+1000); len(ks) != 0 || (err != nil && sleuth.ErrorCode(err) != sleuth.CodeAccountNotFound) {
		t.Errorf("Keys(unknown account) = %d keys, %v", len(ks), err)
	}

	t.Run("Has", func(t *testing.T) {
		for _, c := range []struct {
			k    *sleuth.APIKey
			want []sleuth.Scope
		}{
			{k1, []sleuth.Scope{sleuth.ScopeSearch, sleuth.ScopeReport}},
			{k2, sleuth.AllScopes},
			{k3, []sleuth.Scope{sleuth.ScopeRegister}},
			{k5, nil},
		} {
			stored, err := st.Key(ctx, c.k.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range sleuth.AllScopes {
				if got, want := stored.Has(sc), slices.Contains(c.want, sc); got != want {
					t.Errorf("key %s with scopes %v: Has(%s) = %v, want %v", c.k.ID, stored.Scopes, sc, got, want)
				}
			}
			if stored.Has("billing") && c.k != k2 {
				t.Errorf("key %s: Has(billing) is true", c.k.ID)
			}
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		before := time.Now()
		if err := st.RevokeKey(ctx, k2.ID); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		got, err := st.Key(ctx, k2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RevokedAt == nil {
			t.Fatal("revoked key has no RevokedAt")
		}
		checkNow(t, "RevokedAt", *got.RevokedAt, before, after)
		want := *k2
		want.RevokedAt = got.RevokedAt
		checkKey(t, "revoked key", got, &want)
		// Again: no error, the first time stays.
		if err := st.RevokeKey(ctx, k2.ID); err != nil {
			t.Errorf("RevokeKey again: %v", err)
		}
		again, err := st.Key(ctx, k2.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkKey(t, "key revoked twice", again, &want)
		checkKeys("Keys(ada) after revoking", ada, k5, k3, &want, k1)
		checkKey(t, "the other keys", mustKey(t, st, k1.ID), k1)
	})

	t.Run("Errors", func(t *testing.T) {
		checkCode(t, "RevokeKey(unknown)", st.RevokeKey(ctx, "sk_NOSUCHKEY"), sleuth.CodeKeyNotFound)
		for _, id := range []string{"sk_NOSUCHKEY", ""} {
			_, err := st.Key(ctx, id)
			checkCode(t, fmt.Sprintf("Key(%q)", id), err, sleuth.CodeKeyNotFound)
		}

		k := newKey(10, max(ada, bob, empty)+1000, sleuth.ScopeSearch)
		checkCode(t, "CreateKey(unknown account)", st.CreateKey(ctx, k), sleuth.CodeAccountNotFound)
		if _, err := st.Key(ctx, k.ID); sleuth.ErrorCode(err) != sleuth.CodeKeyNotFound {
			t.Errorf("key of an unknown account stored: %v", err)
		}

		dup := newKey(1, bob, sleuth.ScopeAdmin)
		dup.SecretHash = hexOf("another secret", 32)
		checkCode(t, "CreateKey(duplicate id)", st.CreateKey(ctx, dup), sleuth.CodeStoreInvalid)
		checkKey(t, "key after a duplicate", mustKey(t, st, k1.ID), k1)
		checkKeys("Keys(bob) after a duplicate", bob, k4)

		for what, k := range map[string]*sleuth.APIKey{
			"unknown scope":   newKey(11, ada, sleuth.ScopeSearch, "billing"),
			"empty scope":     newKey(12, ada, ""),
			"no id":           func() *sleuth.APIKey { k := newKey(13, ada); k.ID = ""; return k }(),
			"no secret hash":  func() *sleuth.APIKey { k := newKey(14, ada); k.SecretHash = ""; return k }(),
			"nil key":         nil,
			"unknown scope 2": newKey(15, ada, "Search"),
		} {
			checkCode(t, "CreateKey("+what+")", st.CreateKey(ctx, k), sleuth.CodeStoreInvalid)
			if k != nil && k.ID != "" {
				if _, err := st.Key(ctx, k.ID); sleuth.ErrorCode(err) != sleuth.CodeKeyNotFound {
					t.Errorf("CreateKey(%s) stored the key: %v", what, err)
				}
			}
		}
		checkKeys("Keys(ada) after the errors", ada, k5, k3, mustKey(t, st, k2.ID), k1)
	})
}

func mustKey(t *testing.T, st sleuth.AccountStore, id string) *sleuth.APIKey {
	t.Helper()
	k, err := st.Key(context.Background(), id)
	if err != nil {
		t.Fatalf("Key(%s): %v", id, err)
	}
	return k
}

func mustOrder(t *testing.T, st sleuth.AccountStore, id string) *sleuth.Order {
	t.Helper()
	o, err := st.Order(context.Background(), id)
	if err != nil {
		t.Fatalf("Order(%s): %v", id, err)
	}
	return o
}

func (s *accountSuite) testReserve(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	id := newAccount(t, st, "Ada", sleuth.CreditUnit)
	other := newAccount(t, st, "Bob", sleuth.CreditUnit)

	before := time.Now()
	o := &sleuth.Order{AccountID: id, KeyID: "sk_TESTKEY", Operation: "asset_search", Cost: cents(20)}
	if err := st.Reserve(ctx, o); err != nil {
		t.Fatal(err)
	}
	checkNow(t, "CreatedAt", o.CreatedAt, before, time.Now())
	if !uuidRE.MatchString(o.ID) || o.Status != sleuth.OrderReserved || o.CompletedAt != nil {
		t.Errorf("reserved order: ID %q, Status %q, CompletedAt %v", o.ID, o.Status, o.CompletedAt)
	}
	checkOrder(t, "Order", mustOrder(t, st, o.ID), o)
	checkBalance(t, "after Reserve", st, id, cents(80))
	checkBalance(t, "the other account", st, other, cents(100))

	// One micro-credit short: refused, and nothing is stored.
	short := &sleuth.Order{AccountID: id, KeyID: "sk_TESTKEY", Operation: "theft_detection", Cost: cents(80) + 1}
	checkCode(t, "Reserve(over the balance)", st.Reserve(ctx, short), sleuth.CodeCreditsInsufficient)
	if short.ID != "" || short.Status != "" || !short.CreatedAt.IsZero() {
		t.Errorf("refused order was changed: %+v", *short)
	}
	checkBalance(t, "after a refused Reserve", st, id, cents(80))
	if u, err := st.Usage(ctx, id, time.Time{}); err != nil || u.Orders != 1 || u.ByOp["theft_detection"] != 0 {
		t.Errorf("Usage after a refused Reserve: %+v, %v; want the one order", u, err)
	}

	// The whole balance, then a free call on an empty account.
	all := reserve(t, st, id, "theft_detection", cents(80))
	checkBalance(t, "after spending it all", st, id, 0)
	free := reserve(t, st, id, "nid", 0)
	checkBalance(t, "after a free call", st, id, 0)
	ids := map[string]bool{o.ID: true, all.ID: true, free.ID: true}
	if len(ids) != 3 {
		t.Errorf("order IDs repeat: %s %s %s", o.ID, all.ID, free.ID)
	}
	checkOrder(t, "free order", mustOrder(t, st, free.ID), free)

	unknown := max(id, other) + 1000
	checkCode(t, "Reserve(unknown account)",
		st.Reserve(ctx, &sleuth.Order{AccountID: unknown, Operation: "nid"}), sleuth.CodeAccountNotFound)
	checkCode(t, "Reserve(unknown account, priced)",
		st.Reserve(ctx, &sleuth.Order{AccountID: unknown, Operation: "asset_search", Cost: cents(20)}), sleuth.CodeAccountNotFound)
	checkCode(t, "Reserve(nil)", st.Reserve(ctx, nil), sleuth.CodeStoreInvalid)
	checkCode(t, "Reserve(negative cost)",
		st.Reserve(ctx, &sleuth.Order{AccountID: other, Operation: "gift", Cost: -cents(100)}), sleuth.CodeStoreInvalid)
	checkCode(t, "Reserve(no operation)",
		st.Reserve(ctx, &sleuth.Order{AccountID: other, Cost: cents(1)}), sleuth.CodeStoreInvalid)
	checkBalance(t, "the other account after the errors", st, other, cents(100))
	if u, err := st.Usage(ctx, other, time.Time{}); err != nil || u.Orders != 0 {
		t.Errorf("Usage of the other account: %+v, %v; want no orders", u, err)
	}
}

// testReserveConcurrent races 200 Reserves on an account that can pay for
// exactly 100 of them: exactly 100 go through, and the balance ends at
// exactly zero.
func (s *accountSuite) testReserveConcurrent(t *testing.T) {
	const (
		calls = 200
		paid  = 100
		cost  = sleuth.CreditUnit / 5 // 0.2 credit
	)
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	ctx := context.Background()
	st := s.open(t)
	for round := range rounds {
		id := newAccount(t, st, fmt.Sprint("round ", round), paid*cost)
		checkBalance(t, "before", st, id, 20*sleuth.CreditUnit)
		var (
			start = make(chan struct{})
			wg    sync.WaitGroup
			mu    sync.Mutex
			ids   []string
			short int
			other []error
		)
		for range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := &sleuth.Order{AccountID: id, KeyID: "sk_TESTKEY", Operation: "asset_search", Cost: cost}
				<-start
				err := st.Reserve(ctx, o)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ids = append(ids, o.ID)
				case sleuth.ErrorCode(err) == sleuth.CodeCreditsInsufficient:
					short++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()

		for _, err := range other {
			t.Errorf("round %d: Reserve: %v", round, err)
		}
		if len(ids) != paid || short != calls-paid {
			t.Errorf("round %d: %d reserves succeeded and %d were refused, want %d and %d",
				round, len(ids), short, paid, calls-paid)
		}
		checkBalance(t, fmt.Sprintf("round %d: after the race", round), st, id, 0)
		seen := map[string]bool{}
		for _, oid := range ids {
			if seen[oid] {
				t.Errorf("round %d: order ID %s twice", round, oid)
			}
			seen[oid] = true
			o := mustOrder(t, st, oid)
			if o.AccountID != id || o.Cost != cost || o.Status != sleuth.OrderReserved {
				t.Errorf("round %d: order %+v", round, *o)
			}
		}
		u, err := st.Usage(ctx, id, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if u.Orders != paid || u.Spent != paid*cost || u.Refunded != 0 {
			t.Errorf("round %d: usage %+v, want %d orders spending %s", round, *u, paid, paid*cost)
		}
	}
}

func (s *accountSuite) testOrders(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	id := newAccount(t, st, "Ada", cents(1000))

	t.Run("Complete", func(t *testing.T) {
		o := reserve(t, st, id, "theft_detection", cents(100))
		before := time.Now()
		const detail = `{"nid":"bafkreia","matches":3}`
		if err := st.CompleteOrder(ctx, o.ID, detail); err != nil {
			t.Fatal(err)
		}
		got := mustOrder(t, st, o.ID)
		if got.CompletedAt == nil {
			t.Fatal("completed order has no CompletedAt")
		}
		checkNow(t, "CompletedAt", *got.CompletedAt, before, time.Now())
		want := *o
		want.Status, want.Detail, want.CompletedAt = sleuth.OrderCompleted, detail, got.CompletedAt
		checkOrder(t, "completed order", got, &want)
		checkBalance(t, "after completing", st, id, cents(900))

		checkCode(t, "CompleteOrder(completed)", st.CompleteOrder(ctx, o.ID, "again"), sleuth.CodeOrderState)
		checkCode(t, "RefundOrder(completed)", st.RefundOrder(ctx, o.ID, "late"), sleuth.CodeOrderState)
		checkOrder(t, "completed order after the errors", mustOrder(t, st, o.ID), &want)
		checkBalance(t, "after the errors", st, id, cents(900))
	})

	t.Run("Refund", func(t *testing.T) {
		o := reserve(t, st, id, "asset_search", cents(20))
		checkBalance(t, "after reserving", st, id, cents(880))
		before := time.Now()
		if err := st.RefundOrder(ctx, o.ID, sleuth.CodeImageCorrupt); err != nil {
			t.Fatal(err)
		}
		checkBalance(t, "after the refund", st, id, cents(900))
		got := mustOrder(t, st, o.ID)
		if got.CompletedAt == nil {
			t.Fatal("refunded order has no CompletedAt")
		}
		checkNow(t, "CompletedAt", *got.CompletedAt, before, time.Now())
		want := *o
		want.Status, want.Detail, want.CompletedAt = sleuth.OrderRefunded, sleuth.CodeImageCorrupt, got.CompletedAt
		checkOrder(t, "refunded order", got, &want)

		checkCode(t, "CompleteOrder(refunded)", st.CompleteOrder(ctx, o.ID, "{}"), sleuth.CodeOrderState)
		checkCode(t, "RefundOrder(refunded)", st.RefundOrder(ctx, o.ID, "again"), sleuth.CodeOrderState)
		checkOrder(t, "refunded order after the errors", mustOrder(t, st, o.ID), &want)
		checkBalance(t, "after the errors", st, id, cents(900))
	})

	t.Run("RefundFree", func(t *testing.T) {
		o := reserve(t, st, id, "nid", 0)
		if err := st.RefundOrder(ctx, o.ID, "failed"); err != nil {
			t.Fatal(err)
		}
		if got := mustOrder(t, st, o.ID); got.Status != sleuth.OrderRefunded {
			t.Errorf("status %q, want %q", got.Status, sleuth.OrderRefunded)
		}
		checkBalance(t, "after refunding a free order", st, id, cents(900))
	})

	t.Run("RefundRace", func(t *testing.T) {
		const n = 10
		o := reserve(t, st, id, "theft_detection", cents(100))
		checkBalance(t, "after reserving", st, id, cents(800))
		var (
			wg             sync.WaitGroup
			start          = make(chan struct{})
			mu             sync.Mutex
			ok, wrongState int
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				if i%2 == 0 {
					err = st.RefundOrder(ctx, o.ID, "race")
				} else {
					err = st.CompleteOrder(ctx, o.ID, "race")
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case sleuth.ErrorCode(err) == sleuth.CodeOrderState:
					wrongState++
				default:
					t.Errorf("settling: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok != 1 || wrongState != n-1 {
			t.Errorf("%d settlements succeeded and %d were refused, want 1 and %d", ok, wrongState, n-1)
		}
		want := cents(800)
		if mustOrder(t, st, o.ID).Status == sleuth.OrderRefunded {
			want = cents(900)
		}
		checkBalance(t, "after the race", st, id, want)
	})

	t.Run("NotFound", func(t *testing.T) {
		for _, oid := range []string{"00000000-0000-4000-8000-000000000000", "nope", ""} {
			_, err := st.Order(ctx, oid)
			checkCode(t, fmt.Sprintf("Order(%q)", oid), err, sleuth.CodeOrderNotFound)
			checkCode(t, fmt.Sprintf("CompleteOrder(%q)", oid), st.CompleteOrder(ctx, oid, ""), sleuth.CodeOrderNotFound)
			checkCode(t, fmt.Sprintf("RefundOrder(%q)", oid), st.RefundOrder(ctx, oid, ""), sleuth.CodeOrderNotFound)
		}
	})
}

func (s *accountSuite) testUsage(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	ada := newAccount(t, st, "Ada", cents(10000))
	bob := newAccount(t, st, "Bob", cents(10000))

	type step struct {
		op     string
		cost   sleuth.Credits
		settle string // the final status
	}
	steps := []step{
		{"asset_search", cents(20), sleuth.OrderCompleted},
		{"asset_search", cents(20), sleuth.OrderRefunded},
		{"nft_search", cents(1), sleuth.OrderCompleted},
		{"theft_detection", cents(100), sleuth.OrderRefunded},
		{"asset_search", cents(20), sleuth.OrderReserved},
		{"nid", 0, sleuth.OrderCompleted},
		{"nft_search", cents(1), sleuth.OrderCompleted},
	}
	var orders []*sleuth.Order
	for _, sp := range steps {
		o := reserve(t, st, ada, sp.op, sp.cost)
		var err error
		switch sp.settle {
		case sleuth.OrderCompleted:
			err = st.CompleteOrder(ctx, o.ID, "{}")
		case sleuth.OrderRefunded:
			err = st.RefundOrder(ctx, o.ID, "failed")
		}
		if err != nil {
			t.Fatal(err)
		}
		o.Status = sp.settle
		orders = append(orders, o)
		reserve(t, st, bob, "asset_search", cents(20)) // another account's: never counted
	}

	// want sums the orders created at or after since.
	want := func(since time.Time) *sleuth.Usage {
		u := &sleuth.Usage{ByOp: map[string]int64{}}
		for _, o := range orders {
			if o.CreatedAt.Before(since) {
				continue
			}
			u.Orders++
			u.ByOp[o.Operation]++
			if o.Status == sleuth.OrderRefunded {
				u.Refunded++
			} else {
				u.Spent += o.Cost
			}
		}
		return u
	}
	check := func(what string, account sleuth.AccountID, since time.Time, want *sleuth.Usage) {
		t.Helper()
		got, err := st.Usage(ctx, account, since)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got.Orders != want.Orders || got.Spent != want.Spent || got.Refunded != want.Refunded ||
			len(got.ByOp) != len(want.ByOp) || (len(want.ByOp) > 0 && !maps.Equal(got.ByOp, want.ByOp)) {
			t.Errorf("%s: got %+v, want %+v", what, *got, *want)
		}
	}

	all := want(time.Time{})
	if all.Orders != 7 || all.Refunded != 2 || all.Spent != cents(20+1+20+0+1) ||
		!maps.Equal(all.ByOp, map[string]int64{"asset_search": 3, "nft_search": 2, "theft_detection": 1, "nid": 1}) {
		t.Fatalf("the test's own sums: %+v", *all) // a bug in this test
	}
	check("Usage(since the zero time)", ada, time.Time{}, all)
	check("Usage(since an hour ago)", ada, time.Now().Add(-time.Hour), all)
	check("Usage(since the first order)", ada, orders[0].CreatedAt, all)
	for _, i := range []int{2, 4, 6} {
		since := orders[i].CreatedAt
		check(fmt.Sprintf("Usage(since order %d)", i), ada, since, want(since))
		// The same instant in another zone.
		check(fmt.Sprintf("Usage(since order %d, UTC-7)", i), ada, since.In(time.FixedZone("x", -7*3600)), want(since))
	}
	last := orders[len(orders)-1].CreatedAt
	check("Usage(after the last order)", ada, last.Add(time.Microsecond), &sleuth.Usage{})
	check("Usage(in an hour)", ada, time.Now().Add(time.Hour), &sleuth.Usage{})
	check("Usage(bob)", bob, time.Time{}, &sleuth.Usage{Orders: 7, Spent: 7 * cents(20), ByOp: map[string]int64{"asset_search": 7}})

	empty := newAccount(t, st, "Eve", 0)
	check("Usage(account without orders)", empty, time.Time{}, &sleuth.Usage{})
	if u, err := st.Usage(ctx, max(ada, bob, empty)+1000, time.Time{}); err != nil {
		checkCode(t, "Usage(unknown account)", err, sleuth.CodeAccountNotFound)
	} else if u.Orders != 0 || u.Spent != 0 || u.Refunded != 0 || len(u.ByOp) != 0 {
		t.Errorf("Usage(unknown account) = %+v", *u)
	}
}

func (s *accountSuite) testCanceled(t *testing.T) {
	st := s.open(t)
	id := newAccount(t, st, "Ada", cents(100))
	o := reserve(t, st, id, "asset_search", cents(20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) || sleuth.ErrorCode(err) != sleuth.CodeStoreFailed {
			t.Errorf("%s(canceled) = %v, want %s wrapping context.Canceled", what, err, sleuth.CodeStoreFailed)
		}
	}
	_, err := st.AddCredits(ctx, id, cents(100), "canceled")
	check("AddCredits", err)
	r := &sleuth.Order{AccountID: id, Operation: "asset_search", Cost: cents(20)}
	check("Reserve", st.Reserve(ctx, r))
	if r.ID != "" {
		t.Errorf("canceled Reserve set the order ID %q", r.ID)
	}
	check("RefundOrder", st.RefundOrder(ctx, o.ID, "canceled"))
	check("CompleteOrder", st.CompleteOrder(ctx, o.ID, "canceled"))
	check("CreateAccount", st.CreateAccount(ctx, &sleuth.Account{Name: "Bob"}))
	check("CreateKey", st.CreateKey(ctx, &sleuth.APIKey{ID: "sk_CANCELED", AccountID: id, SecretHash: hexOf("x", 32)}))
	check("RevokeKey", st.RevokeKey(ctx, "sk_CANCELED"))
	_, err = st.Account(ctx, id)
	check("Account", err)
	_, err = st.Key(ctx, "sk_CANCELED")
	check("Key", err)
	_, err = st.Keys(ctx, id)
	check("Keys", err)
	_, err = st.Order(ctx, o.ID)
	check("Order", err)
	_, err = st.Usage(ctx, id, time.Time{})
	check("Usage", err)

	// Nothing changed.
	checkBalance(t, "after the canceled calls", st, id, cents(80))
	checkOrder(t, "order after the canceled calls", mustOrder(t, st, o.ID), o)
	if _, err := st.Key(context.Background(), "sk_CANCELED"); sleuth.ErrorCode(err) != sleuth.CodeKeyNotFound {
		t.Errorf("canceled CreateKey stored the key: %v", err)
	}
}
