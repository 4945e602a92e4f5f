package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
)

var _ sleuth.AccountStore = (*DB)(nil)

const (
	keyColumns   = `id, account_id, name, secret_hash, scopes, rate_per_second, burst, created_at, revoked_at`
	orderColumns = `id, account_id, key_id, operation, cost, status, created_at, completed_at, detail`
	insertLedger = `INSERT INTO credit_ledger (account_id, delta, balance_after, reason, order_id, created_at)
VALUES (?, ?, ?, ?, ?, ?)`
)

// CreateAccount implements sleuth.AccountStore. It sets a.ID and
// a.CreatedAt, and a.Credits to zero.
func (db *DB) CreateAccount(ctx context.Context, a *sleuth.Account) error {
	if a == nil {
		return invalid("create account: nil account")
	}
	if a.Name == "" {
		return invalid("create account: name is required")
	}
	created := now()
	var id int64
	err := db.withTx(ctx, "create account", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (name, credits, created_at) VALUES (?, 0, ?) RETURNING id`,
			a.Name, toMicros(created)).Scan(&id)
		if err != nil {
			return failed(ctx, "create account", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.ID, a.Credits, a.CreatedAt = sleuth.AccountID(id), 0, created
	return nil
}

// Account implements sleuth.AccountStore.
func (db *DB) Account(ctx context.Context, id sleuth.AccountID) (*sleuth.Account, error) {
	var (
		a       = sleuth.Account{ID: id}
		credits int64
		created int64
	)
	err := db.read.QueryRowContext(ctx, `SELECT name, credits, created_at FROM accounts WHERE id = ?`, int64(id)).
		Scan(&a.Name, &credits, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, accountNotFound(id)
	}
	if err != nil {
		return nil, failed(ctx, "get account", err)
	}
	a.Credits, a.CreatedAt = sleuth.Credits(credits), fromMicros(created)
	return &a, nil
}

func accountNotFound(id sleuth.AccountID) error {
	return sleuth.Errorf(sleuth.CodeAccountNotFound, "account %d not found", id)
}

// AddCredits implements sleuth.AccountStore. A zero delta is recorded in
// the ledger like any other. A delta that would take the balance past the
// largest Credits is refused with sleuth.store.invalid.
func (db *DB) AddCredits(ctx context.Context, id sleuth.AccountID, delta sleuth.Credits, reason string) (sleuth.Credits, error) {
	op := fmt.Sprintf("add credits to account %d", id)
	at := toMicros(now())
	var balance sleuth.Credits
	err := db.withTx(ctx, op, func(tx *sql.Tx) error {
		var err error
		if balance, err = adjustBalance(ctx, tx, op, id, delta); err != nil {
			return err
		}
		return writeLedger(ctx, tx, op, id, delta, balance, reason, "", at)
	})
	if err != nil {
		return 0, err
	}
	return balance, nil
}

// adjustBalance adds delta to the balance of account id, in tx, and returns
// the new balance. The balance never goes below zero: a withdrawal is one
// conditional UPDATE,
//
//	UPDATE accounts SET credits = credits - ? WHERE id = ? AND credits >= ?
//
// and when it changes no row, nothing was taken. That one statement is what
// keeps concurrent withdrawals from overspending: here the single writer
// connection runs them one after the other, and on a database with many
// writers (PostgreSQL) the UPDATE waits for the row lock a concurrent
// transaction holds and checks the condition again against the committed
// balance. The new balance is read back in the same transaction, after the
// row was written, so it is this change's.
//
// Errors: sleuth.account.not_found; sleuth.credits.insufficient when the
// balance does not cover a withdrawal; sleuth.store.invalid when a deposit
// would overflow the balance.
func adjustBalance(ctx context.Context, tx *sql.Tx, op string, id sleuth.AccountID, delta sleuth.Credits) (sleuth.Credits, error) {
	var (
		res sql.Result
		err error
	)
	switch {
	case delta >= 0:
		res, err = tx.ExecContext(ctx, `UPDATE accounts SET credits = credits + ? WHERE id = ? AND credits <= ?`,
			int64(delta), int64(id), int64(math.MaxInt64-delta))
	case delta > math.MinInt64: // -delta fits
		res, err = tx.ExecContext(ctx, `UPDATE accounts SET credits = credits - ? WHERE id = ? AND credits >= ?`,
			int64(-delta), int64(id), int64(-delta))
	}
	if err != nil {
		return 0, failed(ctx, op, err)
	}
	var changed int64
	if res != nil {
		if changed, err = res.RowsAffected(); err != nil {
			return 0, failed(ctx, op, err)
		}
	}
	var balance int64
	err = tx.QueryRowContext(ctx, `SELECT credits FROM accounts WHERE id = ?`, int64(id)).Scan(&balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, accountNotFound(id)
	}
	if err != nil {
		return 0, failed(ctx, op, err)
	}
	switch {
	case changed == 1:
		return sleuth.Credits(balance), nil
	case changed > 1:
		return 0, sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: %s: %d accounts changed", op, changed)
	case delta < 0:
		return 0, sleuth.Errorf(sleuth.CodeCreditsInsufficient,
			"account %d has %s credits, not enough for a change of %s", id, sleuth.Credits(balance), delta)
	default:
		return 0, invalid("%s: a balance of %s plus %s credits is over the limit", op, sleuth.Credits(balance), delta)
	}
}

// writeLedger records a change of balance; orderID "" is none.
func writeLedger(ctx context.Context, tx *sql.Tx, op string, id sleuth.AccountID, delta, balance sleuth.Credits, reason, orderID string, at int64) error {
	order := sql.NullString{String: orderID, Valid: orderID != ""}
	if _, err := tx.ExecContext(ctx, insertLedger, int64(id), int64(delta), int64(balance), reason, order, at); err != nil {
		return failed(ctx, op, err)
	}
	return nil
}

// CreateKey implements sleuth.AccountStore. It sets k.CreatedAt, and
// k.RevokedAt to nil: a new key is never revoked. The keys of one account
// get strictly increasing CreatedAt (a key made in the same microsecond as
// the account's newest one is dated a microsecond later), so that Keys
// lists them in the order they were made.
func (db *DB) CreateKey(ctx context.Context, k *sleuth.APIKey) error {
	if k == nil {
		return invalid("create key: nil key")
	}
	if k.ID == "" || k.SecretHash == "" {
		return invalid("create key %q: id and secret hash are required", k.ID)
	}
	for _, s := range k.Scopes {
		if !slices.Contains(sleuth.AllScopes, s) {
			return invalid("create key %s: unknown scope %q", k.ID, s)
		}
	}
	if math.IsNaN(k.RatePerSecond) || math.IsInf(k.RatePerSecond, 0) || k.RatePerSecond < 0 || k.Burst < 0 {
		return invalid("create key %s: rate %v and burst %d must be zero or positive", k.ID, k.RatePerSecond, k.Burst)
	}
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	op := "create key " + k.ID
	created := toMicros(now())
	err := db.withTx(ctx, op, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, int64(k.AccountID)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return accountNotFound(k.AccountID)
		}
		if err != nil {
			return failed(ctx, op, err)
		}
		var last sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT MAX(created_at) FROM api_keys WHERE account_id = ?`, int64(k.AccountID)).Scan(&last)
		if err != nil {
			return failed(ctx, op, err)
		}
		if last.Valid && created <= last.Int64 {
			created = last.Int64 + 1
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_keys (`+keyColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
ON CONFLICT (id) DO NOTHING`,
			k.ID, int64(k.AccountID), k.Name, k.SecretHash, strings.Join(scopes, ","),
			k.RatePerSecond, k.Burst, created)
		if err != nil {
			return failed(ctx, op, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return failed(ctx, op, err)
		}
		if n == 0 {
			return invalid("%s: a key with this id exists", op)
		}
		return nil
	})
	if err != nil {
		return err
	}
	k.CreatedAt, k.RevokedAt = fromMicros(created), nil
	return nil
}

