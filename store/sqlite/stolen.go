package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sleuthhq/sleuth"
)

var _ sleuth.StolenStore = (*DB)(nil)

const stolenColumns = `id, chain, contract, token_id, status, note, tx_hash, reported_by_account, reported_by_key,
reports, resolution, resolved_by_account, resolved_by_key, created_at, updated_at, resolved_at`

const insertStolenEvent = `INSERT INTO stolen_events (report_id, action, from_status, to_status, account_id, key_id, note, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func stolenNotFound(id sleuth.StolenID) error {
	return sleuth.Errorf(sleuth.CodeStolenNotFound, "stolen report %d not found", id)
}

// ReportStolen implements sleuth.StolenStore.
func (db *DB) ReportStolen(ctx context.Context, r *sleuth.StolenReport, by sleuth.Actor) (bool, error) {
	if r == nil {
		return false, invalid("report stolen: nil report")
	}
	if r.Chain == "" || r.Contract == "" || r.TokenID == "" {
		return false, invalid("report stolen %s/%s/%s: chain, contract and token id are required", r.Chain, r.Contract, r.TokenID)
	}
	at := now()
	op := fmt.Sprintf("report stolen %s/%s/%s", r.Chain, r.Contract, r.TokenID)
	var created bool
	var stored *sleuth.StolenReport
	err := db.withTx(ctx, op, func(tx *sql.Tx) error {
		open, err := scanStolen(tx.QueryRowContext(ctx, `SELECT `+stolenColumns+` FROM stolen_reports
