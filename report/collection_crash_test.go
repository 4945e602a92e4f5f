package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/jobs"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// The crash test runs this test binary again as a child
// (TestCollectionCrashChild), which works on the collection report in the
// database named by crashDBEnv until it is killed with SIGKILL.
const crashDBEnv = "SLEUTH_REPORT_CRASH_DB"

// slowJobs delays every commit, so that the parent can kill the child in
// the middle of the report.
type slowJobs struct {
	sleuth.Store
	delay time.Duration
}

func (s slowJobs) CommitJob(ctx context.Context, id sleuth.JobID, owner string, p sleuth.JobProgress) error {
	time.Sleep(s.delay)
	return s.Store.CommitJob(ctx, id, owner, p)
}

// TestCollectionCrashChild is the child of TestCollectionCrash; on its own
// it does nothing.
func TestCollectionCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("the child process of TestCollectionCrash")
	}
	e := openEnvAt(t, path)
	slow := slowJobs{Store: e.db, delay: 15 * time.Millisecond}
	c := &Collections{Reporter: e.rep, Jobs: slow}
	r := jobs.New(slow, jobs.Config{Owner: "child", Lease: 300 * time.Millisecond})
	r.Handle(KindCollection, c.Run)
	fmt.Println("child running")
	r.Run(context.Background()) // until killed
}

// copyFile copies a closed SQLite database.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// comparable is what must not depend on a crash: everything but the id.
func comparable(t *testing.T, st *CollectionStatus) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"status": st.Status, "total_supply": st.TotalSupply, "number_verified": st.NumberVerified,
		"summary": st.Summary, "detail": st.Detail, "progress": st.Progress, "unchecked": st.Unchecked,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCollectionCrash runs a collection report in a child process, kills it
// with SIGKILL half-way, resumes it here, and checks that the result is
// the same as an uninterrupted run's and that no committed work was lost
// or redone.
func TestCollectionCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process; -short")
	}
	const n = 40
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	{
		e := openEnvAt(t, base)
		collectionFixture(e, n, n/2)
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	straightPath, crashPath := filepath.Join(dir, "straight.db"), filepath.Join(dir, "crash.db")
	copyFile(t, base, straightPath)
	copyFile(t, base, crashPath)
	ctx := context.Background()
	req := CollectionRequest{Chain: chain, Contract: "0xcopy"}

	// The uninterrupted run.
	straight := openEnvAt(t, straightPath)
	sc := straight.collections()
	sub, err := sc.Submit(ctx, 1, req, "http://x", false)
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, newRunner(straight, sc))
	want, err := sc.Status(ctx, sub.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if want.Status != StatusDone || want.Summary.Red.Number != n/2 || want.Summary.Reliable.Number != n/2 {
		t.Fatalf("uninterrupted run: %s", mustJSON(t, want.Summary))
	}

	// The run that is killed.
	var jobID sleuth.JobID
	var ref string
	{
		e := openEnvAt(t, crashPath)
		sub, err := e.collections().Submit(ctx, 1, req, "http://x", false)
		if err != nil {
			t.Fatal(err)
		}
		ref = sub.ID
		j, err := e.collections().job(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		jobID = j.ID
		e.db.Close()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCollectionCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+crashPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	watch, err := sqlite.Open(ctx, crashPath)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	for {
		j, err := watch.Job(ctx, jobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Done >= n/4 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the child exited before it was killed (%v):\n%s", err, out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-exited
	killed, err := watch.Job(ctx, jobID)
	if err != nil {
		t.Fatal(err)
	}
	if killed.Done >= n || killed.Status != sleuth.JobRunning || killed.LeaseOwner != "child" {
		t.Fatalf("the kill did not land mid-way: %+v\n%s", killed, out.String())
	}
	before, err := watch.JobItems(ctx, jobID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(before)) != killed.Done {
		t.Fatalf("%d items committed but done = %d", len(before), killed.Done)
	}
	t.Logf("killed the child after %d of %d tokens", killed.Done, n)

	// Resume here once the child's lease runs out.
	e := openEnvAt(t, crashPath)
	c := e.collections()
	r := jobs.New(e.db, jobs.Config{Owner: "heir", Lease: time.Minute})
	r.Handle(KindCollection, c.Run)
	deadline := time.Now().Add(time.Minute)
	for {
		ran, err := r.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ran {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job was never claimed again")
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, err := c.Status(ctx, ref, true)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := comparable(t, got), comparable(t, want); g != w {
		t.Errorf("resumed run differs from the uninterrupted one:\n got %s\nwant %s", g, w)
	}
	j, err := e.db.Job(ctx, jobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != sleuth.JobDone || j.Attempts != 2 || j.Done != n {
		t.Errorf("job after the resume: %+v", j)
	}
	after, err := e.db.JobItems(ctx, jobID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != n {
		t.Fatalf("%d items, want %d", len(after), n)
	}
	for i, it := range before {
		if after[i].Key != it.Key || !bytes.Equal(after[i].Data, it.Data) {
			t.Errorf("committed item %d changed after the resume", i)
		}
	}
}