// Key implements sleuth.AccountStore.
func (db *DB) Key(ctx context.Context, id string) (*sleuth.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id)
	if err != nil {
		return nil, failed(ctx, "get key", err)
	}
	ks, err := scanKeys(ctx, rows)
	if err != nil {
		return nil, err
	}
	if len(ks) == 0 {
		return nil, keyNotFound(id)
	}
	return ks[0], nil
}

func keyNotFound(id string) error {
	return sleuth.Errorf(sleuth.CodeKeyNotFound, "key %q not found", id)
}

// Keys implements sleuth.AccountStore. An account without keys, or an
// unknown account, has none (and no error).
func (db *DB) Keys(ctx context.Context, account sleuth.AccountID) ([]*sleuth.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE account_id = ?
ORDER BY created_at DESC, id DESC`, int64(account))
	if err != nil {
		return nil, failed(ctx, "list keys", err)
	}
	return scanKeys(ctx, rows)
}

func scanKeys(ctx context.Context, rows *sql.Rows) ([]*sleuth.APIKey, error) {
	defer rows.Close()
	var ks []*sleuth.APIKey
	for rows.Next() {
		var (
			k                sleuth.APIKey
			account, created int64
			scopes           string
			revoked          sql.NullInt64
		)
		err := rows.Scan(&k.ID, &account, &k.Name, &k.SecretHash, &scopes, &k.RatePerSecond, &k.Burst, &created, &revoked)
		if err != nil {
			return nil, failed(ctx, "read key", err)
		}
		k.AccountID, k.CreatedAt = sleuth.AccountID(account), fromMicros(created)
		if scopes != "" {
			for _, s := range strings.Split(scopes, ",") {
				k.Scopes = append(k.Scopes, sleuth.Scope(s))
			}
		}
		if revoked.Valid {
			t := fromMicros(revoked.Int64)
			k.RevokedAt = &t
		}
		ks = append(ks, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "read keys", err)
	}
	return ks, nil
}

// RevokeKey implements sleuth.AccountStore.
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	op := "revoke key " + id
	return db.withTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
			toMicros(now()), id)
		if err != nil {
			return failed(ctx, op, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return failed(ctx, op, err)
		}
		if n > 0 {
			return nil
		}
		// Revoked already, or no such key.
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM api_keys WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return keyNotFound(id)
		}
		if err != nil {
			return failed(ctx, op, err)
		}
		return nil
	})
}

// newOrderID returns a random (version 4) UUID in its canonical text form.
func newOrderID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// Reserve implements sleuth.AccountStore. The order is stored with
// o.Detail as it is, and o.ID, o.Status, o.CreatedAt and o.CompletedAt
// (nil) are set only when it succeeds. A reservation of a non-zero cost
// writes a ledger row naming the order; a free one changes no balance and
// writes none. Errors besides those of the interface:
// sleuth.store.invalid for a nil order, an empty Operation or a negative
// Cost; sleuth.account.not_found.
func (db *DB) Reserve(ctx context.Context, o *sleuth.Order) error {
	if o == nil {
		return invalid("reserve: nil order")
	}
	if o.Operation == "" {
		return invalid("reserve: operation is required")
	}
	if o.Cost < 0 {
		return invalid("reserve %s: negative cost %s", o.Operation, o.Cost)
	}
	id, err := newOrderID()
	if err != nil {
		return sleuth.Errorf(sleuth.CodeStoreFailed, "sqlite: reserve %s: order id: %w", o.Operation, err)
	}
	op := fmt.Sprintf("reserve %s for account %d", o.Operation, o.AccountID)
	created := now()
	at := toMicros(created)
	err = db.withTx(ctx, op, func(tx *sql.Tx) error {
		// Credits first: when they do not cover the cost nothing has been
		// written, and the rollback has nothing to undo.
		balance, err := adjustBalance(ctx, tx, op, o.AccountID, -o.Cost)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO orders (`+orderColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
			id, int64(o.AccountID), o.KeyID, o.Operation, int64(o.Cost), sleuth.OrderReserved, at, o.Detail)
		if err != nil {
			return failed(ctx, op, err)
		}
		if o.Cost == 0 {
			return nil
		}
		return writeLedger(ctx, tx, op, o.AccountID, -o.Cost, balance, "reserve "+o.Operation, id, at)
	})
	if err != nil {
		return err
	}
	o.ID, o.Status, o.CreatedAt, o.CompletedAt = id, sleuth.OrderReserved, created, nil
	return nil
}

