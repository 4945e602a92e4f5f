package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth/client"
)

// fake is a server that records the last request and answers with a
// handler of the test's.
type fake struct {
	*httptest.Server
	last atomic.Pointer[http.Request]
}

func newFake(t *testing.T, h http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.last.Store(r.Clone(context.Background()))
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_0123")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func TestAuthHeaderForms(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, `{"keys":[]}`) })
	ctx := context.Background()
	for _, tc := range []struct{ form, header, want string }{
		{"", "Authorization", "token K.s"},
		{"token", "Authorization", "token K.s"},
		{"bearer", "Authorization", "Bearer K.s"},
		{"Bearer", "Authorization", "Bearer K.s"},
		{"api-key", "Api-Key", "K.s"},
		{"x-api-key", "X-Api-Key", "K.s"},
	} {
		var opts []client.Option
		if tc.form != "" {
			opts = append(opts, client.WithAuthHeader(tc.form))
		}
		c := client.New(f.URL+"/", "K.s", opts...)
		if _, err := c.ListKeys(ctx); err != nil {
			t.Fatalf("%s: %v", tc.form, err)
		}
		r := f.last.Load()
		if got := r.Header.Get(tc.header); got != tc.want {
			t.Errorf("%s: %s %q, want %q", tc.form, tc.header, got, tc.want)
		}
		if r.URL.Path != "/v1/keys" {
			t.Errorf("path %s", r.URL.Path)
		}
	}
	// No key: no header; an unknown form: an error before any request.
	if _, err := client.New(f.URL, "").ListKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if h := f.last.Load().Header; h.Get("Authorization")+h.Get("api-key")+h.Get("x-api-key") != "" {
		t.Errorf("a key was sent: %v", h)
	}
	if _, err := client.New(f.URL, "K", client.WithAuthHeader("basic")).ListKeys(ctx); err == nil || !strings.Contains(err.Error(), "basic") {
		t.Errorf("unknown form: %v", err)
	}
}

func TestWithHTTPClient(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, `{"status":"ok"}`) })
	var used atomic.Bool
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	if err := client.New(f.URL, "k", client.WithHTTPClient(hc)).Healthz(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !used.Load() {
		t.Error("the given HTTP client was not used")
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// countingReader yields n bytes and counts what was read.
type countingReader struct {
	n, read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	atomic.AddInt64(&r.read, k)
	return int(k), nil
}

// TestUploadStreams checks that a file is sent as it is read: when the
// server sees the first bytes of the file, the client has not read it
// whole. (A streaming client can be ahead of the server by the socket
// buffers only, a few MiB on loopback; a buffering one reads it all first.)
func TestUploadStreams(t *testing.T) {
	const size = 48 << 20
	src := &countingReader{n: size}
	var readWhenStarted int64 = -1
	var fields map[string]string
	var got int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != -1 {
			t.Errorf("Content-Length %d: the body was buffered", r.ContentLength)
		}
		mr, err := r.MultipartReader()
		if err != nil {
			t.Error(err)
			return
		}
		fields = map[string]string{}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Error(err)
				return
			}
			if part.FormName() != "file" {
				b, _ := io.ReadAll(part)
				fields[part.FormName()] = string(b)
				continue
			}
			if part.FileName() != "big.bin" {
				t.Errorf("file name %q", part.FileName())
			}
			var first [1]byte
			if _, err := io.ReadFull(part, first[:]); err != nil {
				t.Error(err)
				return
			}
			readWhenStarted = atomic.LoadInt64(&src.read)
			n, _ := io.Copy(io.Discard, part)
			got = n + 1
		}
		answer(w, 200, `{"results":{},"searchNid":"bafy","inputFileMimetype":"application/octet-stream","orderID":"o","matches":[]}`)
	})
	thr := 0.3
	res, err := client.New(f.URL, "k").TheftDetection(context.Background(), client.TheftDetectionRequest{
		File: &client.File{Name: "big.bin", Reader: src}, Threshold: &thr,
		ExcludedAssets: []string{"bafyA"}, ExcludedContracts: []string{"0xA", "0xB"}, OnlyNewNFT: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.SearchNid != "bafy" || res.OrderID != "o" {
		t.Errorf("answer %+v", res)
	}
	if got != size {
		t.Errorf("server got %d bytes, want %d", got, size)
	}
	if readWhenStarted < 0 || readWhenStarted >= size {
		t.Errorf("the client had read %d of %d bytes when the server got the first: not streamed", readWhenStarted, size)
	}
	want := map[string]string{"threshold": "0.3", "excludedAssets": `["bafyA"]`, "excludedContracts": `["0xA","0xB"]`, "onlyNewNFT": "true"}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("field %s %q, want %q", k, fields[k], v)
		}
	}
}

