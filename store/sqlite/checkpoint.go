package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/sleuthhq/sleuth"
)

const upsertCheckpoint = `INSERT INTO checkpoints (chain, source, block, cursor, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (chain, source) DO UPDATE SET
    block = excluded.block,
    cursor = excluded.cursor,
    updated_at = excluded.updated_at`

// PutCheckpoint implements sleuth.CheckpointStore. It sets c.UpdatedAt to
// now.
func (db *DB) PutCheckpoint(ctx context.Context, c *sleuth.Checkpoint) error {
	if c == nil {
		return invalid("put checkpoint: nil checkpoint")
	}
	if c.Chain == "" || c.Source == "" {
		return invalid("put checkpoint %s/%s: chain and source are required", c.Chain, c.Source)
	}
	if c.Block > math.MaxInt64 {
		return invalid("put checkpoint %s/%s: block %d is over 2^63-1", c.Chain, c.Source, c.Block)
	}
	updated := now()
	op := fmt.Sprintf("put checkpoint %s/%s", c.Chain, c.Source)
	err := db.withTx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, upsertCheckpoint, c.Chain, c.Source, int64(c.Block), c.Cursor, toMicros(updated)); err != nil {
			return failed(ctx, op, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.UpdatedAt = updated
	return nil
}

// Checkpoint implements sleuth.CheckpointStore.
func (db *DB) Checkpoint(ctx context.Context, chain, source string) (*sleuth.Checkpoint, error) {
	c := sleuth.Checkpoint{Chain: chain, Source: source}
	var block, updated int64
	err := db.read.QueryRowContext(ctx, `SELECT block, cursor, updated_at FROM checkpoints WHERE chain = ? AND source = ?`,
		chain, source).Scan(&block, &c.Cursor, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sleuth.Errorf(sleuth.CodeCheckpointNotFound, "checkpoint %s/%s not found", chain, source)
	}
	if err != nil {
		return nil, failed(ctx, "get checkpoint", err)
	}
	c.Block, c.UpdatedAt = uint64(block), fromMicros(updated)
	return &c, nil
}
