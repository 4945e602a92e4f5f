package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// testStolen covers the stolen registry: reports, repeated reports of an
// open token, listing with every filter, resolution and the audit trail.
func (s *suite) testStolen(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	reporter := sleuth.Actor{AccountID: 7, KeyID: "sk_REPORTER"}
	admin := sleuth.Actor{AccountID: 1, KeyID: "sk_ADMIN"}

	if _, err := st.StolenReport(ctx, 1); sleuth.ErrorCode(err) != sleuth.CodeStolenNotFound {
		t.Fatalf("StolenReport of nothing: %v, want %s", err, sleuth.CodeStolenNotFound)
	}
	tok := key("eip155:1", "0x"+hexOf("stolen", 20), "42")
	if _, err := st.OpenStolen(ctx, tok); sleuth.ErrorCode(err) != sleuth.CodeStolenNotFound {
		t.Fatalf("OpenStolen of nothing: %v", err)
	}
	for _, bad := range []*sleuth.StolenReport{nil, {Chain: "eip155:1", Contract: "0x1"}, {Contract: "0x1", TokenID: "1"}, {Chain: "eip155:1", TokenID: "1"}} {
		if _, err := st.ReportStolen(ctx, bad, reporter); sleuth.ErrorCode(err) != sleuth.CodeStoreInvalid {
			t.Errorf("ReportStolen(%+v): %v, want %s", bad, err, sleuth.CodeStoreInvalid)
		}
	}

	before := time.Now()
	r := &sleuth.StolenReport{Chain: tok.Chain, Contract: tok.Contract, TokenID: tok.TokenID, Note: "drained by a fake mint site", TxHash: "0xdead"}
	created, err := st.ReportStolen(ctx, r, reporter)
	if err != nil || !created {
		t.Fatalf("ReportStolen: created %v, %v", created, err)
	}
	checkNow(t, "CreatedAt", r.CreatedAt, before, time.Now())
	if r.ID <= 0 || r.Status != sleuth.StolenOpen || r.Reports != 1 || r.ReportedBy != reporter || r.Note != "drained by a fake mint site" ||
		r.TxHash != "0xdead" || r.ResolvedBy != nil || r.ResolvedAt != nil || !r.UpdatedAt.Equal(r.CreatedAt) || r.Key() != tok {
		t.Fatalf("new report: %+v", r)
	}
	open, err := st.OpenStolen(ctx, tok)
	if err != nil || open.ID != r.ID || open.Events != nil {
		t.Fatalf("OpenStolen: %+v, %v", open, err)
	}

	// A second report of the same open token joins the first.
	again := &sleuth.StolenReport{Chain: tok.Chain, Contract: tok.Contract, TokenID: tok.TokenID, Note: "same here"}
	other := sleuth.Actor{AccountID: 8, KeyID: "sk_OTHER"}
	created, err = st.ReportStolen(ctx, again, other)
	if err != nil || created {
		t.Fatalf("second ReportStolen: created %v, %v", created, err)
	}
	if again.ID != r.ID || again.Reports != 2 || again.ReportedBy != reporter || again.Note != r.Note {
		t.Fatalf("second report: %+v", again)
	}

	// Other tokens, for the filters.
	tok2 := key("eip155:1", tok.Contract, "43")
	tok3 := key("solana:mainnet", "Mint111111111111111111111111111111111111111", "Mint111111111111111111111111111111111111111")
	for _, k := range []sleuth.NFTKey{tok2, tok3} {
		if _, err := st.ReportStolen(ctx, &sleuth.StolenReport{Chain: k.Chain, Contract: k.Contract, TokenID: k.TokenID}, reporter); err != nil {
			t.Fatal(err)
		}
	}

	// Resolve: state changes, the trail grows, a second resolve fails.
	if _, err := st.ResolveStolen(ctx, r.ID, "", "x", admin); sleuth.ErrorCode(err) != sleuth.CodeStoreInvalid {
		t.Errorf("resolve without resolution: %v", err)
	}
	if _, err := st.ResolveStolen(ctx, 9999, "recovered", "", admin); sleuth.ErrorCode(err) != sleuth.CodeStolenNotFound {
		t.Errorf("resolve of nothing: %v", err)
	}
	res, err := st.ResolveStolen(ctx, r.ID, "recovered", "returned by the buyer", admin)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != sleuth.StolenResolved || res.Resolution != "recovered" || res.ResolvedBy == nil || *res.ResolvedBy != admin ||
		res.ResolvedAt == nil || res.ResolvedAt.Before(res.CreatedAt) || !res.UpdatedAt.Equal(*res.ResolvedAt) {
		t.Fatalf("resolved: %+v", res)
	}
	if _, err := st.ResolveStolen(ctx, r.ID, "recovered", "", admin); !errors.Is(err, &sleuth.Error{Code: sleuth.CodeStolenState}) {
		t.Errorf("second resolve: %v, want %s", err, sleuth.CodeStolenState)
	}
	got, err := st.StolenReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []sleuth.StolenEvent{
		{ReportID: r.ID, Action: sleuth.StolenActionReport, FromStatus: "", ToStatus: sleuth.StolenOpen, Actor: reporter, Note: "drained by a fake mint site"},
		{ReportID: r.ID, Action: sleuth.StolenActionReport, FromStatus: sleuth.StolenOpen, ToStatus: sleuth.StolenOpen, Actor: other, Note: "same here"},
		{ReportID: r.ID, Action: sleuth.StolenActionResolve, FromStatus: sleuth.StolenOpen, ToStatus: sleuth.StolenResolved, Actor: admin, Note: "returned by the buyer"},
	}
	if len(got.Events) != len(want) {
		t.Fatalf("events: %+v", got.Events)
	}
	for i, e := range got.Events {
		if e.At.Location() != time.UTC || (i > 0 && (e.ID <= got.Events[i-1].ID || e.At.Before(got.Events[i-1].At))) {
			t.Errorf("event %d out of order or not UTC: %+v", i, e)
		}
		e.ID, e.At = 0, time.Time{}
		if e != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, e, want[i])
		}
	}
	if _, err := st.OpenStolen(ctx, tok); sleuth.ErrorCode(err) != sleuth.CodeStolenNotFound {
		t.Errorf("OpenStolen after resolve: %v", err)
	}

	// Reported again after resolution: a new report.
	third := &sleuth.StolenReport{Chain: tok.Chain, Contract: tok.Contract, TokenID: tok.TokenID, Note: "stolen again"}
	if created, err := st.ReportStolen(ctx, third, other); err != nil || !created || third.ID == r.ID || third.ReportedBy != other {
		t.Fatalf("report after resolve: created %v %+v %v", created, third, err)
	}

	ids := func(f sleuth.StolenFilter) []sleuth.StolenID {
		t.Helper()
		rs, err := st.ListStolen(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []sleuth.StolenID{}
		for _, r := range rs {
			if r.Events != nil {
				t.Errorf("ListStolen returned events")
			}
			out = append(out, r.ID)
		}
		return out
	}
	all := ids(sleuth.StolenFilter{})
	if len(all) != 4 || all[0] != r.ID {
		t.Fatalf("all reports: %v", all)
	}
	for _, tc := range []struct {
		f    sleuth.StolenFilter
		want int
	}{
		{sleuth.StolenFilter{Chain: "eip155:1"}, 3},
		{sleuth.StolenFilter{Chain: "solana:mainnet"}, 1},
		{sleuth.StolenFilter{Contract: tok.Contract}, 3},
		{sleuth.StolenFilter{Contract: tok.Contract, TokenID: "42"}, 2},
		{sleuth.StolenFilter{Status: sleuth.StolenOpen}, 3},
		{sleuth.StolenFilter{Status: sleuth.StolenResolved}, 1},
		{sleuth.StolenFilter{Chain: "eip155:1", Status: sleuth.StolenResolved}, 1},
		{sleuth.StolenFilter{Chain: "eip155:5"}, 0},
		{sleuth.StolenFilter{Limit: 2}, 2},
		{sleuth.StolenFilter{After: all[1]}, 2},
		{sleuth.StolenFilter{After: all[3]}, 0},
	} {
		if got := ids(tc.f); len(got) != tc.want {
			t.Errorf("ListStolen(%+v) = %v, want %d reports", tc.f, got, tc.want)
		}
	}

	// Concurrent reports of one new token make one report.
	tok4 := key("eip155:1", tok.Contract, "44")
	var wg sync.WaitGroup
	made := make(chan bool, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := st.ReportStolen(ctx, &sleuth.StolenReport{Chain: tok4.Chain, Contract: tok4.Contract, TokenID: tok4.TokenID}, sleuth.Actor{AccountID: sleuth.AccountID(100 + i)})
			if err != nil {
				t.Error(err)
			}
			made <- c
		}()
	}
	wg.Wait()
	close(made)
	n := 0
	for c := range made {
		if c {
			n++
		}
	}
	rep, err := st.OpenStolen(ctx, tok4)
	if n != 1 || err != nil || rep.Reports != 8 {
		t.Errorf("8 concurrent reports: %d created, report %+v, %v", n, rep, err)
	}
}

// testTokenIndex covers NFTsByTokenID: a Solana mint found without its
// collection, oldest first, other chains and ids left out.
func (s *suite) testTokenIndex(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	const sol = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
	mint := "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, r := range []*sleuth.NFTRecord{
		{Chain: sol, Contract: "CollectionB", TokenID: mint, CreatedAt: t0.Add(time.Hour)},
		{Chain: sol, Contract: "CollectionA", TokenID: mint, CreatedAt: t0},
		{Chain: sol, Contract: "CollectionA", TokenID: "OtherMint", CreatedAt: t0},
		{Chain: "solana:devnet", Contract: "CollectionA", TokenID: mint, CreatedAt: t0},
	} {
		if err := st.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := st.NFTsByTokenID(ctx, sol, mint)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Contract != "CollectionA" || rs[1].Contract != "CollectionB" || !rs[0].CreatedAt.Equal(t0) {
		t.Fatalf("NFTsByTokenID: %+v", rs)
	}
	if rs, err := st.NFTsByTokenID(ctx, sol, "unknown"); err != nil || rs == nil || len(rs) != 0 {
		t.Fatalf("unknown id: %v %v", rs, err)
	}
}
