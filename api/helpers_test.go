package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// Test pictures (Meta's PDQ test set). copy128 and copy256 are near-exact
// copies of orig (PDQ distance 14 and 16); other is a different picture.
const (
	imgOrig    = "bridge-mods/shrink-a-lot.jpg"
	imgCopy128 = "bridge-mods/square-128x128.jpg"
	imgCopy256 = "bridge-mods/square-256x256.jpg"
	imgOther   = "misc-images/wee.jpg"
)

// pdqDir holds the test pictures.
var pdqDir = filepath.Join("..", "testdata", "pdq")

func readImage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pdqDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testEnv is a real server over a real SQLite store, on loopback.
type testEnv struct {
	t    *testing.T
	db   *sqlite.DB
	eng  *engine.Engine
	srv  *Server
	ts   *httptest.Server
	acc  *accounts.Service
	cfg  Config
	user sleuth.AccountID
	// key is an admin key of user's account (every scope); it has plenty
	// of credits.
	key string
}

// newEnv starts a server; cfg's zero fields take the test defaults (a
// generous rate limit so that only the rate-limit test meets it).
func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
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
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond, cfg.Burst = 1e6, 1e6
	}
	f := fetch.New(fetch.Config{AllowPrivate: true, AllowHTTP: true, Timeout: 30 * time.Second})
	srv := New(eng, db, f, cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &testEnv{t: t, db: db, eng: eng, srv: srv, ts: ts, acc: srv.acc, cfg: cfg}
	e.user = e.newAccount("user", 1000*sleuth.CreditUnit)
	e.key = e.newKey(e.user, sleuth.ScopeAdmin)
	return e
}

// newAccount creates an account holding credits.
func (e *testEnv) newAccount(name string, credits sleuth.Credits) sleuth.AccountID {
	e.t.Helper()
	ctx := context.Background()
	a := &sleuth.Account{Name: name}
	if err := e.db.CreateAccount(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if credits != 0 {
		if _, err := e.db.AddCredits(ctx, a.ID, credits, "test"); err != nil {
			e.t.Fatal(err)
		}
	}
	return a.ID
}

// newKey makes a key for account and returns the full key string.
func (e *testEnv) newKey(account sleuth.AccountID, scopes ...sleuth.Scope) string {
	e.t.Helper()
	_, secret, err := e.acc.NewKey(context.Background(), account, "test", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// balance returns an account's balance.
func (e *testEnv) balance(account sleuth.AccountID) sleuth.Credits {
	e.t.Helper()
	a, err := e.db.Account(context.Background(), account)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Credits
}

// register registers a test picture through the engine and returns its Nid.
func (e *testEnv) register(name string) string {
	e.t.Helper()
	rr, err := e.eng.Register(context.Background(), &engine.RegisterRequest{Data: readImage(e.t, name), Source: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return rr.Asset.Nid
}

// reply is a response, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %v\n%s", r.status, err, r.body)
	}
	return m
}

// request is one call to the server.
type request struct {
	method, path string
	// auth is how the key is sent: "token" (default), "bearer", "api-key",
	// "x-api-key" or "none".
	auth string
	key  string // default: the env's admin key
	body io.Reader
	ct   string
}

func (e *testEnv) do(rq request) reply {
	e.t.Helper()
	req, err := http.NewRequest(rq.method, e.ts.URL+rq.path, rq.body)
	if err != nil {
		e.t.Fatal(err)
	}
	if rq.ct != "" {
		req.Header.Set("Content-Type", rq.ct)
	}
	key := rq.key
	if key == "" {
		key = e.key
	}
	setAuth(req, rq.auth, key)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func setAuth(req *http.Request, form, key string) {
	switch form {
	case "", "token":
		req.Header.Set("Authorization", "token "+key)
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+key)
	case "api-key":
		req.Header.Set("api-key", key)
	case "x-api-key":
		req.Header.Set("x-api-key", key)
	case "none":
	default:
		panic("unknown auth form " + form)
	}
}

// postJSON sends v as a JSON body.
func (e *testEnv) postJSON(path, key string, v any) reply {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(request{method: http.MethodPost, path: path, key: key, body: bytes.NewReader(b), ct: "application/json"})
}

// get sends a GET.
func (e *testEnv) get(path, key string) reply {
	e.t.Helper()
	return e.do(request{method: http.MethodGet, path: path, key: key})
}

// postFile uploads data in the multipart field fileField, with fields.
func (e *testEnv) postFile(path, key, fileField string, data []byte, fields map[string]string) reply {
	e.t.Helper()
	body, ct := multipartBody(e.t, fileField, data, fields)
	return e.do(request{method: http.MethodPost, path: path, key: key, body: body, ct: ct})
}

// multipartBody builds a multipart/form-data body; fileField "" sends no
// file.
func multipartBody(t testing.TB, fileField string, data []byte, fields map[string]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, "upload.bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// wantError checks the one error shape: status, code, a message, and the
// request id of the X-Request-Id header.
func wantError(t testing.TB, r reply, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	var eb ErrorBody
	if err := json.Unmarshal(r.body, &eb); err != nil {
		t.Fatalf("error body is not JSON: %v\n%s", err, r.body)
	}
	if eb.Error.Code != code {
		t.Errorf("code %q, want %q (message %q)", eb.Error.Code, code, eb.Error.Message)
	}
	if eb.Error.Message == "" {
		t.Errorf("empty message")
	}
	if id := r.header.Get("X-Request-Id"); id == "" || eb.Error.RequestID != id {
		t.Errorf("request_id %q, X-Request-Id %q", eb.Error.RequestID, id)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

// wantStatus fails unless r has status.
func wantStatus(t testing.TB, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// fileServer serves the test pictures (and a few other files) over HTTP
// on loopback, for fileURL inputs.
func fileServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/pdq/", http.StripPrefix("/pdq/", http.FileServer(http.Dir(pdqDir))))
	mux.HandleFunc("/note.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "not a picture\n")
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// usage sums the account's orders of the last hour (the test's).
func (e *testEnv) usage(account sleuth.AccountID) *sleuth.Usage {
	e.t.Helper()
	u, err := e.db.Usage(context.Background(), account, time.Now().Add(-time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// str, num, list and obj read members of decoded JSON, failing on the
// wrong type.
func str(t testing.TB, m map[string]any, k string) string {
	t.Helper()
	v, ok := m[k].(string)
	if !ok {
		t.Fatalf("%s is %T (%v), want a string", k, m[k], m[k])
	}
	return v
}

func num(t testing.TB, m map[string]any, k string) float64 {
	t.Helper()
	v, ok := m[k].(float64)
	if !ok {
		t.Fatalf("%s is %T (%v), want a number", k, m[k], m[k])
	}
	return v
}

func list(t testing.TB, m map[string]any, k string) []any {
	t.Helper()
	v, ok := m[k].([]any)
	if !ok {
		t.Fatalf("%s is %T (%v), want a list", k, m[k], m[k])
	}
	return v
}

func obj(t testing.TB, m map[string]any, k string) map[string]any {
	t.Helper()
	v, ok := m[k].(map[string]any)
	if !ok {
		t.Fatalf("%s is %T (%v), want an object", k, m[k], m[k])
	}
	return v
}
