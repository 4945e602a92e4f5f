package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queue(t *testing.T, st sleuth.JobStore, kind string) *sleuth.Job {
	t.Helper()
	j := &sleuth.Job{Kind: kind, Params: json.RawMessage(`{}`)}
	if err := st.CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

func get(t *testing.T, st sleuth.JobStore, id sleuth.JobID) *sleuth.Job {
	t.Helper()
	j, err := st.Job(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// counting is a handler that commits items 1..n from where the job stopped.
func counting(n int) Handler {
	return func(ctx context.Context, w *Work) error {
		for i := w.Job.Done + 1; i <= int64(n); i++ {
			err := w.Commit(ctx, sleuth.JobProgress{Total: int64(n), Done: i, Cursor: fmt.Sprint(i),
				Items: []sleuth.JobItem{{Key: fmt.Sprint(i), Data: json.RawMessage(`{}`)}}})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

func TestRunOnce(t *testing.T) {
	db := openStore(t)
	r := New(db, Config{})
	r.Handle("count", counting(3))
	ctx := context.Background()
	if ran, err := r.RunOnce(ctx); ran || err != nil {
		t.Fatalf("RunOnce on an empty queue = %v, %v", ran, err)
	}
	j := queue(t, db, "count")
	other := queue(t, db, "unhandled")
	if ran, err := r.RunOnce(ctx); !ran || err != nil {
		t.Fatalf("RunOnce = %v, %v", ran, err)
	}
	got := get(t, db, j.ID)
	if got.Status != sleuth.JobDone || got.Done != 3 || got.Cursor != "3" || got.Attempts != 1 {
		t.Errorf("job = %+v", got)
	}
	if ran, _ := r.RunOnce(ctx); ran {
		t.Error("a job of a kind without a handler was run")
	}
	if get(t, db, other.ID).Status != sleuth.JobQueued {
		t.Error("the other kind's job was touched")
	}
}

func TestRetryAndFailure(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		failures     int  // the handler fails its first `failures` attempts
		permanent    bool // with a Permanent error
		maxAttempts  int  //
		wantStatus   sleuth.JobStatus
		wantAttempts int
	}{
		{"succeeds on the third attempt", 2, false, 5, sleuth.JobDone, 3},
		{"runs out of attempts", 10, false, 2, sleuth.JobFailed, 2},
		{"permanent error", 10, true, 5, sleuth.JobFailed, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openStore(t)
			r := New(db, Config{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxAttempts: tc.maxAttempts})
			var calls atomic.Int32
			r.Handle("flaky", func(ctx context.Context, w *Work) error {
				if int(calls.Add(1)) <= tc.failures {
					err := errors.New("gateway down")
					if tc.permanent {
						err = Permanent(err)
					}
					return err
				}
				return counting(2)(ctx, w)
			})
			j := queue(t, db, "flaky")
			for i := 0; i < 100; i++ {
				if got := get(t, db, j.ID); got.Status == sleuth.JobDone || got.Status == sleuth.JobFailed {
					break
				}
				if _, err := r.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(3 * time.Millisecond) // past the backoff
			}
			got := get(t, db, j.ID)
			if got.Status != tc.wantStatus || got.Attempts != tc.wantAttempts {
				t.Errorf("job = status %s attempts %d, want %s %d", got.Status, got.Attempts, tc.wantStatus, tc.wantAttempts)
			}
			if tc.wantStatus == sleuth.JobFailed && got.Error != "gateway down" {
				t.Errorf("error = %q", got.Error)
			}
			evs, err := db.JobEvents(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(tc.failures, tc.wantAttempts); len(evs) != want {
				t.Errorf("%d error events, want %d", len(evs), want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	r := New(nil, Config{Backoff: time.Second, MaxBackoff: 10 * time.Second})
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		if got := r.backoff(attempt); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}

// stalled never renews its leases, like a worker frozen past its lease.
type stalled struct{ *sqlite.DB }

func (stalled) RenewLease(context.Context, sleuth.JobID, string, time.Duration) error { return nil }

func TestLeaseLost(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	j := queue(t, db, "slow")
	r := New(stalled{db}, Config{Owner: "frozen", Lease: 30 * time.Millisecond})
	stolen := make(chan struct{})
	var commitErr error
	r.Handle("slow", func(ctx context.Context, w *Work) error {
		<-stolen
		commitErr = w.Commit(ctx, sleuth.JobProgress{Done: 1})
		return commitErr
	})
	go func() {
		defer close(stolen)
		for {
			time.Sleep(10 * time.Millisecond)
			got, err := db.ClaimJob(ctx, []string{"slow"}, "heir", time.Minute)
			if err != nil || got != nil {
				return
			}
		}
	}()
	if ran, err := r.RunOnce(ctx); !ran || err != nil {
		t.Fatalf("RunOnce = %v, %v", ran, err)
	}
	if sleuth.ErrorCode(commitErr) != sleuth.CodeLeaseLost {
		t.Errorf("commit after the lease was taken: %v", commitErr)
	}
	got := get(t, db, j.ID)
	if got.LeaseOwner != "heir" || got.Status != sleuth.JobRunning || got.Done != 0 {
		t.Errorf("job = %+v; want it still the heir's, untouched", got)
	}
}

// TestHeartbeat: a job that runs for many lease periods keeps its lease.
func TestHeartbeat(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	queue(t, db, "long")
	r := New(db, Config{Owner: "busy", Lease: 300 * time.Millisecond})
	var stolen atomic.Bool
	r.Handle("long", func(ctx context.Context, w *Work) error {
		for i := 0; i < 10; i++ {
			time.Sleep(100 * time.Millisecond)
			if got, err := db.ClaimJob(ctx, []string{"long"}, "thief", time.Minute); err != nil || got != nil {
				stolen.Store(true)
			}
		}
		return nil
	})
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if stolen.Load() {
		t.Error("the job was claimed by another worker while its lease was being renewed")
	}
}

func TestShutdown(t *testing.T) {
	db := openStore(t)
	j := queue(t, db, "wait")
	ctx, cancel := context.WithCancel(context.Background())
	r := New(db, Config{Poll: time.Millisecond})
	started := make(chan struct{})
	r.Handle("wait", func(ctx context.Context, w *Work) error {
		if err := w.Commit(ctx, sleuth.JobProgress{Total: 2, Done: 1, Cursor: "1"}); err != nil {
			return err
		}
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	got := get(t, db, j.ID)
	if got.Status != sleuth.JobQueued || got.Done != 1 || !strings.Contains(got.Error, "shutdown") || !got.NotBefore.IsZero() {
		t.Errorf("job after shutdown = %+v; want queued at once with its progress", got)
	}
}

func TestWake(t *testing.T) {
	db := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := New(db, Config{Poll: time.Hour})
	ran := make(chan struct{}, 1)
	r.Handle("x", func(ctx context.Context, w *Work) error { ran <- struct{}{}; return nil })
	go r.Run(ctx)
	time.Sleep(10 * time.Millisecond) // let Run go idle
	queue(t, db, "x")
	r.Wake()
	select {
	case <-ran:
	case <-time.After(30 * time.Second):
		t.Fatal("Wake did not start the queued job (the poll is an hour)")
	}
}