// CompleteOrder implements sleuth.AccountStore. It sets the order's
// CompletedAt to now.
func (db *DB) CompleteOrder(ctx context.Context, id, detail string) error {
	op := "complete order " + id
	return db.withTx(ctx, op, func(tx *sql.Tx) error {
		return settleOrder(ctx, tx, op, id, sleuth.OrderCompleted, detail, toMicros(now()))
	})
}

// RefundOrder implements sleuth.AccountStore. It sets the order's
// CompletedAt to now, and writes a ledger row naming the order when its
// cost is not zero.
func (db *DB) RefundOrder(ctx context.Context, id, detail string) error {
	op := "refund order " + id
	at := toMicros(now())
	return db.withTx(ctx, op, func(tx *sql.Tx) error {
		// The status changes first, conditionally, so that an order is
		// refunded once however many refunds race.
		if err := settleOrder(ctx, tx, op, id, sleuth.OrderRefunded, detail, at); err != nil {
			return err
		}
		var (
			account, cost int64
			operation     string
		)
		err := tx.QueryRowContext(ctx, `SELECT account_id, cost, operation FROM orders WHERE id = ?`, id).
			Scan(&account, &cost, &operation)
		if err != nil {
			return failed(ctx, op, err)
		}
		if cost == 0 {
			return nil
		}
		balance, err := adjustBalance(ctx, tx, op, sleuth.AccountID(account), sleuth.Credits(cost))
		if err != nil {
			return err
		}
		return writeLedger(ctx, tx, op, sleuth.AccountID(account), sleuth.Credits(cost), balance, "refund "+operation, id, at)
	})
}