WHERE chain = ? AND contract = ? AND token_id = ? AND status = 'open'`, r.Chain, r.Contract, r.TokenID))
		var id int64
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			err = tx.QueryRowContext(ctx, `INSERT INTO stolen_reports (chain, contract, token_id, status, note, tx_hash,
reported_by_account, reported_by_key, reports, created_at, updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
				r.Chain, r.Contract, r.TokenID, r.Note, r.TxHash, int64(by.AccountID), by.KeyID, toMicros(at), toMicros(at)).Scan(&id)
			if err != nil {
				return failed(ctx, op, err)
			}
			if _, err := tx.ExecContext(ctx, insertStolenEvent, id, sleuth.StolenActionReport, "", sleuth.StolenOpen,
				int64(by.AccountID), by.KeyID, r.Note, toMicros(at)); err != nil {
				return failed(ctx, op, err)
			}
		case err != nil:
			return failed(ctx, op, err)
		default:
			id = int64(open.ID)
			if _, err := tx.ExecContext(ctx, `UPDATE stolen_reports SET reports = reports + 1, updated_at = ? WHERE id = ?`,
				toMicros(at), id); err != nil {
				return failed(ctx, op, err)
			}
			if _, err := tx.ExecContext(ctx, insertStolenEvent, id, sleuth.StolenActionReport, sleuth.StolenOpen, sleuth.StolenOpen,
				int64(by.AccountID), by.KeyID, r.Note, toMicros(at)); err != nil {
				return failed(ctx, op, err)
			}
		}
		stored, err = scanStolen(tx.QueryRowContext(ctx, `SELECT `+stolenColumns+` FROM stolen_reports WHERE id = ?`, id))
		if err != nil {
			return failed(ctx, op, err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	*r = *stored
	return created, nil
}

// StolenReport implements sleuth.StolenStore.
func (db *DB) StolenReport(ctx context.Context, id sleuth.StolenID) (*sleuth.StolenReport, error) {
	var r *sleuth.StolenReport
	err := db.withReadTx(ctx, "get stolen report", func(tx *sql.Tx) error {
		var err error
		r, err = stolenWithEvents(ctx, tx, id)
		return err
	})
	return r, err
}

func stolenWithEvents(ctx context.Context, tx *sql.Tx, id sleuth.StolenID) (*sleuth.StolenReport, error) {
	r, err := scanStolen(tx.QueryRowContext(ctx, `SELECT `+stolenColumns+` FROM stolen_reports WHERE id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, stolenNotFound(id)
	}
	if err != nil {
		return nil, failed(ctx, "get stolen report", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, action, from_status, to_status, account_id, key_id, note, created_at
FROM stolen_events WHERE report_id = ? ORDER BY id`, int64(id))
	if err != nil {
		return nil, failed(ctx, "get stolen events", err)
	}
	defer rows.Close()
	r.Events = []sleuth.StolenEvent{}
	for rows.Next() {
		e := sleuth.StolenEvent{ReportID: id}
		var account, at int64
		if err := rows.Scan(&e.ID, &e.Action, &e.FromStatus, &e.ToStatus, &account, &e.Actor.KeyID, &e.Note, &at); err != nil {
			return nil, failed(ctx, "get stolen events", err)
		}
		e.Actor.AccountID, e.At = sleuth.AccountID(account), fromMicros(at)
		r.Events = append(r.Events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "get stolen events", err)
	}
	return r, nil
}

// OpenStolen implements sleuth.StolenStore.
func (db *DB) OpenStolen(ctx context.Context, k sleuth.NFTKey) (*sleuth.StolenReport, error) {
	r, err := scanStolen(db.read.QueryRowContext(ctx, `SELECT `+stolenColumns+` FROM stolen_reports
WHERE chain = ? AND contract = ? AND token_id = ? AND status = 'open'`, k.Chain, k.Contract, k.TokenID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sleuth.Errorf(sleuth.CodeStolenNotFound, "no open stolen report for %s/%s/%s", k.Chain, k.Contract, k.TokenID)
	}
	if err != nil {
		return nil, failed(ctx, "get open stolen report", err)
	}
	return r, nil
}

// ListStolen implements sleuth.StolenStore.
func (db *DB) ListStolen(ctx context.Context, f sleuth.StolenFilter) ([]*sleuth.StolenReport, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where := []string{"id > ?"}
	args := []any{int64(f.After)}
	for _, c := range []struct{ col, val string }{{"chain", f.Chain}, {"contract", f.Contract}, {"token_id", f.TokenID}, {"status", f.Status}} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, `SELECT `+stolenColumns+` FROM stolen_reports WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, failed(ctx, "list stolen reports", err)
	}
	defer rows.Close()
	out := []*sleuth.StolenReport{}
	for rows.Next() {
		r, err := scanStolen(rows)
		if err != nil {
			return nil, failed(ctx, "list stolen reports", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "list stolen reports", err)
	}
	return out, nil
}

// ResolveStolen implements sleuth.StolenStore.
func (db *DB) ResolveStolen(ctx context.Context, id sleuth.StolenID, resolution, note string, by sleuth.Actor) (*sleuth.StolenReport, error) {
	if strings.TrimSpace(resolution) == "" {
		return nil, invalid("resolve stolen report %d: a resolution is required", id)
	}
	at := now()
	op := fmt.Sprintf("resolve stolen report %d", id)
	var out *sleuth.StolenReport
	err := db.withTx(ctx, op, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM stolen_reports WHERE id = ?`, int64(id)).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return stolenNotFound(id)
		}
		if err != nil {
			return failed(ctx, op, err)
		}
		if status != sleuth.StolenOpen {
			return sleuth.Errorf(sleuth.CodeStolenState, "stolen report %d is %s, not open", id, status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stolen_reports SET status = 'resolved', resolution = ?,
resolved_by_account = ?, resolved_by_key = ?, resolved_at = ?, updated_at = ? WHERE id = ?`,
			resolution, int64(by.AccountID), by.KeyID, toMicros(at), toMicros(at), int64(id)); err != nil {
			return failed(ctx, op, err)
		}
		if _, err := tx.ExecContext(ctx, insertStolenEvent, int64(id), sleuth.StolenActionResolve, sleuth.StolenOpen,
			sleuth.StolenResolved, int64(by.AccountID), by.KeyID, note, toMicros(at)); err != nil {
			return failed(ctx, op, err)
		}
		out, err = stolenWithEvents(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanStolen(row rowScanner) (*sleuth.StolenReport, error) {
	var (
		r                          sleuth.StolenReport
		id, reporter, created, upd int64
		resolverAcct, resolvedAt   sql.NullInt64
		resolverKey                sql.NullString
	)
	err := row.Scan(&id, &r.Chain, &r.Contract, &r.TokenID, &r.Status, &r.Note, &r.TxHash, &reporter, &r.ReportedBy.KeyID,
		&r.Reports, &r.Resolution, &resolverAcct, &resolverKey, &created, &upd, &resolvedAt)
	if err != nil {
		return nil, err
	}
	r.ID, r.ReportedBy.AccountID = sleuth.StolenID(id), sleuth.AccountID(reporter)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(upd)
	if resolverAcct.Valid {
		r.ResolvedBy = &sleuth.Actor{AccountID: sleuth.AccountID(resolverAcct.Int64), KeyID: resolverKey.String}
	}
	if resolvedAt.Valid {
		t := fromMicros(resolvedAt.Int64)
		r.ResolvedAt = &t
	}
	return &r, nil
}

var _ sleuth.TokenIndex = (*DB)(nil)

// NFTsByTokenID implements sleuth.TokenIndex.
func (db *DB) NFTsByTokenID(ctx context.Context, chain, tokenID string) ([]*sleuth.NFTRecord, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+nftColumns+` FROM nft_records r
WHERE r.chain = ? AND r.token_id = ? ORDER BY r.created_at, r.contract`, chain, tokenID)
	if err != nil {
		return nil, failed(ctx, "nfts by token id", err)
	}
	rs, err := scanNFTs(ctx, rows)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []*sleuth.NFTRecord{}
	}
	return rs, nil
}