func TestJSONRequests(t *testing.T) {
	var body map[string]any
	var answerWith string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		body = nil
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			if len(b) > 0 {
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if err := json.Unmarshal(b, &body); err != nil {
					t.Errorf("body %s: %v", b, err)
				}
			}
		}
		answer(w, 200, answerWith)
	})
	c := client.New(f.URL, "k")
	ctx := context.Background()

	answerWith = `{"results":{"bafyA":[{"chain_id":1,"contract":"0xa","token_id":"42","asset_cids":["bafyA"],"primary_marketplace":null,"current_owner":"","nft_spec":"erc721","creator":"","created_at":"2022-06-23T04:08:31","metadata":{"name":"x"},"animation_url":"","image_url":"","token_uri":""},{"chain_id":"solana:abc","contract":"M","token_id":"1","asset_cids":[],"primary_marketplace":"me","current_owner":"","nft_spec":"metaplex","creator":"","created_at":null,"metadata":{},"animation_url":"","image_url":"","token_uri":""}]},"searchNid":"bafyQ","inputFileMimetype":"image/png","orderID":"o1","matches":[{"nid":"bafyA","tier":"near_exact","score":0.9,"distance":3,"fingerprint":"pdq","variant":"original"}]}`
	res, err := c.TheftDetection(ctx, client.TheftDetectionRequest{FileURL: "https://x/y.png", ExcludedContracts: []string{"0x1"}})
	if err != nil {
		t.Fatal(err)
	}
	if body["fileURL"] != "https://x/y.png" || body["excludedContracts"].([]any)[0] != "0x1" || body["threshold"] != nil {
		t.Errorf("theft detection body %v", body)
	}
	recs := res.Results["bafyA"]
	if len(recs) != 2 {
		t.Fatalf("records %+v", res.Results)
	}
	if n, ok := recs[0].ChainID.EVM(); !ok || n != 1 || recs[0].ChainID != "eip155:1" {
		t.Errorf("EVM chain %q", recs[0].ChainID)
	}
	if _, ok := recs[1].ChainID.EVM(); ok || recs[1].ChainID != "solana:abc" {
		t.Errorf("Solana chain %q", recs[1].ChainID)
	}
	if mt, ok := recs[0].MintTime(); !ok || !mt.Equal(time.Date(2022, 6, 23, 4, 8, 31, 0, time.UTC)) {
		t.Errorf("mint time %v", mt)
	}
	if _, ok := recs[1].MintTime(); ok || recs[1].PrimaryMarketplace == nil || *recs[1].PrimaryMarketplace != "me" {
		t.Errorf("second record %+v", recs[1])
	}
	// chain_id goes back to Numbers' form.
	b, _ := json.Marshal(recs)
	if !strings.Contains(string(b), `"chain_id":1,`) || !strings.Contains(string(b), `"chain_id":"solana:abc"`) {
		t.Errorf("re-encoded %s", b)
	}
	if res.Matches[0].Tier != "near_exact" || res.Matches[0].Variant != "original" {
		t.Errorf("matches %+v", res.Matches)
	}

	answerWith = `{"preciseSearch":"","inputFileMimetype":"image/png","similarSearch":{"nids":["a"],"distance":[0.05]},"orderID":"o","matches":[]}`
	as, err := c.AssetSearch(ctx, client.AssetSearchRequest{Nid: "bafyA", SampleCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	if body["nid"] != "bafyA" || body["sampleCount"] != float64(3) || as.SimilarSearch.Distance[0] != 0.05 {
		t.Errorf("asset search %v -> %+v", body, as)
	}

	answerWith = `{"matches":[{"asset_id":"a","match_type":"exact_hash","confidence":1,"distance":null,"manifest_uri":null,"verifier_url":"http://x/asset-profile?nid=a"},{"asset_id":"b","match_type":"perceptual_hash","confidence":0.8,"distance":12,"manifest_uri":null,"verifier_url":"v"}],"request_id":"req_1","orderID":"o"}`
	lr, err := c.Lookup(ctx, client.LookupRequest{Algorithm: "perceptual_hash", BindingHash: "f0e1d2c3b4a59687"})
	if err != nil {
		t.Fatal(err)
	}
	if body["algorithm"] != "perceptual_hash" || body["binding_hash"] != "f0e1d2c3b4a59687" {
		t.Errorf("lookup body %v", body)
	}
	if lr.Matches[0].Distance != nil || lr.Matches[1].Distance == nil || *lr.Matches[1].Distance != 12 || lr.RequestID != "req_1" {
		t.Errorf("lookup %+v", lr)
	}

	answerWith = `{"asset":{"id":1,"nid":"a","size":1,"mime":"text/plain","first_seen":"2024-01-02T03:04:05Z","sha256":"s","blake3":"b","asset_tree":{"headline":"h","extra":{"custom":1}}},"created":true,"orderID":"o"}`
	reg, err := c.RegisterAsset(ctx, client.RegisterAssetRequest{FileURL: "https://x/y.txt",
		AssetTree: &client.AssetTree{Headline: "h", License: &client.License{Name: "CC0"}, Extra: map[string]any{"custom": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := body["assetTree"].(map[string]any)
	if tree["headline"] != "h" || tree["custom"] != float64(1) || tree["license"].(map[string]any)["name"] != "CC0" || tree["extra"] != nil {
		t.Errorf("register body %v", body)
	}
	if !reg.Created || reg.Asset.AssetTree.Extra["custom"] != float64(1) {
		t.Errorf("register %+v", reg)
	}

	answerWith = `{"account_id":3,"balance":10.5}`
	bal, err := c.AddCredits(ctx, 3, "0.5", "gift")
	if err != nil {
		t.Fatal(err)
	}
	if p := f.last.Load().URL.Path; p != "/v1/accounts/3/credits" || body["amount"] != "0.5" || body["reason"] != "gift" || bal.Balance != 10.5 {
		t.Errorf("credits %s %v %+v", p, body, bal)
	}

	answerWith = `{"assets":[],"count":0,"next_after":null}`
	if _, err := c.ListAssets(ctx, client.ListAssetsOptions{Limit: 5, After: 9}); err != nil {
		t.Fatal(err)
	}
	if q := f.last.Load().URL.RawQuery; q != "after=9&limit=5" {
		t.Errorf("list query %q", q)
	}
	since := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	answerWith = `{"account_id":1,"balance":1,"since":"2024-01-02T03:04:05Z","usage":{"orders":0,"refunded":0,"by_operation":{},"spent":0}}`
	if _, err := c.Usage(ctx, since); err != nil {
		t.Fatal(err)
	}
	if q := f.last.Load().URL.Query().Get("since"); q != "2024-01-02T03:04:05Z" {
		t.Errorf("since %q", q)
	}
	answerWith = `{"removed":"a b"}`
	if err := c.DeleteAsset(ctx, "a b"); err != nil {
		t.Fatal(err)
	}
	if r := f.last.Load(); r.Method != http.MethodDelete || r.URL.EscapedPath() != "/v1/assets/a%20b" {
		t.Errorf("delete %s %s", r.Method, r.URL.EscapedPath())
	}
}

func TestErrors(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/usage":
			w.Header().Set("Retry-After", "7")
			answer(w, http.StatusTooManyRequests, `{"error":{"code":"sleuth.ratelimit.exceeded","message":"slow down","request_id":"req_9"}}`)
		case "/v1/keys":
			w.Header().Set("X-Request-Id", "req_proxy")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>bad gateway</html>\n")
		default:
			answer(w, http.StatusOK, `{not json`)
		}
	})
	c := client.New(f.URL, "k")
	ctx := context.Background()

	_, err := c.Usage(ctx, time.Time{})
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("%T %v is not a *client.Error", err, err)
	}
	if e.Status != 429 || e.Code != "sleuth.ratelimit.exceeded" || e.Message != "slow down" || e.RequestID != "req_9" || e.RetryAfter != 7*time.Second {
		t.Errorf("error %+v", e)
	}
	if s := e.Error(); !strings.Contains(s, "429") || !strings.Contains(s, "sleuth.ratelimit.exceeded") || !strings.Contains(s, "req_9") {
		t.Errorf("Error() %q", s)
	}
	// Wrapped, it is still found.
	if !errors.As(fmt.Errorf("wrapped: %w", err), &e) {
		t.Error("wrapped error not found")
	}

	_, err = c.ListKeys(ctx)
	if !errors.As(err, &e) || e.Status != 502 || e.Code != "" || e.Message != "<html>bad gateway</html>" || e.RequestID != "req_proxy" {
		t.Errorf("non-JSON error: %#v", err)
	}

	// A 2xx answer that is not JSON is an error, not an *Error.
	_, err = c.Order(ctx, "x")
	if err == nil || errors.As(err, &e) {
		t.Errorf("bad JSON: %v", err)
	}
	// An upload without a reader fails before sending.
	if _, err := c.Nid(ctx, client.File{Name: "x"}); err == nil {
		t.Error("no reader: no error")
	}
	// A canceled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Nid(cctx, client.File{Name: "x", Reader: strings.NewReader("hello")}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// A failing reader fails the upload.
func TestUploadReadError(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		answer(w, 200, `{"cid":"x","fileSize":1,"cid_version":1,"orderID":"o"}`)
	})
	boom := errors.New("disk on fire")
	_, err := client.New(f.URL, "k").Nid(context.Background(), client.File{Name: "f", Reader: io.MultiReader(strings.NewReader("abc"), errReader{boom})})
	if err == nil {
		t.Fatal("no error")
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func ExampleClient_TheftDetection() {
	c := client.New("http://localhost:8080", os.Getenv("SLEUTH_KEY"), client.WithAuthHeader("bearer"))
	ctx := context.Background()
	f, err := os.Open("suspicious.jpg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	res, err := c.TheftDetection(ctx, client.TheftDetectionRequest{File: &client.File{Name: "suspicious.jpg", Reader: f}})
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusPaymentRequired {
		log.Fatalf("top up the account (request %s)", apiErr.RequestID)
	}
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range res.Matches {
		fmt.Println(m.Nid, m.Tier, m.Score, len(res.Results[m.Nid]), "NFTs")
	}
}
