package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/jobs"
	"github.com/sleuthhq/sleuth/report"
)

// reportEnv is a server with NFT records: 0xorig/1 (the original, day 0),
// 0xcopy/7 (the same file, day 5), 0xcopy/8 (another picture, day 5), and
// a job runner working on collection reports.
type reportEnv struct {
	*testEnv
	runner *jobs.Runner
}

func newReportEnv(t *testing.T) *reportEnv {
	t.Helper()
	var runner *jobs.Runner
	e := newEnv(t, Config{Reports: ReportsConfig{
		AllowHTTPWebhooks: true,
		Queued:            func() { runner.Wake() },
	}})
	ctx := context.Background()
	orig, other := e.register(imgOrig), e.register(imgOther)
	day := func(n int) time.Time { return time.Date(2024, 1, 1+n, 0, 0, 0, 0, time.UTC) }
	for _, r := range []*sleuth.NFTRecord{
		{Chain: "eip155:1", Contract: "0xorig", TokenID: "1", AssetCids: []string{orig}, CreatedAt: day(0), Creator: "0xartist",
			Metadata: json.RawMessage(`{"name":"Bridge","description":"the original"}`), ImageURL: "ipfs://orig", PrimaryMarketplace: "OpenSea"},
		{Chain: "eip155:1", Contract: "0xcopy", TokenID: "7", AssetCids: []string{orig}, CreatedAt: day(5)},
		{Chain: "eip155:1", Contract: "0xcopy", TokenID: "8", AssetCids: []string{other}, CreatedAt: day(5)},
	} {
		if err := e.db.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.PutCollection(ctx, &sleuth.Collection{Chain: "eip155:1", Contract: "0xverified", Verified: true, MarketName: "OpenSea"}); err != nil {
		t.Fatal(err)
	}
	c := e.srv.collections()
	c.Notifier = report.NewNotifier(report.NotifierConfig{
		Transport: fetch.New(fetch.Config{AllowPrivate: true}).Transport(), Backoff: time.Millisecond,
	})
	runner = jobs.New(e.db, jobs.Config{Poll: 10 * time.Millisecond})
	runner.Handle(report.KindCollection, c.Run)
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { runner.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &reportEnv{testEnv: e, runner: runner}
}

func TestNFTReportAPI(t *testing.T) {
	e := newReportEnv(t)
	before := e.balance(e.user)

	// A file upload, with aiRight's api-key header.
	body, ct := multipartBody(t, "file", readImage(t, imgCopy128), nil)
	r := e.do(request{method: http.MethodPost, path: "/v1/reports/nft", auth: "api-key", body: body, ct: ct})
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["flag_red"] != true || m["flag_consider"] != true || str(t, m, "orderID") == "" {
		t.Errorf("file report: %s", r.body)
	}
	near := list(t, m, "near_exact")
	if len(near) != 2 || len(list(t, m, "exact_match")) != 0 || len(list(t, m, "semantic")) != 0 {
		t.Fatalf("file report lists: %s", r.body)
	}
	first := near[0].(map[string]any)
	if str(t, first, "contract") != "0xorig" || str(t, first, "tokenId") != "1" || str(t, first, "authorAddress") != "0xartist" ||
		str(t, first, "creation_time") != "1704067200000" || str(t, first, "name") != "Bridge" || str(t, first, "marketName") != "OpenSea" ||
		str(t, first, "market") != "https://opensea.io/assets/ethereum/0xorig/1" || first["isVerified"] != false ||
		str(t, first, "image") != "ipfs://orig" || num(t, first, "score") <= report.ConsiderScore || str(t, first, "tier") != "near_exact" {
		t.Errorf("item = %v", first)
	}
	if got := before - e.balance(e.user); got != sleuth.CreditUnit {
		t.Errorf("charged %v, want 1 credit", got)
	}

	// A token, by aiRight's names (address, tokenId) and a chain name.
	r = e.postJSON("/v1/reports/nft", "", map[string]any{"chain": "ethereum", "address": "0xCOPY", "tokenId": "7"})
	wantStatus(t, r, http.StatusOK)
	m = r.json(t)
	exact := list(t, m, "exact_match")
	if m["flag_red"] != true || len(exact) != 1 || str(t, exact[0].(map[string]any), "contract") != "0xorig" {
		t.Errorf("token report: %s", r.body)
	}
	if fu := obj(t, m, "first_use"); str(t, fu, "token") != "later" || str(t, obj(t, fu, "first"), "contract") != "0xorig" {
		t.Errorf("first_use = %v", fu)
	}
	// The original: its copy came later.
	r = e.postJSON("/v1/reports/nft", "", map[string]any{"chain": "eip155:1", "contract": "0xorig", "token_id": "1"})
	wantStatus(t, r, http.StatusOK)
	if m = r.json(t); m["flag_red"] != false || str(t, obj(t, m, "first_use"), "token") != "earlier" {
		t.Errorf("original's report: %s", r.body)
	}

	// Errors, each refunded.
	before = e.balance(e.user)
	wantError(t, e.postJSON("/v1/reports/nft", "", map[string]any{"chain": "ethereum", "contract": "0xorig", "token_id": "404"}), http.StatusNotFound, sleuth.CodeNFTNotFound)
	wantError(t, e.postJSON("/v1/reports/nft", "", map[string]any{"chain": "ethereum", "contract": "0xorig"}), http.StatusBadRequest, report.CodeBadInput)
	wantError(t, e.postJSON("/v1/reports/nft", "", map[string]any{"chain": "narnia", "contract": "0xorig", "token_id": "1"}), http.StatusBadRequest, report.CodeBadInput)
	wantError(t, e.postJSON("/v1/reports/nft", "", map[string]any{}), http.StatusBadRequest, CodeNoInput)
	if after := e.balance(e.user); after != before {
		t.Errorf("failed reports cost %v", before-after)
	}
	searcher := e.newKey(e.user, sleuth.ScopeSearch)
	wantError(t, e.postJSON("/v1/reports/nft", searcher, map[string]any{"fileURL": "https://example.com/x.png"}), http.StatusForbidden, accounts.CodeForbidden)
	reporter := e.newKey(e.user, sleuth.ScopeReport)
	wantStatus(t, e.postJSON("/v1/reports/nft", reporter, map[string]any{"chain": "1", "contract": "0xorig", "token_id": "1"}), http.StatusOK)
}

func TestCollectionReportAPI(t *testing.T) {
	e := newReportEnv(t)
	var mu sync.Mutex
	var hooks []*http.Request
	var hookBodies [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks, hookBodies = append(hooks, r), append(hookBodies, b)
		mu.Unlock()
	}))
	defer hook.Close()
	reporter := e.newKey(e.user, sleuth.ScopeReport)

	r := e.postJSON("/v1/reports/collections", reporter, map[string]any{"chain": "ethereum", "contract": "0xcopy", "webhook_url": hook.URL + "/done"})
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	id, url, secret := str(t, m, "id"), str(t, m, "url"), str(t, m, "webhook_secret")
	if !strings.HasSuffix(url, "/v1/reports/collections/"+id) || !strings.HasPrefix(url, e.ts.URL) || str(t, m, "orderID") == "" {
		t.Errorf("submitted: %s", r.body)
	}
	// Poll until done (the runner was woken when it was queued).
	var st map[string]any
	for i := 0; ; i++ {
		r = e.get("/v1/reports/collections/"+id, reporter)
		wantStatus(t, r, http.StatusOK)
		st = r.json(t)
		if str(t, st, "status") == "done" {
			break
		}
		if i == 3000 {
			t.Fatalf("report not done: %s", r.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sum := obj(t, st, "summary")
	red, reliable := obj(t, sum, "red"), obj(t, sum, "reliable")
	if num(t, st, "total_supply") != 2 || num(t, st, "number_verified") != 2 || num(t, red, "number") != 1 ||
		num(t, red, "rate") != 0.5 || list(t, red, "nft")[0] != "7" || num(t, reliable, "number") != 1 {
		t.Errorf("report: %s", r.body)
	}
	if nft := list(t, obj(t, sum, "consider"), "nft"); len(nft) != 0 {
		t.Errorf("consider.nft = %v, want []", nft)
	}
	if _, ok := reliable["nft"]; ok {
		t.Errorf("reliable has a token list: %v", reliable)
	}
	detail := obj(t, st, "detail")
	if d7 := obj(t, detail, "7"); str(t, d7, "verdict") != "red" || len(list(t, d7, "exact_match")) != 1 {
		t.Errorf("detail of 7: %v", d7)
	}
	// The webhook arrives after the report is done; wait for it.
	for i := 0; ; i++ {
		mu.Lock()
		n := len(hooks)
		mu.Unlock()
		if n > 0 {
			break
		}
		if i == 3000 {
			t.Fatal("no webhook")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if err := report.Verify(secret, hooks[0].Header.Get(report.SignatureHeader), hookBodies[0], time.Now(), time.Minute); err != nil {
		t.Errorf("webhook signature: %v", err)
	}
	mu.Unlock()
	r = e.get("/v1/reports/collections/"+id+"?detail=false", reporter)
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); m["detail"] != nil {
		t.Errorf("detail=false still has detail")
	}

	// A verified collection answers at once.
	r = e.postJSON("/v1/reports/collections", reporter, map[string]any{"chain": "ethereum", "contract": "0xVERIFIED", "email": "a@example.com"})
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); m["isVerified"] != true || m["marketName"] != "OpenSea" || m["id"] != nil {
		t.Errorf("verified: %s", r.body)
	}
	wantError(t, e.get("/v1/reports/collections/"+id+"x", reporter), http.StatusNotFound, report.CodeReportNotFound)
	wantError(t, e.get("/v1/reports/collections/"+id+"?detail=maybe", reporter), http.StatusBadRequest, sleuth.CodeBadRequest)
	wantError(t, e.postJSON("/v1/reports/collections", reporter, map[string]any{"chain": "ethereum"}), http.StatusBadRequest, report.CodeBadInput)
	wantError(t, e.postJSON("/v1/reports/collections", reporter, map[string]any{"chain": "ethereum", "contract": "0xnone"}), http.StatusNotFound, sleuth.CodeCollectionNotFound)
	wantError(t, e.postJSON("/v1/reports/collections", reporter, map[string]any{"chain": "ethereum", "contract": "0xcopy", "webhook_url": "ftp://x"}), http.StatusBadRequest, report.CodeBadWebhook)
	wantError(t, e.postJSON("/v1/reports/collections", reporter, map[string]any{"chain": "ethereum", "contract": "0xcopy", "email": "nope"}), http.StatusBadRequest, report.CodeBadEmail)
}
