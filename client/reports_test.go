package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/api"
	"github.com/sleuthhq/sleuth/client"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/jobs"
	"github.com/sleuthhq/sleuth/report"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// TestReports calls the report endpoints of a real server (real store,
// engine and job runner) through the client.
func TestReports(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := engine.Open(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pic, err := os.ReadFile("../testdata/pdq/reg-test-input/labelme-subset/q0122.jpg")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := eng.Register(ctx, &engine.RegisterRequest{Data: pic})
	if err != nil {
		t.Fatal(err)
	}
	for i, contract := range []string{"0xorig", "0xcopy"} {
		r := &sleuth.NFTRecord{Chain: "eip155:1", Contract: contract, TokenID: "1", AssetCids: []string{reg.Asset.Nid},
			CreatedAt: time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC)}
		if err := db.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	runner := jobs.New(db, jobs.Config{Poll: 10 * time.Millisecond})
	srv := api.New(eng, db, nil, api.Config{RatePerSecond: 1e6, Burst: 1e6, Reports: api.ReportsConfig{Queued: runner.Wake}})
	runner.Handle(report.KindCollection, (&report.Collections{
		Reporter: &report.Reporter{Finder: report.Finder{Engine: eng, Store: db}}, Jobs: db}).Run)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { runner.Run(rctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	acc := &accounts.Service{Store: db}
	a := &sleuth.Account{Name: "c"}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddCredits(ctx, a.ID, 100*sleuth.CreditUnit, "test"); err != nil {
		t.Fatal(err)
	}
	_, key, err := acc.NewKey(ctx, a.ID, "c", []sleuth.Scope{sleuth.ScopeReport})
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(ts.URL, key, client.WithAuthHeader("api-key"))

	rep, err := c.NFTReport(ctx, client.NFTReportRequest{Chain: "ethereum", Contract: "0xcopy", TokenID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.FlagRed || len(rep.ExactMatch) != 1 || rep.ExactMatch[0].Contract != "0xorig" || rep.OrderID == "" || rep.FirstUse.Token != "later" {
		t.Errorf("NFT report: %+v", rep)
	}
	f, err := os.Open("../testdata/pdq/reg-test-input/labelme-subset/q0122.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err = c.NFTReport(ctx, client.NFTReportRequest{File: &client.File{Name: "q.jpg", Reader: f}})
	if err != nil || len(rep.ExactMatch) != 2 {
		t.Errorf("file report: %+v, %v", rep, err)
	}
	_, err = c.NFTReport(ctx, client.NFTReportRequest{Chain: "ethereum", Contract: "0xcopy", TokenID: "2"})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != sleuth.CodeNFTNotFound {
		t.Errorf("missing token: %v", err)
	}

	sub, err := c.RequestCollectionReport(ctx, client.CollectionReportRequest{Chain: "ethereum", Contract: "0xcopy"})
	if err != nil || sub.ID == "" || sub.URL == "" {
		t.Fatalf("submit: %+v, %v", sub, err)
	}
	var st *client.CollectionReport
	for i := 0; ; i++ {
		if st, err = c.CollectionReport(ctx, sub.ID, true); err != nil {
			t.Fatal(err)
		}
		if st.Status == "done" {
			break
		}
		if i == 3000 {
			t.Fatalf("not done: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Summary.Red.Number != 1 || st.Summary.Red.NFT[0] != "1" || st.Detail["1"].Verdict != "red" || len(st.Detail["1"].ExactMatch) != 1 {
		t.Errorf("collection report: %+v", st)
	}
	brief, err := c.CollectionReport(ctx, sub.ID, false)
	if err != nil || brief.Detail != nil || brief.NumberVerified != 1 {
		t.Errorf("without detail: %+v, %v", brief, err)
	}
}
