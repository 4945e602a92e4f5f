package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// RunJobs runs the suite of sleuth.JobStore: jobs, leases, committed items,
// events and the walk of a contract's tokens. open must return a new,
// empty store each time; RunJobs closes it when the subtest ends.
//
// Besides the contracts written on JobStore, it checks choices the
// collection report relies on: a lease counts as held by its owner until
// another owner claims the job (even past LeaseUntil); ClaimJob takes the
// oldest claimable job first; CommitJob is all or nothing (a duplicate item
// key leaves counters, state and items as they were).
func RunJobs(t *testing.T, open func(t *testing.T) sleuth.JobStore) {
	s := &jobSuite{open: open}
	t.Run("CreateAndGet", s.testCreateAndGet)
	t.Run("Claim", s.testClaim)
	t.Run("LeaseExpiry", s.testLeaseExpiry)
	t.Run("Commit", s.testCommit)
	t.Run("FinishAndRetry", s.testFinishAndRetry)
	t.Run("Events", s.testEvents)
}

// RunContractNFTs checks JobStore.ContractNFTs and CountContractNFTs on a
// store that also keeps NFT records.
func RunContractNFTs(t *testing.T, open func(t *testing.T) sleuth.Store, jobs func(sleuth.Store) sleuth.JobStore) {
	ctx := context.Background()
	st := open(t)
	t.Cleanup(func() { st.Close() })
	js := jobs(st)
	ids := []string{"10", "2", "1", "100", "33", "9"}
	for _, id := range ids {
		r := &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xabc", TokenID: id, CreatedAt: time.Unix(int64(len(id)), 0).UTC()}
		if err := st.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	other := &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xother", TokenID: "5"}
	if err := st.PutNFT(ctx, other); err != nil {
		t.Fatal(err)
	}
	n, err := js.CountContractNFTs(ctx, "eip155:1", "0xabc")
	if err != nil || n != 6 {
		t.Fatalf("CountContractNFTs = %d, %v; want 6", n, err)
	}
	var got []string
	after := ""
	for {
		page, err := js.ContractNFTs(ctx, "eip155:1", "0xabc", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d records, limit 2", len(page))
		}
		for _, r := range page {
			got = append(got, r.TokenID)
			after = r.TokenID
		}
	}
	want := []string{"1", "2", "9", "10", "33", "100"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("walk = %v, want %v (numeric order)", got, want)
	}
	none, err := js.ContractNFTs(ctx, "eip155:1", "0xnone", "", 0)
	if err != nil || len(none) != 0 {
		t.Errorf("unknown contract: %d records, %v", len(none), err)
	}
}

type jobSuite struct {
	open func(t *testing.T) sleuth.JobStore
}

func (s *jobSuite) store(t *testing.T) sleuth.JobStore {
	st := s.open(t)
	if c, ok := st.(interface{ Close() error }); ok {
		t.Cleanup(func() { c.Close() })
	}
	return st
}

func newJob(t *testing.T, st sleuth.JobStore, kind string) *sleuth.Job {
	t.Helper()
	j := &sleuth.Job{Kind: kind, AccountID: 7, Secret: "s3cret", Params: json.RawMessage(`{"contract":"0xabc"}`), Total: 3}
	if err := st.CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := sleuth.ErrorCode(err); err == nil || got != code {
		t.Errorf("%s: error %v (code %s), want code %s", what, err, got, code)
	}
}

func (s *jobSuite) testCreateAndGet(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	j := newJob(t, st, "report")
	if j.ID <= 0 || j.Status != sleuth.JobQueued || j.CreatedAt.IsZero() {
		t.Fatalf("created job = %+v", j)
	}
	got, err := st.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "report" || got.AccountID != 7 || got.Secret != "s3cret" || got.Total != 3 ||
		got.Status != sleuth.JobQueued || !got.CreatedAt.Equal(j.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("Job = %+v, want what was created", got)
	}
	var p map[string]string
	if err := json.Unmarshal(got.Params, &p); err != nil || p["contract"] != "0xabc" {
		t.Errorf("params = %s", got.Params)
	}
	_, err = st.Job(ctx, j.ID+100)
	wantCode(t, "unknown job", err, sleuth.CodeJobNotFound)
	wantCode(t, "no kind", st.CreateJob(ctx, &sleuth.Job{}), sleuth.CodeStoreInvalid)
	wantCode(t, "bad params", st.CreateJob(ctx, &sleuth.Job{Kind: "x", Params: json.RawMessage("{")}), sleuth.CodeStoreInvalid)
	j2 := newJob(t, st, "report")
	if j2.ID <= j.ID {
		t.Errorf("second job id %d not after %d", j2.ID, j.ID)
	}
}

func (s *jobSuite) testClaim(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	none, err := st.ClaimJob(ctx, []string{"report"}, "w1", time.Minute)
	if err != nil || none != nil {
		t.Fatalf("claim from empty store = %v, %v; want nil, nil", none, err)
	}
	a := newJob(t, st, "report")
	newJob(t, st, "other")
	b := newJob(t, st, "report")
	got, err := st.ClaimJob(ctx, []string{"report"}, "w1", time.Minute)
	if err != nil || got == nil || got.ID != a.ID {
		t.Fatalf("first claim = %+v, %v; want job %d", got, err, a.ID)
	}
	if got.Status != sleuth.JobRunning || got.LeaseOwner != "w1" || got.Attempts != 1 || !got.LeaseUntil.After(time.Now()) {
		t.Errorf("claimed job = %+v", got)
	}
	got2, err := st.ClaimJob(ctx, []string{"report"}, "w2", time.Minute)
	if err != nil || got2 == nil || got2.ID != b.ID {
		t.Fatalf("second claim = %+v, %v; want job %d (the first is leased)", got2, err, b.ID)
	}
	got3, err := st.ClaimJob(ctx, []string{"report"}, "w3", time.Minute)
	if err != nil || got3 != nil {
		t.Fatalf("third claim = %+v, %v; want none", got3, err)
	}
	if err := st.RenewLease(ctx, a.ID, "w1", time.Hour); err != nil {
		t.Errorf("renew by owner: %v", err)
	}
	wantCode(t, "renew by another", st.RenewLease(ctx, a.ID, "w2", time.Hour), sleuth.CodeLeaseLost)
	_, err = st.ClaimJob(ctx, nil, "w1", time.Minute)
	wantCode(t, "claim without kinds", err, sleuth.CodeStoreInvalid)
}

func (s *jobSuite) testLeaseExpiry(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	j := newJob(t, st, "report")
	if _, err := st.ClaimJob(ctx, []string{"report"}, "dead", time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if err := st.CommitJob(ctx, j.ID, "dead", sleuth.JobProgress{Total: 3, Done: 1, Cursor: "1",
		Items: []sleuth.JobItem{{Key: "1", Data: json.RawMessage(`{"n":1}`)}}}); err != nil {
		t.Fatalf("commit by the holder of an expired, unclaimed lease: %v", err)
	}
	time.Sleep(2 * time.Millisecond) // past the lease
	got, err := st.ClaimJob(ctx, []string{"report"}, "heir", time.Minute)
	if err != nil || got == nil || got.ID != j.ID {
		t.Fatalf("claim after expiry = %+v, %v", got, err)
	}
	if got.Attempts != 2 || got.Done != 1 || got.Cursor != "1" {
		t.Errorf("reclaimed job = %+v; want attempts 2 and the committed progress", got)
	}
	wantCode(t, "commit by the old owner", st.CommitJob(ctx, j.ID, "dead", sleuth.JobProgress{Done: 2}), sleuth.CodeLeaseLost)
	wantCode(t, "finish by the old owner", st.FinishJob(ctx, j.ID, "dead", sleuth.JobDone, ""), sleuth.CodeLeaseLost)
	wantCode(t, "retry by the old owner", st.RetryJob(ctx, j.ID, "dead", time.Time{}, "x"), sleuth.CodeLeaseLost)
	if err := st.CommitJob(ctx, j.ID, "heir", sleuth.JobProgress{Total: 3, Done: 2, Cursor: "2",
		Items: []sleuth.JobItem{{Key: "2", Data: json.RawMessage(`{"n":2}`)}}}); err != nil {
		t.Fatal(err)
	}
	items, err := st.JobItems(ctx, j.ID, 0, 0)
	if err != nil || len(items) != 2 || items[0].Key != "1" || items[1].Key != "2" || items[1].Seq != 2 {
		t.Errorf("items = %+v, %v", items, err)
	}
}

func (s *jobSuite) testCommit(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	j := newJob(t, st, "report")
	if _, err := st.ClaimJob(ctx, []string{"report"}, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	var items []sleuth.JobItem
	for i := 1; i <= 5; i++ {
		items = append(items, sleuth.JobItem{Key: fmt.Sprint(i), Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))})
	}
	if err := st.CommitJob(ctx, j.ID, "w", sleuth.JobProgress{Total: 5, Done: 5, Cursor: "5",
		State: json.RawMessage(`{"red":1}`), Items: items}); err != nil {
		t.Fatal(err)
	}
	// A duplicate key fails the whole commit.
	err := st.CommitJob(ctx, j.ID, "w", sleuth.JobProgress{Total: 5, Done: 6, Cursor: "6",
		Items: []sleuth.JobItem{{Key: "6", Data: json.RawMessage(`{}`)}, {Key: "3", Data: json.RawMessage(`{}`)}}})
	wantCode(t, "duplicate key", err, sleuth.CodeStoreInvalid)
	wantCode(t, "bad data", st.CommitJob(ctx, j.ID, "w", sleuth.JobProgress{Items: []sleuth.JobItem{{Key: "7", Data: json.RawMessage(`{`)}}}), sleuth.CodeStoreInvalid)
	got, err := st.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Done != 5 || got.Cursor != "5" || string(got.State) != `{"red":1}` {
		t.Errorf("job after a failed commit = done %d cursor %q state %s; want the last good commit", got.Done, got.Cursor, got.State)
	}
	page1, err := st.JobItems(ctx, j.ID, 0, 2)
	if err != nil || len(page1) != 2 {
		t.Fatalf("page 1 = %v, %v", page1, err)
	}
	rest, err := st.JobItems(ctx, j.ID, page1[1].Seq, 0)
	if err != nil || len(rest) != 3 || rest[0].Key != "3" {
		t.Fatalf("rest = %+v, %v", rest, err)
	}
	var d map[string]int
	if err := json.Unmarshal(rest[2].Data, &d); err != nil || d["i"] != 5 {
		t.Errorf("item data = %s", rest[2].Data)
	}
}

func (s *jobSuite) testFinishAndRetry(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	j := newJob(t, st, "report")
	if _, err := st.ClaimJob(ctx, []string{"report"}, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := st.RetryJob(ctx, j.ID, "w", later, "gateway down"); err != nil {
		t.Fatal(err)
	}
	got, err := st.Job(ctx, j.ID)
	if err != nil || got.Status != sleuth.JobQueued || got.Error != "gateway down" || got.LeaseOwner != "" {
		t.Fatalf("retried job = %+v, %v", got, err)
	}
	if c, err := st.ClaimJob(ctx, []string{"report"}, "w", time.Minute); err != nil || c != nil {
		t.Fatalf("claim before NotBefore = %+v, %v; want none", c, err)
	}
	k := newJob(t, st, "report")
	if _, err := st.ClaimJob(ctx, []string{"report"}, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "finish as running", st.FinishJob(ctx, k.ID, "w", sleuth.JobRunning, ""), sleuth.CodeStoreInvalid)
	if err := st.FinishJob(ctx, k.ID, "w", sleuth.JobDone, ""); err != nil {
		t.Fatal(err)
	}
	got, err = st.Job(ctx, k.ID)
	if err != nil || got.Status != sleuth.JobDone || got.FinishedAt.IsZero() || got.LeaseOwner != "" {
		t.Fatalf("finished job = %+v, %v", got, err)
	}
	wantCode(t, "finish twice", st.FinishJob(ctx, k.ID, "w", sleuth.JobDone, ""), sleuth.CodeLeaseLost)
	if c, err := st.ClaimJob(ctx, []string{"report"}, "w", time.Minute); err != nil || c != nil {
		t.Fatalf("claim of a finished job = %+v, %v; want none", c, err)
	}
}

func (s *jobSuite) testEvents(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	j := newJob(t, st, "report")
	for i, ok := range []bool{false, true} {
		if err := st.AddJobEvent(ctx, &sleuth.JobEvent{JobID: j.ID, Kind: "webhook", OK: ok, Detail: fmt.Sprint("attempt ", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, "no kind", st.AddJobEvent(ctx, &sleuth.JobEvent{JobID: j.ID}), sleuth.CodeStoreInvalid)
	evs, err := st.JobEvents(ctx, j.ID)
	if err != nil || len(evs) != 2 || evs[0].OK || !evs[1].OK || evs[1].Detail != "attempt 2" || evs[0].At.IsZero() {
		t.Errorf("events = %+v, %v", evs, err)
	}
	none, err := st.JobEvents(ctx, j.ID+1)
	if err != nil || len(none) != 0 {
		t.Errorf("events of another job = %v, %v", none, err)
	}
}
