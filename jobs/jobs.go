// Package jobs runs background work that survives restarts: jobs kept in
// the store (sleuth.JobStore), claimed by one worker at a time under a
// lease.
//
// A Runner polls the store for jobs of the kinds it has handlers for,
// claims one with a lease (ClaimJob), keeps the lease alive with a
// heartbeat while the handler works, and ends the job as done, retries it
// later with exponential backoff, or fails it. A handler commits its
// progress as it goes (Work.Commit): whatever was committed stays, and when
// the process dies (kill -9, a crash, a lost node) the lease runs out and
// the next claim (a restarted process, or another node on the same
// database) resumes from the last commit. Every write under a lease checks
// that the lease is still held (sleuth.job.lease_lost otherwise), so a
// worker that stalled past its lease cannot overwrite its successor.
//
// Delivery is at least once per item between commits: work done after the
// last commit is done again after a crash. Handlers make each commit cover
// what they did since the previous one, so a resumed job ends with the same
// result as an uninterrupted one.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sleuthhq/sleuth"
)

// Defaults of Config.
const (
	DefaultLease       = 30 * time.Second
	DefaultPoll        = time.Second
	DefaultMaxAttempts = 5
	DefaultBackoff     = 5 * time.Second
	DefaultMaxBackoff  = 10 * time.Minute
)

// Config tunes a Runner. Zero fields take the defaults.
type Config struct {
	// Owner names this worker in leases ("host-pid-random").
	Owner string
	// Lease is how long a claim lasts without a heartbeat (30 s); the
	// heartbeat renews it every Lease/3. A dead worker's job is resumed
	// by another about Lease after it died.
	Lease time.Duration
	// Poll is how often an idle runner looks for work (1 s); Wake cuts
	// the wait short.
	Poll time.Duration
	// MaxAttempts is how many claims a job gets before a failing handler
	// fails it for good (5).
	MaxAttempts int
	// Backoff is the delay before the first retry, doubled at each attempt
	// up to MaxBackoff (5 s, 10 min).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Logger receives progress and errors (discarded when nil).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		c.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Handler does a job's work. It reads w.Job (Cursor, Done, State say where
// a resumed job stopped), commits progress with w.Commit, and returns nil
// when the job is complete. An error marked with Permanent fails the job at
// once; any other is retried with backoff until Config.MaxAttempts. When
// ctx is cancelled (shutdown, or the lease was lost) it returns promptly.
type Handler func(ctx context.Context, w *Work) error

// Work is a claimed job and the means to record its progress.
type Work struct {
	// Job is the job as claimed, updated by every Commit.
	Job   *sleuth.Job
	store sleuth.JobStore
	owner string
}

// Commit writes progress in one transaction (see sleuth.JobStore.CommitJob)
// and updates w.Job. Errors: sleuth.job.lease_lost when another worker has
// taken the job (the handler must stop); the store's.
func (w *Work) Commit(ctx context.Context, p sleuth.JobProgress) error {
	if err := w.store.CommitJob(ctx, w.Job.ID, w.owner, p); err != nil {
		return err
	}
	w.Job.Total, w.Job.Done, w.Job.Cursor, w.Job.State = p.Total, p.Done, p.Cursor, p.State
	return nil
}

// Event records something that happened to the job (a webhook delivery, an
// email); a failure to record it is returned.
func (w *Work) Event(ctx context.Context, kind string, ok bool, detail string) error {
	return w.store.AddJobEvent(ctx, &sleuth.JobEvent{JobID: w.Job.ID, Kind: kind, OK: ok, Detail: detail})
}

// permanent marks an error that must not be retried.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err so that the job fails without retries.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Runner claims and runs jobs. Register handlers with Handle before Run.
type Runner struct {
	store    sleuth.JobStore
	cfg      Config
	log      *slog.Logger
	mu       sync.Mutex
	handlers map[string]Handler
	wake     chan struct{}
}

// New returns a Runner over store.
func New(store sleuth.JobStore, cfg Config) *Runner {
	cfg = cfg.withDefaults()
	return &Runner{store: store, cfg: cfg, log: cfg.Logger, handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
}

// Owner returns the name this runner claims leases under.
func (r *Runner) Owner() string { return r.cfg.Owner }

// Handle registers h for jobs of kind.
func (r *Runner) Handle(kind string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[kind] = h
}

func (r *Runner) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ks := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		ks = append(ks, k)
	}
	return ks
}

