package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
)

const jobColumns = `id, kind, account_id, secret, params, status, total, done, cursor, state, error, attempts, lease_owner, lease_until, not_before, created_at, updated_at, finished_at`

// CreateJob implements sleuth.JobStore.
func (db *DB) CreateJob(ctx context.Context, j *sleuth.Job) error {
	if j == nil || j.Kind == "" {
		return invalid("create job: a job needs a kind")
	}
	params := j.Params
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	if !json.Valid(params) {
		return invalid("create job: params are not valid JSON")
	}
	if len(j.State) > 0 && !json.Valid(j.State) {
		return invalid("create job: state is not valid JSON")
	}
	t := now()
	var id int64
	err := db.withTx(ctx, "create job", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO jobs (kind, account_id, secret, params, status, total, state, not_before, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			j.Kind, int64(j.AccountID), j.Secret, string(params), string(sleuth.JobQueued), j.Total,
			nullJSON(j.State), microsOrZero(j.NotBefore), toMicros(t), toMicros(t)).Scan(&id)
		if err != nil {
			return failed(ctx, "create job", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	j.ID, j.Params, j.Status, j.CreatedAt, j.UpdatedAt = sleuth.JobID(id), params, sleuth.JobQueued, t, t
	return nil
}

// Job implements sleuth.JobStore.
func (db *DB) Job(ctx context.Context, id sleuth.JobID) (*sleuth.Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, jobNotFound(id)
	}
	if err != nil {
		return nil, failed(ctx, "get job", err)
	}
	return j, nil
}

func jobNotFound(id sleuth.JobID) error {
	return sleuth.Errorf(sleuth.CodeJobNotFound, "job %d not found", id)
}

func leaseLost(id sleuth.JobID, owner string) error {
	return sleuth.Errorf(sleuth.CodeLeaseLost, "job %d: %s does not hold its lease", id, owner)
}

// ClaimJob implements sleuth.JobStore.
func (db *DB) ClaimJob(ctx context.Context, kinds []string, owner string, lease time.Duration) (*sleuth.Job, error) {
	if len(kinds) == 0 || owner == "" || lease <= 0 {
		return nil, invalid("claim job: kinds, owner and a positive lease are required")
	}
	var claimed *sleuth.Job
	err := db.withTx(ctx, "claim job", func(tx *sql.Tx) error {
		t := now()
		marks := strings.TrimSuffix(strings.Repeat("?,", len(kinds)), ",")
		args := []any{}
		for _, k := range kinds {
			args = append(args, k)
		}
		args = append(args, string(sleuth.JobQueued), toMicros(t), string(sleuth.JobRunning), toMicros(t))
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM jobs
WHERE kind IN (`+marks+`)
  AND ((status = ? AND not_before <= ?) OR (status = ? AND lease_until <= ?))
ORDER BY id LIMIT 1`, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return failed(ctx, "claim job", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET status = ?, lease_owner = ?, lease_until = ?,
attempts = attempts + 1, updated_at = ? WHERE id = ?`,
			string(sleuth.JobRunning), owner, toMicros(t.Add(lease)), toMicros(t), id)
		if err != nil {
			return failed(ctx, "claim job", err)
		}
		claimed, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
		if err != nil {
			return failed(ctx, "claim job", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// held updates a running job only while owner holds it, and fails with
// sleuth.job.lease_lost when it does not. The lease counts as held until
// another owner claims the job, even past lease_until.
func held(ctx context.Context, tx *sql.Tx, op string, id sleuth.JobID, owner, set string, args ...any) error {
	args = append(args, int64(id), owner, string(sleuth.JobRunning))
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET `+set+` WHERE id = ? AND lease_owner = ? AND status = ?`, args...)
	if err != nil {
		return failed(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return failed(ctx, op, err)
	}
	if n == 0 {
		return leaseLost(id, owner)
	}
	return nil
}

// RenewLease implements sleuth.JobStore.
func (db *DB) RenewLease(ctx context.Context, id sleuth.JobID, owner string, lease time.Duration) error {
	t := now()
	return db.withTx(ctx, "renew lease", func(tx *sql.Tx) error {
		return held(ctx, tx, "renew lease", id, owner, `lease_until = ?, updated_at = ?`,
			toMicros(t.Add(lease)), toMicros(t))
	})
}

// CommitJob implements sleuth.JobStore.
func (db *DB) CommitJob(ctx context.Context, id sleuth.JobID, owner string, p sleuth.JobProgress) error {
	if len(p.State) > 0 && !json.Valid(p.State) {
		return invalid("commit job %d: state is not valid JSON", id)
	}
	for _, it := range p.Items {
		if it.Key == "" || !json.Valid(it.Data) {
			return invalid("commit job %d: item %q needs a key and valid JSON data", id, it.Key)
		}
	}
	op := fmt.Sprintf("commit job %d", id)
	return db.withTx(ctx, op, func(tx *sql.Tx) error {
		t := now()
		if err := held(ctx, tx, op, id, owner, `total = ?, done = ?, cursor = ?, state = ?, updated_at = ?`,
			p.Total, p.Done, p.Cursor, nullJSON(p.State), toMicros(t)); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM job_items WHERE job_id = ?`, int64(id)).Scan(&seq); err != nil {
			return failed(ctx, op, err)
		}
		for _, it := range p.Items {
			seq++
			_, err := tx.ExecContext(ctx, `INSERT INTO job_items (job_id, seq, key, data) VALUES (?, ?, ?, ?)`,
				int64(id), seq, it.Key, string(it.Data))
			if err != nil {
				if strings.Contains(err.Error(), "UNIQUE") {
					return invalid("commit job %d: item %q is already committed", id, it.Key)
				}
				return failed(ctx, op, err)
			}
		}
		return nil
	})
}

// FinishJob implements sleuth.JobStore.
func (db *DB) FinishJob(ctx context.Context, id sleuth.JobID, owner string, status sleuth.JobStatus, errMsg string) error {
	if status != sleuth.JobDone && status != sleuth.JobFailed {
		return invalid("finish job %d: status %q is not done or failed", id, status)
	}
	t := now()
	return db.withTx(ctx, "finish job", func(tx *sql.Tx) error {
		return held(ctx, tx, "finish job", id, owner,
			`status = ?, error = ?, lease_owner = '', lease_until = 0, finished_at = ?, updated_at = ?`,
			string(status), errMsg, toMicros(t), toMicros(t))
	})
}

// RetryJob implements sleuth.JobStore.
func (db *DB) RetryJob(ctx context.Context, id sleuth.JobID, owner string, notBefore time.Time, errMsg string) error {
	t := now()
	return db.withTx(ctx, "retry job", func(tx *sql.Tx) error {
		return held(ctx, tx, "retry job", id, owner,
			`status = ?, error = ?, lease_owner = '', lease_until = 0, not_before = ?, updated_at = ?`,
			string(sleuth.JobQueued), errMsg, microsOrZero(notBefore), toMicros(t))
	})
}

// JobItems implements sleuth.JobStore.
func (db *DB) JobItems(ctx context.Context, id sleuth.JobID, after int64, limit int) ([]sleuth.JobItem, error) {
	switch {
	case limit <= 0:
		limit = 1000
	case limit > 10000:
		limit = 10000
	}
	rows, err := db.read.QueryContext(ctx, `SELECT job_id, seq, key, data FROM job_items
WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`, int64(id), after, limit)
	if err != nil {
		return nil, failed(ctx, "job items", err)
	}
	defer rows.Close()
	out := []sleuth.JobItem{}
	for rows.Next() {
		var it sleuth.JobItem
		var jid int64
		var data string
		if err := rows.Scan(&jid, &it.Seq, &it.Key, &data); err != nil {
			return nil, failed(ctx, "job items", err)
		}
		it.JobID, it.Data = sleuth.JobID(jid), json.RawMessage(data)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "job items", err)
	}
	return out, nil
}

// AddJobEvent implements sleuth.JobStore.
func (db *DB) AddJobEvent(ctx context.Context, e *sleuth.JobEvent) error {
	if e == nil || e.Kind == "" {
		return invalid("add job event: an event needs a kind")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	return db.withTx(ctx, "add job event", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_events (job_id, at, kind, ok, detail) VALUES (?, ?, ?, ?, ?)`,
			int64(e.JobID), toMicros(e.At), e.Kind, e.OK, e.Detail)
		if err != nil {
			return failed(ctx, "add job event", err)
		}
		return nil
	})
}

// JobEvents implements sleuth.JobStore.
func (db *DB) JobEvents(ctx context.Context, id sleuth.JobID) ([]sleuth.JobEvent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT job_id, at, kind, ok, detail FROM job_events WHERE job_id = ? ORDER BY id`, int64(id))
	if err != nil {
		return nil, failed(ctx, "job events", err)
	}
	defer rows.Close()
	out := []sleuth.JobEvent{}
	for rows.Next() {
		var e sleuth.JobEvent
		var jid, at int64
		if err := rows.Scan(&jid, &at, &e.Kind, &e.OK, &e.Detail); err != nil {
			return nil, failed(ctx, "job events", err)
		}
		e.JobID, e.At = sleuth.JobID(jid), fromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, failed(ctx, "job events", err)
	}
	return out, nil
}

// ContractNFTs implements sleuth.JobStore.
func (db *DB) ContractNFTs(ctx context.Context, chain, contract, after string, limit int) ([]*sleuth.NFTRecord, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > 10000:
		limit = 10000
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+nftColumns+` FROM nft_records r
WHERE r.chain = ? AND r.contract = ? AND (length(r.token_id) > ? OR (length(r.token_id) = ? AND r.token_id > ?))
ORDER BY length(r.token_id), r.token_id LIMIT ?`, chain, contract, len(after), len(after), after, limit)
	if err != nil {
		return nil, failed(ctx, "contract nfts", err)
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

// CountContractNFTs implements sleuth.JobStore.
func (db *DB) CountContractNFTs(ctx context.Context, chain, contract string) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM nft_records WHERE chain = ? AND contract = ?`, chain, contract).Scan(&n)
	if err != nil {
		return 0, failed(ctx, "count contract nfts", err)
	}
	return n, nil
}

func scanJob(row *sql.Row) (*sleuth.Job, error) {
	var (
		j                                            sleuth.Job
		id, account                                  int64
		params, status                               string
		state                                        sql.NullString
		leaseUntil, notBefore, created, updated, fin int64
	)
	err := row.Scan(&id, &j.Kind, &account, &j.Secret, &params, &status, &j.Total, &j.Done, &j.Cursor,
		&state, &j.Error, &j.Attempts, &j.LeaseOwner, &leaseUntil, &notBefore, &created, &updated, &fin)
	if err != nil {
		return nil, err
	}
	j.ID, j.AccountID, j.Params, j.Status = sleuth.JobID(id), sleuth.AccountID(account), json.RawMessage(params), sleuth.JobStatus(status)
	if state.Valid {
		j.State = json.RawMessage(state.String)
	}
	j.LeaseUntil, j.NotBefore = zeroOr(leaseUntil), zeroOr(notBefore)
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = fromMicros(created), fromMicros(updated), zeroOr(fin)
	return &j, nil
}

// zeroOr reads a time column where 0 means unset.
func zeroOr(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return fromMicros(us)
}

// microsOrZero writes a time column where 0 means unset.
func microsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return toMicros(t)
}

func nullJSON(b json.RawMessage) sql.NullString {
	if len(b) == 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: string(b), Valid: true}
}