// settleOrder moves a reserved order to status, in tx. Errors:
// sleuth.order.not_found; sleuth.order.state when it is not reserved.
func settleOrder(ctx context.Context, tx *sql.Tx, op, id, status, detail string, at int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, completed_at = ?, detail = ?
WHERE id = ? AND status = ?`, status, at, detail, id, sleuth.OrderReserved)
	if err != nil {
		return failed(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return failed(ctx, op, err)
	}
	if n == 1 {
		return nil
	}
	var was string
	err = tx.QueryRowContext(ctx, `SELECT status FROM orders WHERE id = ?`, id).Scan(&was)
	if errors.Is(err, sql.ErrNoRows) {
		return orderNotFound(id)
	}
	if err != nil {
		return failed(ctx, op, err)
	}
	return sleuth.Errorf(sleuth.CodeOrderState, "order %s is %s, not %s: it cannot be %s", id, was, sleuth.OrderReserved, status)
}

func orderNotFound(id string) error {
	return sleuth.Errorf(sleuth.CodeOrderNotFound, "order %q not found", id)
}

// Order implements sleuth.AccountStore.
func (db *DB) Order(ctx context.Context, id string) (*sleuth.Order, error) {
	var (
		o                      sleuth.Order
		account, cost, created int64
		completed              sql.NullInt64
	)
	err := db.read.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id).
		Scan(&o.ID, &account, &o.KeyID, &o.Operation, &cost, &o.Status, &created, &completed, &o.Detail)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, orderNotFound(id)
	}
	if err != nil {
		return nil, failed(ctx, "get order", err)
	}
	o.AccountID, o.Cost, o.CreatedAt = sleuth.AccountID(account), sleuth.Credits(cost), fromMicros(created)
	if completed.Valid {
		t := fromMicros(completed.Int64)
		o.CompletedAt = &t
	}
	return &o, nil
}

// Usage implements sleuth.AccountStore. Orders and ByOp count every order,
// refunded ones included; Spent sums the cost of those not refunded
// (reserved or completed). ByOp is never nil. An unknown account has no
// orders (and no error).
func (db *DB) Usage(ctx context.Context, account sleuth.AccountID, since time.Time) (*sleuth.Usage, error) {
	u := &sleuth.Usage{ByOp: map[string]int64{}}
	from := toMicros(since)
	err := db.withReadTx(ctx, "usage", func(tx *sql.Tx) error {
		var spent int64
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*),
    COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = ? THEN 0 ELSE cost END), 0)
FROM orders WHERE account_id = ? AND created_at >= ?`,
			sleuth.OrderRefunded, sleuth.OrderRefunded, int64(account), from).Scan(&u.Orders, &u.Refunded, &spent)
		if err != nil {
			return failed(ctx, "usage", err)
		}
		u.Spent = sleuth.Credits(spent)
		rows, err := tx.QueryContext(ctx, `SELECT operation, COUNT(*) FROM orders
WHERE account_id = ? AND created_at >= ? GROUP BY operation`, int64(account), from)
		if err != nil {
			return failed(ctx, "usage", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				operation string
				n         int64
			)
			if err := rows.Scan(&operation, &n); err != nil {
				return failed(ctx, "usage", err)
			}
			u.ByOp[operation] = n
		}
		if err := rows.Err(); err != nil {
			return failed(ctx, "usage", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
