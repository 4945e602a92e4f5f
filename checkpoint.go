package sleuth

import (
	"context"
	"time"
)

// CodeCheckpointNotFound is the code of the error CheckpointStore.Checkpoint
// returns for a source that has none yet.
const CodeCheckpointNotFound = "sleuth.checkpoint.not_found"

// ErrCheckpointNotFound is the sentinel of CodeCheckpointNotFound, for
// errors.Is.
var ErrCheckpointNotFound = &Error{Code: CodeCheckpointNotFound, Message: "checkpoint not found"}

// Checkpoint records how far ingestion has got through one source on one
// chain, so that a restart resumes where it stopped.
type Checkpoint struct {
	// Chain is the CAIP-2 chain id ("eip155:1", "solana:…").
	Chain string `json:"chain"`
	// Source names what is ingested on that chain: a contract address, a
	// collection, a file.
	Source string `json:"source"`
	// Block is the last block (or slot) whose every event is stored.
	Block uint64 `json:"block"`
	// Cursor is an opaque position for sources that need more than a
	// block number; "" otherwise.
	Cursor string `json:"cursor,omitempty"`
	// UpdatedAt is when the checkpoint was last written.
	UpdatedAt time.Time `json:"updated_at"`
}

// CheckpointStore keeps ingest checkpoints.
type CheckpointStore interface {
	// PutCheckpoint inserts or replaces the checkpoint (Chain, Source) and
	// sets c.UpdatedAt to now. Errors: sleuth.store.invalid when c is nil,
	// Chain or Source is empty, or Block is over 2^63-1.
	PutCheckpoint(ctx context.Context, c *Checkpoint) error
	// Checkpoint returns the checkpoint of (chain, source), or an error
	// with code sleuth.checkpoint.not_found when there is none.
	Checkpoint(ctx context.Context, chain, source string) (*Checkpoint, error)
}
