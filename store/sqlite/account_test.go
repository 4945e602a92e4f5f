package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/storetest"
)

func TestAccounts(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) sleuth.AccountStore { return openTest(t) })
}

func TestOrderIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := newOrderID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
			t.Fatalf("order ID %q is not a UUID", id)
		}
		if id[14] != '4' || (id[19] != '8' && id[19] != '9' && id[19] != 'a' && id[19] != 'b') {
			t.Fatalf("order ID %q is not a version 4, variant 10 UUID", id)
		}
		if seen[id] {
			t.Fatalf("order ID %q twice", id)
		}
		seen[id] = true
	}
}

// TestLedger checks, in the tables themselves, that every balance is the
// sum of its ledger rows, that each row's balance_after follows from the
// one before, and that each order's ledger rows match its status, after a
// mix of concurrent deposits, withdrawals, reservations, completions and
// refunds.
func TestLedger(t *testing.T) {
	const (
		workers = 8
		each    = 40
	)
	ctx := context.Background()
	db := openTest(t)
	var accounts []sleuth.AccountID
	for i := range 3 {
		a := &sleuth.Account{Name: fmt.Sprint("account ", i)}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddCredits(ctx, a.ID, sleuth.Credits(5+i)*sleuth.CreditUnit, "start"); err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, a.ID)
	}
	costs := []sleuth.Credits{0, sleuth.CreditUnit / 100, sleuth.CreditUnit / 5, sleuth.CreditUnit}
	var (
		wg   sync.WaitGroup
		errs = make(chan error, workers*each)
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				account := accounts[(w+i)%len(accounts)]
				ok := func(err error) bool {
					if err != nil && sleuth.ErrorCode(err) != sleuth.CodeCreditsInsufficient {
						errs <- err
					}
					return err == nil
				}
				switch i % 5 {
				case 0:
					_, err := db.AddCredits(ctx, account, sleuth.CreditUnit/2, "top up")
					ok(err)
				case 1:
					_, err := db.AddCredits(ctx, account, -sleuth.CreditUnit/3, "take")
					ok(err)
				default:
					o := &sleuth.Order{AccountID: account, KeyID: "sk_TEST", Operation: fmt.Sprint("op", i%3), Cost: costs[(w+i)%len(costs)]}
					if !ok(db.Reserve(ctx, o)) {
						continue
					}
					var err error
					switch (w + i) % 3 {
					case 0:
						err = db.CompleteOrder(ctx, o.ID, "{}")
					case 1:
						err = db.RefundOrder(ctx, o.ID, "failed")
					}
					if err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkLedger(t, db)
}

// checkLedger checks the ledger against the balances and the orders.
func checkLedger(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.read.QueryContext(ctx, `SELECT account_id, delta, balance_after, order_id FROM credit_ledger ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	running := map[int64]int64{}
	byOrder := map[string][]int64{}
	n := 0
	for rows.Next() {
		var (
			account, delta, after int64
			order                 *string
		)
		if err := rows.Scan(&account, &delta, &after, &order); err != nil {
			t.Fatal(err)
		}
		n++
		running[account] += delta
		if after != running[account] || after < 0 {
			t.Errorf("ledger row %d of account %d: delta %d, balance_after %d, want %d", n, account, delta, after, running[account])
		}
		if order != nil {
			byOrder[*order] = append(byOrder[*order], delta)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("empty ledger")
	}

	arows, err := db.read.QueryContext(ctx, `SELECT id, credits FROM accounts`)
	if err != nil {
		t.Fatal(err)
	}
	defer arows.Close()
	for arows.Next() {
		var id, credits int64
		if err := arows.Scan(&id, &credits); err != nil {
			t.Fatal(err)
		}
		if credits != running[id] {
			t.Errorf("account %d: balance %d, ledger sum %d", id, credits, running[id])
		}
	}
	if err := arows.Err(); err != nil {
		t.Fatal(err)
	}

	orows, err := db.read.QueryContext(ctx, `SELECT id, cost, status FROM orders`)
	if err != nil {
		t.Fatal(err)
	}
	defer orows.Close()
	orders := 0
	for orows.Next() {
		var (
			id, status string
			cost       int64
		)
		if err := orows.Scan(&id, &cost, &status); err != nil {
			t.Fatal(err)
		}
		orders++
		got := fmt.Sprint(byOrder[id])
		want := "[]"
		switch {
		case cost == 0:
		case status == sleuth.OrderRefunded:
			want = fmt.Sprint([]int64{-cost, cost})
		default:
			want = fmt.Sprint([]int64{-cost})
		}
		if got != want {
			t.Errorf("order %s (%s, cost %d): ledger deltas %s, want %s", id, status, cost, got, want)
		}
		delete(byOrder, id)
	}
	if err := orows.Err(); err != nil {
		t.Fatal(err)
	}
	if orders == 0 {
		t.Error("no orders")
	}
	for id := range byOrder {
		t.Errorf("ledger rows name order %s, which does not exist", id)
	}
}