// Wake makes an idle Run look for work now (call it after queueing a job).
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works on jobs, one at a time, until ctx is done. A job in progress
// at shutdown is put back in the queue (its committed progress kept) for
// the next start. It returns ctx's error.
func (r *Runner) Run(ctx context.Context) error {
	for {
		ran, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error("jobs: claiming work", "err", err)
		}
		if ran && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		case <-time.After(r.cfg.Poll):
		}
	}
}

// RunOnce claims one job and runs it to its end (done, retry or failure).
// ran is false when there was no job to claim. The error is a failure to
// claim or to record the outcome, not the handler's (which goes in the
// job).
func (r *Runner) RunOnce(ctx context.Context) (ran bool, err error) {
	kinds := r.kinds()
	if len(kinds) == 0 {
		return false, nil
	}
	j, err := r.store.ClaimJob(ctx, kinds, r.cfg.Owner, r.cfg.Lease)
	if err != nil || j == nil {
		return false, err
	}
	r.mu.Lock()
	h := r.handlers[j.Kind]
	r.mu.Unlock()
	log := r.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	log.Info("jobs: claimed", "done", j.Done, "total", j.Total)

	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		r.heartbeat(hctx, cancel, j.ID, log)
	}()
	w := &Work{Job: j, store: r.store, owner: r.cfg.Owner}
	herr := h(hctx, w)
	cause := context.Cause(hctx)
	cancel(nil)
	<-beat

	// Outcomes are recorded even when ctx is done (shutdown).
	octx := context.WithoutCancel(ctx)
	switch {
	case errors.Is(cause, errLeaseLost) || sleuth.ErrorCode(herr) == sleuth.CodeLeaseLost:
		log.Warn("jobs: lease lost; another worker has the job")
		return true, nil
	case herr == nil:
		log.Info("jobs: done", "done", w.Job.Done, "total", w.Job.Total)
		return true, r.store.FinishJob(octx, j.ID, r.cfg.Owner, sleuth.JobDone, "")
	case ctx.Err() != nil:
		// Shutdown: back in the queue at once, for the next start.
		log.Info("jobs: stopping; the job resumes at the next start", "done", w.Job.Done)
		return true, r.store.RetryJob(octx, j.ID, r.cfg.Owner, time.Time{}, "interrupted by shutdown")
	case IsPermanent(herr) || j.Attempts >= r.cfg.MaxAttempts:
		log.Error("jobs: failed", "err", herr)
		r.store.AddJobEvent(octx, &sleuth.JobEvent{JobID: j.ID, Kind: "error", Detail: herr.Error()})
		return true, r.store.FinishJob(octx, j.ID, r.cfg.Owner, sleuth.JobFailed, herr.Error())
	default:
		delay := r.backoff(j.Attempts)
		log.Warn("jobs: will retry", "err", herr, "in", delay)
		r.store.AddJobEvent(octx, &sleuth.JobEvent{JobID: j.ID, Kind: "error", Detail: herr.Error()})
		return true, r.store.RetryJob(octx, j.ID, r.cfg.Owner, time.Now().Add(delay), herr.Error())
	}
}

var errLeaseLost = errors.New("jobs: lease lost")

// heartbeat renews the lease every Lease/3 until ctx is done; when the
// lease is lost it cancels the handler.
func (r *Runner) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, id sleuth.JobID, log *slog.Logger) {
	t := time.NewTicker(r.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := r.store.RenewLease(ctx, id, r.cfg.Owner, r.cfg.Lease)
		if sleuth.ErrorCode(err) == sleuth.CodeLeaseLost {
			cancel(errLeaseLost)
			return
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("jobs: renewing the lease", "err", err)
		}
	}
}

// backoff is the delay before retrying after the n-th attempt.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.cfg.Backoff
	for i := 1; i < attempt && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxBackoff)
}
