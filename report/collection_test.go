package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/jobs"
)

// collectionFixture mints n original tokens in 0xorig (day 0) and a
// collection 0xcopy (day 5) whose tokens 1..copied copy them (odd ones
// byte for byte, even ones re-encoded as JPEG) and whose other tokens are
// pictures of their own.
func collectionFixture(e *testEnv, n, copied int) {
	for i := 1; i <= n; i++ {
		e.mint(chain, "0xorig", fmt.Sprint(i), pngOf(e.t, picture(uint64(i))), day(0))
	}
	for i := 1; i <= n; i++ {
		var data []byte
		switch {
		case i <= copied && i%2 == 1:
			data = pngOf(e.t, picture(uint64(i)))
		case i <= copied:
			data = jpegOf(e.t, picture(uint64(i)))
		default:
			data = pngOf(e.t, picture(uint64(1000+i)))
		}
		e.mint(chain, "0xcopy", fmt.Sprint(i), data, day(5))
	}
}

func (e *testEnv) collections() *Collections {
	return &Collections{Reporter: e.rep, Jobs: e.db, AllowHTTPWebhooks: true}
}

// runAll runs the job runner until no job is left to claim.
func runAll(t testing.TB, r *jobs.Runner) {
	t.Helper()
	for {
		ran, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func newRunner(e *testEnv, c *Collections) *jobs.Runner {
	r := jobs.New(e.db, jobs.Config{Lease: time.Minute, Backoff: time.Millisecond})
	r.Handle(KindCollection, c.Run)
	return r
}

func TestCollectionReport(t *testing.T) {
	e := openEnv(t)
	collectionFixture(e, 6, 4)
	c := e.collections()
	ctx := context.Background()

	sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: "ethereum", Contract: "0xCOPY"}, "http://sleuth.test/", false)
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID == "" || sub.URL != "http://sleuth.test/v1/reports/collections/"+sub.ID || sub.WebhookSecret != "" {
		t.Fatalf("submitted = %+v", sub)
	}
	st, err := c.Status(ctx, sub.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != StatusNA || st.NumberVerified != 0 || st.TotalSupply != 6 || st.Progress.Total != 6 {
		t.Errorf("before the run: %s", mustJSON(t, st))
	}
	runAll(t, newRunner(e, c))
	st, err = c.Status(ctx, sub.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != StatusDone || st.NumberVerified != 6 || st.Progress.Done != 6 || st.Chain != chain || st.Contract != "0xcopy" {
		t.Fatalf("after the run: %s", mustJSON(t, st))
	}
	if !slices.Equal(st.Summary.Red.NFT, []string{"1", "2", "3", "4"}) || st.Summary.Red.Number != 4 ||
		st.Summary.Reliable.Number != 2 || st.Summary.Consider.Number != 0 || st.Summary.Red.Rate != 0.6667 || st.Summary.Reliable.Rate != 0.3333 {
		t.Errorf("summary = %s", mustJSON(t, st.Summary))
	}
	d1 := st.Detail["1"]
	if d1.Verdict != VerdictRed || len(d1.ExactMatch) != 1 || d1.ExactMatch[0].Contract != "0xorig" || d1.FirstUse.Token != Later {
		t.Errorf("detail of token 1 = %s", mustJSON(t, d1))
	}
	if d2 := st.Detail["2"]; len(d2.NearExact) != 1 || d2.NearExact[0].TokenID != "2" {
		t.Errorf("detail of token 2 = %s", mustJSON(t, d2))
	}
	if len(st.Detail) != 6 || st.Detail["5"].Verdict != VerdictReliable {
		t.Errorf("detail has %d tokens; token 5: %+v", len(st.Detail), st.Detail["5"])
	}
	brief, err := c.Status(ctx, sub.ID, false)
	if err != nil || brief.Detail != nil || brief.Summary.Red.Number != 4 {
		t.Errorf("without detail: %+v, %v", brief, err)
	}

	// The original: every copy came later, so every token is reliable.
	sub2, err := c.Submit(ctx, 1, CollectionRequest{Chain: "eip155:1", Contract: "0xorig"}, "http://x", false)
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, newRunner(e, c))
	st2, err := c.Status(ctx, sub2.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Status != StatusDone || st2.Summary.Reliable.Number != 6 || st2.Summary.Red.Number != 0 || st2.Summary.Reliable.Rate != 1 {
		t.Errorf("original collection: %s", mustJSON(t, st2))
	}
}

func TestCollectionSubmitErrors(t *testing.T) {
	e := openEnv(t)
	collectionFixture(e, 1, 0)
	ctx := context.Background()
	if err := e.db.PutCollection(ctx, &sleuth.Collection{Chain: chain, Contract: "0xverified", Verified: true, MarketName: "OpenSea"}); err != nil {
		t.Fatal(err)
	}
	c := e.collections()
	c.AllowHTTPWebhooks = false
	tests := []struct {
		name string
		req  CollectionRequest
		code string
	}{
		{"no chain", CollectionRequest{Contract: "0xcopy"}, CodeBadInput},
		{"unknown chain", CollectionRequest{Chain: "narnia", Contract: "0xcopy"}, CodeBadInput},
		{"not indexed", CollectionRequest{Chain: chain, Contract: "0xnone"}, sleuth.CodeCollectionNotFound},
		{"http webhook", CollectionRequest{Chain: chain, Contract: "0xcopy", WebhookURL: "http://example.com/hook"}, CodeBadWebhook},
		{"webhook with credentials", CollectionRequest{Chain: chain, Contract: "0xcopy", WebhookURL: "https://u:p@example.com/hook"}, CodeBadWebhook},
		{"webhook not a URL", CollectionRequest{Chain: chain, Contract: "0xcopy", WebhookURL: "hook"}, CodeBadWebhook},
		{"two emails", CollectionRequest{Chain: chain, Contract: "0xcopy", Email: "a@example.com, b@example.com"}, CodeBadEmail},
		{"header injection", CollectionRequest{Chain: chain, Contract: "0xcopy", Email: "a@example.com\r\nBcc: x@example.com"}, CodeBadEmail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Submit(ctx, 1, tc.req, "http://x", true)
			if sleuth.ErrorCode(err) != tc.code {
				t.Errorf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xverified", WebhookURL: "https://example.com/h"}, "http://x", true)
	if err != nil || !sub.IsVerified || sub.MarketName != "OpenSea" || sub.ID != "" {
		t.Errorf("verified collection: %+v, %v", sub, err)
	}
	sub, err = c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xcopy", WebhookURL: "https://example.com/h", Email: "Ann <ann@example.com>"}, "http://x", true)
	if err != nil || sub.WebhookSecret == "" {
		t.Fatalf("submit = %+v, %v", sub, err)
	}
	for _, ref := range []string{"", "1", "x-y", "999-abc", sub.ID + "x", "0-" + sub.ID} {
		if _, err := c.Status(ctx, ref, false); sleuth.ErrorCode(err) != CodeReportNotFound {
			t.Errorf("Status(%q) = %v, want %s", ref, err, CodeReportNotFound)
		}
	}
	var p CollectionRequest
	j, _ := c.job(ctx, sub.ID)
	if err := json.Unmarshal(j.Params, &p); err != nil || p.Email != "ann@example.com" {
		t.Errorf("stored params %s", j.Params)
	}
}

// TestCollectionProgress: while a report runs, its status says "process"
// with the tokens committed so far.
func TestCollectionProgress(t *testing.T) {
	e := openEnv(t)
	collectionFixture(e, 20, 10)
	slow := slowJobs{Store: e.db, delay: 10 * time.Millisecond}
	c := &Collections{Reporter: e.rep, Jobs: slow}
	ctx := context.Background()
	sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xcopy"}, "http://x", false)
	if err != nil {
		t.Fatal(err)
	}
	r := jobs.New(slow, jobs.Config{})
	r.Handle(KindCollection, c.Run)
	done := make(chan error, 1)
	go func() { _, err := r.RunOnce(ctx); done <- err }()
	var midway *CollectionStatus
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		case <-time.After(2 * time.Millisecond):
		}
		st, err := c.Status(ctx, sub.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status == StatusProcess && st.Progress.Done > 0 && st.Progress.Done < 20 && midway == nil {
			midway = st
		}
	}
	if midway == nil {
		t.Fatal("never saw the report in progress")
	}
	if midway.Progress.Total != 20 || int64(len(midway.Detail)) != midway.Progress.Done ||
		midway.NumberVerified != midway.Progress.Done || midway.Summary.Red.Number+midway.Summary.Reliable.Number != midway.Progress.Done {
		t.Errorf("in progress: %s", mustJSON(t, midway))
	}
}
