package sleuth

import (
	"context"
	"encoding/json"
	"time"
)

// JobID identifies a background job: positive, assigned in increasing order.
type JobID int64

// JobStatus is where a job is in its life.
type JobStatus string

// Job statuses. A job goes queued -> running -> done or failed; a running
// job whose lease expires (its worker died) is claimed again and resumes
// from its last committed progress.
const (
	JobQueued  JobStatus = "queued"
	JobRunning JobStatus = "running"
	JobDone    JobStatus = "done"
	JobFailed  JobStatus = "failed"
)

// Job is one unit of background work (a collection report), kept in the
// store so that it survives restarts: whoever holds its lease works on it
// and commits its progress as it goes.
type Job struct {
	ID JobID `json:"id"`
	// Kind names the handler that runs it ("collection_report").
	Kind string `json:"kind"`
	// AccountID is the account that asked for it (0: an operator).
	AccountID AccountID `json:"account_id,omitempty"`
	// Secret is a random string that, with the ID, makes the job's public
	// reference (ID-Secret) hard to guess.
	Secret string `json:"-"`
	// Params is the request, as the handler reads it.
	Params json.RawMessage `json:"params"`
	Status JobStatus       `json:"status"`
	// Total and Done count the job's items (tokens); Cursor is where the
	// handler resumes (the last committed item's key); State is the
	// handler's running aggregate (the summary so far).
	Total  int64           `json:"total"`
	Done   int64           `json:"done"`
	Cursor string          `json:"cursor,omitempty"`
	State  json.RawMessage `json:"state,omitempty"`
	// Error says why a failed job failed.
	Error string `json:"error,omitempty"`
	// Attempts counts the claims of the job.
	Attempts int `json:"attempts"`
	// LeaseOwner holds the job until LeaseUntil; a job whose lease has
	// expired may be claimed by anyone. NotBefore delays a queued job (a
	// retry with backoff).
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until"`
	NotBefore  time.Time `json:"not_before"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// JobItem is one committed result of a job (one token's report), in the
// order the job made them.
type JobItem struct {
	JobID JobID `json:"job_id"`
	// Seq is 1, 2, ... in commit order.
	Seq int64 `json:"seq"`
	// Key names the item (a token id); unique within the job.
	Key  string          `json:"key"`
	Data json.RawMessage `json:"data"`
}

// JobProgress is what a worker commits: the new counters, cursor and state,
// and the items made since the last commit.
type JobProgress struct {
	Total  int64
	Done   int64
	Cursor string
	State  json.RawMessage
	Items  []JobItem
}

// JobEvent is a record of something that happened to a job: a webhook
// delivery attempt, an email, a failure.
type JobEvent struct {
	JobID JobID     `json:"job_id"`
	At    time.Time `json:"at"`
	// Kind is "webhook", "email", "error", ...
	Kind string `json:"kind"`
	// OK is whether it succeeded; Detail says what happened (the status
	// code, the error).
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// JobStore keeps background jobs and their leases.
//
// Leases make work safe across processes: ClaimJob hands a job to one
// owner until a deadline, the owner extends it with RenewLease while it
// works, and every write of an owner (CommitJob, FinishJob, RetryJob) fails
// with sleuth.job.lease_lost once another owner has claimed the job, so
// that a worker that stalled past its lease cannot overwrite its successor.
type JobStore interface {
	// CreateJob inserts j as queued and sets j.ID, j.Status, j.CreatedAt
	// and j.UpdatedAt. Errors: sleuth.store.invalid when Kind is empty or
	// Params is not valid JSON.
	CreateJob(ctx context.Context, j *Job) error
	// Job returns one job, or sleuth.job.not_found.
	Job(ctx context.Context, id JobID) (*Job, error)
	// ClaimJob gives owner the oldest job of one of kinds that is queued
	// (and past its NotBefore) or running with an expired lease, marks it
	// running with a lease until now+lease and counts an attempt. It
	// returns nil and no error when there is none.
	ClaimJob(ctx context.Context, kinds []string, owner string, lease time.Duration) (*Job, error)
	// RenewLease extends owner's lease on job id to now+lease. Errors:
	// sleuth.job.lease_lost when owner does not hold a running job id.
	RenewLease(ctx context.Context, id JobID, owner string, lease time.Duration) error
	// CommitJob writes p in one transaction: the items (appended with the
	// next Seq numbers) and the counters, cursor and state. Errors:
	// sleuth.job.lease_lost; sleuth.store.invalid when an item's Key is
	// already in the job or State or an item's Data is not valid JSON.
	CommitJob(ctx context.Context, id JobID, owner string, p JobProgress) error
	// FinishJob ends a job held by owner as done or failed, with errMsg for
	// a failure, and drops the lease. Errors: sleuth.job.lease_lost;
	// sleuth.store.invalid for another status.
	FinishJob(ctx context.Context, id JobID, owner string, status JobStatus, errMsg string) error
	// RetryJob puts a job held by owner back in the queue, not to be
	// claimed before notBefore, and records errMsg. Errors:
	// sleuth.job.lease_lost.
	RetryJob(ctx context.Context, id JobID, owner string, notBefore time.Time, errMsg string) error
	// JobItems returns up to limit items of job id with Seq > after, in Seq
	// order (limit <= 0: 1000, capped at 10000).
	JobItems(ctx context.Context, id JobID, after int64, limit int) ([]JobItem, error)
	// AddJobEvent records e (At is set to now when zero).
	AddJobEvent(ctx context.Context, e *JobEvent) error
	// JobEvents returns the events of job id, oldest first.
	JobEvents(ctx context.Context, id JobID) ([]JobEvent, error)

	// ContractNFTs returns up to limit records of (chain, contract) whose
	// token id comes after `after` in token order: shorter ids first, then
	// by text, which is numeric order for decimal token ids (limit <= 0:
	// 100, capped at 10000). The collection report walks a contract with it.
	ContractNFTs(ctx context.Context, chain, contract, after string, limit int) ([]*NFTRecord, error)
	// CountContractNFTs returns how many records (chain, contract) has.
	CountContractNFTs(ctx context.Context, chain, contract string) (int64, error)
}

// Error codes of jobs.
const (
	CodeJobNotFound = "sleuth.job.not_found"  // 404
	CodeLeaseLost   = "sleuth.job.lease_lost" // 409: another worker holds the job now
)
