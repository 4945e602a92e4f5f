package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
)

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI(t testing.TB) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPI)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	// The raw document is JSON without duplicate-looking surprises: it
	// parses as an object with the expected top level.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(openAPI, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"openapi", "info", "paths", "components", "security", "tags"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no %q at the top level", k)
		}
	}

	// The four auth header forms.
	schemes := doc.Components.SecuritySchemes
	want := map[string][2]string{ // name -> type, header
		"tokenAuth":   {"apiKey", "Authorization"},
		"bearerAuth":  {"http", ""},
		"apiKeyAuth":  {"apiKey", "api-key"},
		"xApiKeyAuth": {"apiKey", "x-api-key"},
	}
	for name, w := range want {
		s := schemes[name]
		if s == nil || s.Value == nil {
			t.Errorf("no security scheme %s", name)
			continue
		}
		if s.Value.Type != w[0] || (w[1] != "" && (s.Value.In != "header" || s.Value.Name != w[1])) || s.Value.Description == "" {
			t.Errorf("security scheme %s: %+v", name, s.Value)
		}
	}
	if len(doc.Security) != 4 {
		t.Errorf("top-level security has %d alternatives, want the 4 header forms", len(doc.Security))
	}

	// Every operation is described, tagged, and says what it costs.
	ids := map[string]bool{}
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		tags[tg.Name] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or repeated", where, op.OperationID)
			}
			ids[op.OperationID] = true
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s: no summary or description", where)
			}
			if len(op.Tags) == 0 || !tags[op.Tags[0]] {
				t.Errorf("%s: tags %v not declared", where, op.Tags)
			}
			if !strings.Contains(op.Description, "free") && !strings.Contains(op.Description, "Cost:") {
				t.Errorf("%s: the description does not say what it costs", where)
			}
			for code, rr := range op.Responses.Map() {
				if rr.Value == nil || rr.Value.Headers["X-Request-Id"] == nil {
					t.Errorf("%s %s: no X-Request-Id header", where, code)
				}
				if st, _ := strconv.Atoi(code); st >= 400 && path != "/readyz" {
					if mt := rr.Value.Content.Get("application/json"); mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Error" {
						t.Errorf("%s %s: not the Error schema", where, code)
					}
				}
			}
		}
	}
	// Billed operations name their operation and default price, as
	// accounts.DefaultPrices has them, and every priced operation is
	// documented.
	prices := accounts.DefaultPrices()
	billed := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			b, ok := op.Extensions["x-sleuth-billing"].(map[string]any)
			if !ok {
				continue
			}
			name, _ := b["operation"].(string)
			price, _ := b["defaultPrice"].(string)
			want, priced := prices[name]
			if !priced || price != want.String() {
				t.Errorf("%s %s: billed as %q at %q; accounts.DefaultPrices says %q (priced %v)", method, path, name, price, want, priced)
			}
			if !strings.Contains(op.Description, "`"+name+"`") || !strings.Contains(op.Description, "**Cost:** ") {
				t.Errorf("%s %s: the description does not give the cost of %s", method, path, name)
			}
			if want != 0 && !strings.Contains(op.Description, want.String()+" credit") {
				t.Errorf("%s %s: the description does not say %s credits", method, path, want)
			}
			billed[name] = true
		}
	}
	for name := range prices {
		if !billed[name] {
			t.Errorf("operation %s is priced but no endpoint is documented as billed for it", name)
		}
	}

	// Compatibility origins are marked.
	for _, tag := range []string{"Numbers Protocol", "Verbitas"} {
		if !tags[tag] {
			t.Errorf("no %q tag", tag)
		}
	}
	for _, w := range []struct{ method, path, tag string }{
		{"POST", "/v1/nid", "Numbers Protocol"}, {"POST", "/v1/theft-detection", "Numbers Protocol"},
		{"POST", "/v1/asset-search", "Numbers Protocol"}, {"GET", "/v1/nft-search", "Numbers Protocol"},
		{"POST", "/v1/lookup", "Verbitas"},
	} {
		if op := doc.Paths.Find(w.path).GetOperation(w.method); !slices.Contains(op.Tags, w.tag) {
			t.Errorf("%s %s: tags %v, want %q", w.method, w.path, op.Tags, w.tag)
		}
	}

	// The served document is this one.
	e := newEnv(t, Config{})
	r := e.do(request{method: http.MethodGet, path: "/openapi.json", auth: "none"})
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.body, openAPI) {
		t.Errorf("GET /openapi.json is not the embedded document")
	}
}

// registeredRoute is one pattern registered in routes.go.
type registeredRoute struct {
	method, path string
	scope        string // "" for public endpoints
}

// routesFromSource reads the patterns that routes() registers from
// routes.go's source: every s.route, s.routeCodes and s.public call.
func routesFromSource(t *testing.T) []registeredRoute {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]sleuth.Scope{}
	for _, s := range sleuth.AllScopes {
		scopes["Scope"+strings.ToUpper(string(s)[:1])+string(s)[1:]] = s
	}
	var out []registeredRoute
	var found bool
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "routes" {
			continue
		}
		found = true
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "s" {
				return true
			}
			switch sel.Sel.Name {
			case "route", "routeCodes", "public":
			default:
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Fatalf("%s: s.%s with a pattern that is not a string literal", fset.Position(call.Pos()), sel.Sel.Name)
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			method, path, ok := strings.Cut(pattern, " ")
			if !ok {
				if sel.Sel.Name != "public" || pattern != "/" {
					t.Errorf("%s: pattern %q has no method", fset.Position(call.Pos()), pattern)
				}
				return true // the catch-all: 404 / 405
			}
			rr := registeredRoute{method: method, path: path}
			if sel.Sel.Name != "public" {
				se, ok := call.Args[1].(*ast.SelectorExpr)
				if !ok {
					t.Fatalf("%s: scope is not sleuth.ScopeX", fset.Position(call.Pos()))
				}
				sc, ok := scopes[se.Sel.Name]
				if !ok {
					t.Fatalf("%s: unknown scope %s", fset.Position(call.Pos()), se.Sel.Name)
				}
				rr.scope = string(sc)
			}
			out = append(out, rr)
			return true
		})
	}
	if !found || len(out) == 0 {
		t.Fatal("no routes() in routes.go")
	}
	return out
}

func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	registered := map[string]registeredRoute{}
	for _, r := range routesFromSource(t) {
		k := r.method + " " + r.path
		if _, dup := registered[k]; dup {
			t.Errorf("%s registered twice", k)
		}
		registered[k] = r
	}
	documented := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op
		}
	}
	var missing, extra []string
	for k := range registered {
		if documented[k] == nil {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := registered[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("registered in routes.go but not in openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("in openapi.json but not registered in routes.go: %v", extra)
	}
	// Public endpoints need no key; the others need one of the four header
	// forms and document the scope that routes.go gives them.
	for k, r := range registered {
		op := documented[k]
		if op == nil {
			continue
		}
		scope, _ := op.Extensions["x-sleuth-scope"].(string)
		if r.scope == "" {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public but its security is not []", k)
			}
			if scope != "" {
				t.Errorf("%s is public but documents scope %q", k, scope)
			}
			continue
		}
		if op.Security != nil {
			t.Errorf("%s needs a key but overrides the document's security", k)
		}
		if scope != r.scope {
			t.Errorf("%s: x-sleuth-scope %q, routes.go says %q", k, scope, r.scope)
		}
		if !strings.Contains(op.Description, "`"+r.scope+"`") {
			t.Errorf("%s: the description does not name the scope %q", k, r.scope)
		}
		for _, st := range []string{"401", "403", "429"} {
			if op.Responses.Value(st) == nil {
				t.Errorf("%s: no %s response", k, st)
			}
		}
	}
}

// ---- responses against the document ----

// oaChecker sends requests to a real server and validates each request
// (when it is meant to be valid) and each response against the document.
type oaChecker struct {
	t *testing.T
	e *testEnv
	// lenient is the document as published, for requests; strict is the
	// same with additionalProperties: false on every object schema that
	// lists properties, so that a member a handler adds without
	// documenting it fails too.
	lenient, strict routers.Router
	// seen records the statuses each operation answered.
	seen map[string]map[int]bool
}

func newOAChecker(t *testing.T, e *testEnv) *oaChecker {
	t.Helper()
	lenient := loadOpenAPI(t)
	strict := loadOpenAPI(t)
	closeSchemas(strict)
	c := &oaChecker{t: t, e: e, seen: map[string]map[int]bool{}}
	var err error
	if c.lenient, err = legacy.NewRouter(lenient); err != nil {
		t.Fatal(err)
	}
	if c.strict, err = legacy.NewRouter(strict); err != nil {
		t.Fatal(err)
	}
	return c
}

// closeSchemas sets additionalProperties: false on every object schema of
// the document that has properties and says nothing about others.
func closeSchemas(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, l := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range l {
				walk(x)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		walk(s)
	}
	for _, r := range doc.Components.Responses {
		for _, mt := range r.Value.Content {
			walk(mt.Schema)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// oaCall is one request and what it should get.
type oaCall struct {
	name         string
	method, path string
	// auth and key as in request; auth "none" sends no key.
	auth, key string
	ct        string
	body      []byte
	// status is the status wanted; code, when set, the error code.
	status int
	code   string
	// invalid marks a request that the document itself rejects (a missing
	// parameter, a bad type, no key...): only its response is validated.
	invalid bool
}

// authenticate checks that a request carries the header form of a scheme.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	s := in.SecurityScheme
	switch {
	case s.Type == "http" && s.Scheme == "bearer":
		if scheme, _, ok := strings.Cut(h.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "header" && s.Name == "Authorization":
		if scheme, _, ok := strings.Cut(h.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "token") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "header":
		if h.Get(s.Name) != "" {
			return nil
		}
	}
	return in.NewError(nil)
}

func (c *oaChecker) newRequest(oc oaCall) *http.Request {
	req, err := http.NewRequest(oc.method, c.e.ts.URL+oc.path, bytes.NewReader(oc.body))
	if err != nil {
		c.t.Fatal(err)
	}
	if oc.body == nil {
		req.Body = http.NoBody
	}
	if oc.ct != "" {
		req.Header.Set("Content-Type", oc.ct)
	}
	key := oc.key
	if key == "" {
		key = c.e.key
	}
	setAuth(req, oc.auth, key)
	return req
}

// do sends oc, checks its status (and code), validates the request and the
// response against the document, and returns the response.
func (c *oaChecker) do(oc oaCall) reply {
	c.t.Helper()
	t := c.t
	name := fmt.Sprintf("%s (%s %s)", oc.name, oc.method, oc.path)
	resp, err := c.e.ts.Client().Do(c.newRequest(oc))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: body}
	if r.status != oc.status {
		t.Errorf("%s: status %d, want %d; body %s", name, r.status, oc.status, body)
	}
	if oc.code != "" {
		var eb ErrorBody
		if json.Unmarshal(body, &eb) != nil || eb.Error.Code != oc.code {
			t.Errorf("%s: error code %q, want %q; body %s", name, eb.Error.Code, oc.code, body)
		}
	}

	ctx := context.Background()
	// The request, when it is meant to be valid.
	if !oc.invalid {
		req := c.newRequest(oc)
		route, params, err := c.lenient.FindRoute(req)
		if err != nil {
			t.Fatalf("%s: not in the document: %v", name, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true, RejectWhenRequestBodyNotSpecified: true}}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s: the request does not match the document:\n%v", name, err)
		}
	}
	// The response, always.
	req := c.newRequest(oc)
	route, params, err := c.strict.FindRoute(req)
	if err != nil {
		t.Fatalf("%s: not in the document: %v", name, err)
	}
	rin := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: rin,
		Status:                 r.status,
		Header:                 r.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s: the %d response does not match the document:\n%v\nbody: %s", name, r.status, err, truncate(body))
	}
	op := route.Method + " " + route.Path
	if c.seen[op] == nil {
		c.seen[op] = map[int]bool{}
	}
	c.seen[op][r.status] = true
	return r
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

// multipart builds a multipart body.
func (c *oaChecker) multipart(fileField string, data []byte, fields map[string]string) ([]byte, string) {
	r, ct := multipartBody(c.t, fileField, data, fields)
	b, err := io.ReadAll(r)
	if err != nil {
		c.t.Fatal(err)
	}
	return b, ct
}

func jsonBody(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// limitedKey stores an admin key of account whose own rate limit allows
// one request and refills in about eleven days: its second request is
// refused with 429.
func (e *testEnv) limitedKey(account sleuth.AccountID) string {
	e.t.Helper()
	secret := "limited-secret"
	h := sha256.Sum256([]byte(secret))
	k := &sleuth.APIKey{ID: "sk_LIMITEDLIMITEDLI", AccountID: account, Name: "limited", SecretHash: hex.EncodeToString(h[:]),
		Scopes: []sleuth.Scope{sleuth.ScopeAdmin}, RatePerSecond: 1e-6, Burst: 1}
	if err := e.db.CreateKey(context.Background(), k); err != nil {
		e.t.Fatal(err)
	}
	return k.ID + "." + secret
}

// TestOpenAPIResponses calls every endpoint of a real server, with valid
// input and with errors, and validates every request and response against
// the document: a handler whose answer drifts from it (a status, a header,
// a member, a type, a null) fails here.
func TestOpenAPIResponses(t *testing.T) {
	e := newEnv(t, Config{})
	c := newOAChecker(t, e)
	files := fileServer(t)
	ctx := context.Background()

	orig := readImage(t, imgOrig)
	copy128 := readImage(t, imgCopy128)
	searcher := e.newKey(e.user, sleuth.ScopeSearch)
	registrar := e.newKey(e.user, sleuth.ScopeRegister)
	poorAccount := e.newAccount("poor", 0)
	poor := e.newKey(poorAccount, sleuth.ScopeSearch)
	limited := e.limitedKey(e.user)
	const jsonCT = "application/json"
	post := http.MethodPost
	get := http.MethodGet
	del := http.MethodDelete

	// ---- the asset registry ----
	b, ct := c.multipart("file", orig, map[string]string{
		"headline": "Bridge", "assetCreator": "Meta", "assetTimestampCreated": "1700000000",
		"license":   `{"name":"CC-BY-4.0","document":"https://creativecommons.org/licenses/by/4.0/"}`,
		"assetTree": `{"abstract":"a bridge","custom":{"x":1}}`,
	})
	r := c.do(oaCall{name: "register upload", method: post, path: "/v1/assets", ct: ct, body: b, status: http.StatusCreated})
	origNid := str(t, obj(t, r.json(t), "asset"), "nid")
	c.do(oaCall{name: "register again", method: post, path: "/v1/assets", ct: ct, body: b, auth: "bearer", status: http.StatusOK})
	r = c.do(oaCall{name: "register by URL", method: post, path: "/v1/assets", ct: jsonCT, auth: "api-key",
		body:   jsonBody(t, map[string]any{"fileURL": files.URL + "/pdq/" + imgOther, "assetTree": map[string]any{"headline": "wee"}, "license": "CC0"}),
		status: http.StatusCreated})
	otherNid := str(t, obj(t, r.json(t), "asset"), "nid")
	r = c.do(oaCall{name: "register a text file", method: post, path: "/v1/assets", ct: jsonCT, key: registrar, auth: "x-api-key",
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/note.txt"}), status: http.StatusCreated})
	textNid := str(t, obj(t, r.json(t), "asset"), "nid")
	c.do(oaCall{name: "register without a file", method: post, path: "/v1/assets", ct: jsonCT, body: []byte(`{}`),
		status: http.StatusBadRequest, code: CodeNoInput, invalid: true})
	c.do(oaCall{name: "register with a bad assetTree", method: post, path: "/v1/assets", ct: jsonCT,
		body: []byte(`{"fileURL":"https://example.com/x.png","assetTree":[1]}`), status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "register with the search scope", method: post, path: "/v1/assets", ct: ct, body: b, key: searcher,
		status: http.StatusForbidden, code: accounts.CodeForbidden})
	c.do(oaCall{name: "register with a fetch failure", method: post, path: "/v1/assets", ct: jsonCT,
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/missing.png"}), status: http.StatusBadGateway})

	c.do(oaCall{name: "list assets", method: get, path: "/v1/assets", status: http.StatusOK})
	r = c.do(oaCall{name: "list assets, paged", method: get, path: "/v1/assets?limit=1", key: searcher, status: http.StatusOK})
	if r.json(t)["next_after"] == nil {
		t.Errorf("list assets, paged: no next_after: %s", r.body)
	}
	c.do(oaCall{name: "list assets, bad limit", method: get, path: "/v1/assets?limit=0", status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "get asset", method: get, path: "/v1/assets/" + origNid, auth: "bearer", status: http.StatusOK})
	c.do(oaCall{name: "get a text asset", method: get, path: "/v1/assets/" + textNid, status: http.StatusOK})
	c.do(oaCall{name: "get a missing asset", method: get, path: "/v1/assets/bafkreinotthere", status: http.StatusNotFound, code: sleuth.CodeAssetNotFound})

	// ---- Numbers Protocol ----
	for _, rec := range []*sleuth.NFTRecord{
		{Chain: "eip155:1", Contract: "0xa6b9ff1a999f06cca06e548d5bd702d6f62841ab", TokenID: "42", AssetCids: []string{origNid},
			CurrentOwner: "0xc262c18061226fc7286e8cdab297ae0a92a2267c", NFTSpec: "erc721", Creator: "0xc262c18061226Fc7286e8cdab297aE0A92a2267c",
			CreatedAt: sleuthTime("2022-06-23T04:08:31Z"), Metadata: json.RawMessage(`{"name":"Bridge"}`), ImageURL: "ipfs://x", TokenURI: "ipfs://m/42"},
		// Unknown marketplace, mint time and metadata: nulls and {}.
		{Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Contract: "So1anaMint1111111111111111111111111111111111", TokenID: "1",
			AssetCids: []string{origNid}, PrimaryMarketplace: "https://magiceden.io", NFTSpec: "metaplex"},
		// Metadata that is JSON but not an object.
		{Chain: "eip155:137", Contract: "0x1111111111111111111111111111111111111111", TokenID: "7", AssetCids: []string{origNid},
			Metadata: json.RawMessage(`null`)},
		{Chain: "eip155:137", Contract: "0x1111111111111111111111111111111111111111", TokenID: "8", AssetCids: []string{origNid},
			Metadata: json.RawMessage(`["not", "an", "object"]`)},
	} {
		if err := e.db.PutNFT(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}

	b, ct = c.multipart("file", orig, nil)
	c.do(oaCall{name: "nid upload", method: post, path: "/v1/nid", ct: ct, body: b, status: http.StatusOK})
	c.do(oaCall{name: "nid by URL", method: post, path: "/v1/nid", ct: jsonCT, auth: "bearer",
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/note.txt"}), status: http.StatusOK})
	c.do(oaCall{name: "nid without input", method: post, path: "/v1/nid", ct: jsonCT, body: []byte(`{}`),
		status: http.StatusBadRequest, code: CodeNoInput, invalid: true})
	c.do(oaCall{name: "nid, plain text body", method: post, path: "/v1/nid", ct: "text/plain", body: []byte("hello"),
		status: http.StatusUnsupportedMediaType, code: CodeUnsupportedContentType, invalid: true})
	c.do(oaCall{name: "nid, JSON body over 1 MiB", method: post, path: "/v1/nid", ct: jsonCT,
		body: []byte(`{"fileURL":"` + strings.Repeat("a", maxJSONBody) + `"}`), status: http.StatusRequestEntityTooLarge, code: sleuth.CodeFileTooLarge})
	c.do(oaCall{name: "nid, missing file at URL", method: post, path: "/v1/nid", ct: jsonCT,
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/missing.png"}), status: http.StatusBadGateway})
	c.do(oaCall{name: "nid, unsupported scheme", method: post, path: "/v1/nid", ct: jsonCT,
		body: jsonBody(t, map[string]any{"fileURL": "gopher://example.com/x"}), status: http.StatusUnprocessableEntity})
	c.do(oaCall{name: "nid, register scope only", method: post, path: "/v1/nid", ct: ct, body: b, key: registrar,
		status: http.StatusForbidden, code: accounts.CodeForbidden})

	b, ct = c.multipart("file", copy128, map[string]string{"threshold": "0.3", "excludedContracts": `["0x0000000000000000000000000000000000000001"]`, "onlyNewNFT": "false"})
	r = c.do(oaCall{name: "theft detection upload", method: post, path: "/v1/theft-detection", ct: ct, body: b, status: http.StatusOK})
	theftOrder := str(t, r.json(t), "orderID")
	if recs := obj(t, r.json(t), "results")[origNid]; recs == nil || len(recs.([]any)) != 4 {
		t.Errorf("theft detection: results %s", r.body)
	}
	c.do(oaCall{name: "theft detection by URL", method: post, path: "/v1/theft-detection", ct: jsonCT, auth: "x-api-key",
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/pdq/" + imgOrig, "threshold": 0.12,
			"excludedAssets": []string{otherNid}, "excludedContracts": []string{"0x1111111111111111111111111111111111111111"}, "onlyNewNFT": true}),
		status: http.StatusOK})
	b, ct = c.multipart("file", []byte("%PDF-1.4 not a picture\n"), nil)
	c.do(oaCall{name: "theft detection of a non-image", method: post, path: "/v1/theft-detection", ct: ct, body: b, status: http.StatusOK})
	b, ct = c.multipart("file", orig[:len(orig)/2], nil)
	c.do(oaCall{name: "theft detection of a truncated JPEG", method: post, path: "/v1/theft-detection", ct: ct, body: b,
		status: http.StatusUnprocessableEntity, code: sleuth.CodeImageCorrupt})
	c.do(oaCall{name: "theft detection, bad threshold", method: post, path: "/v1/theft-detection", ct: jsonCT,
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/pdq/" + imgOrig, "threshold": 2}), status: http.StatusBadRequest, invalid: true})
	b, ct = c.multipart("file", copy128, nil)
	c.do(oaCall{name: "theft detection without credits", method: post, path: "/v1/theft-detection", ct: ct, body: b, key: poor,
		status: http.StatusPaymentRequired, code: sleuth.CodeCreditsInsufficient})

	b, ct = c.multipart("file", copy128, map[string]string{"sampleCount": "5", "threshold": "0.5"})
	c.do(oaCall{name: "asset search upload", method: post, path: "/v1/asset-search", ct: ct, body: b, status: http.StatusOK})
	c.do(oaCall{name: "asset search by nid", method: post, path: "/v1/asset-search", ct: jsonCT, auth: "api-key",
		body: jsonBody(t, map[string]any{"nid": origNid, "sampleCount": 3}), status: http.StatusOK})
	r = c.do(oaCall{name: "asset search by URL", method: post, path: "/v1/asset-search", ct: jsonCT,
		body: jsonBody(t, map[string]any{"fileURL": files.URL + "/pdq/" + imgOrig}), status: http.StatusOK})
	if got := str(t, r.json(t), "preciseSearch"); got != origNid {
		t.Errorf("asset search by URL: preciseSearch %q, want %s", got, origNid)
	}
	c.do(oaCall{name: "asset search of an unknown nid", method: post, path: "/v1/asset-search", ct: jsonCT,
		body: jsonBody(t, map[string]any{"nid": "bafkreinotthere"}), status: http.StatusNotFound, code: sleuth.CodeAssetNotFound})
	c.do(oaCall{name: "asset search, bad sampleCount", method: post, path: "/v1/asset-search", ct: jsonCT,
		body: jsonBody(t, map[string]any{"nid": origNid, "sampleCount": 0}), status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "asset search without credits", method: post, path: "/v1/asset-search", ct: jsonCT, key: poor,
		body: jsonBody(t, map[string]any{"nid": origNid}), status: http.StatusPaymentRequired})

	r = c.do(oaCall{name: "nft search", method: get, path: "/v1/nft-search?nid=" + url.QueryEscape(origNid), status: http.StatusOK})
	for _, rec := range list(t, r.json(t), "nftRecords") {
		if md, ok := rec.(map[string]any)["metadata"].(map[string]any); !ok {
			t.Errorf("nft search: metadata is not an object: %v", rec)
		} else if rec.(map[string]any)["chain_id"] == float64(137) && len(md) != 0 {
			t.Errorf("nft search: metadata that is not an object should read {}: %v", md)
		}
	}
	c.do(oaCall{name: "nft search, nothing uses it", method: get, path: "/v1/nft-search?nid=" + otherNid, auth: "bearer", status: http.StatusOK})
	c.do(oaCall{name: "nft search without nid", method: get, path: "/v1/nft-search", status: http.StatusBadRequest, code: CodeNoInput, invalid: true})
	c.do(oaCall{name: "nft search without credits", method: get, path: "/v1/nft-search?nid=" + origNid, key: poor,
		status: http.StatusPaymentRequired, code: sleuth.CodeCreditsInsufficient})

	// ---- Verbitas ----
	a, err := e.db.Asset(ctx, origNid)
	if err != nil {
		t.Fatal(err)
	}
	phash, _ := a.PerceptualOf(sleuth.KindPHash)
	pdq, _ := a.PerceptualOf(sleuth.KindPDQ)
	b, ct = c.multipart("asset", copy128, nil)
	r = c.do(oaCall{name: "lookup upload", method: post, path: "/v1/lookup", ct: ct, body: b, auth: "bearer", status: http.StatusOK})
	if len(list(t, r.json(t), "matches")) == 0 {
		t.Errorf("lookup upload: no match: %s", r.body)
	}
	b, ct = c.multipart("file", orig, nil)
	c.do(oaCall{name: "lookup upload, same bytes", method: post, path: "/v1/lookup", ct: ct, body: b, status: http.StatusOK})
	for _, fp := range []struct{ algorithm, hash string }{{"perceptual_hash", phash.Hash}, {"pdq", pdq.Hash}, {"exact_hash", a.BLAKE3}} {
		r = c.do(oaCall{name: "lookup by " + fp.algorithm, method: post, path: "/v1/lookup", ct: jsonCT, auth: "bearer",
			body: jsonBody(t, map[string]any{"algorithm": fp.algorithm, "binding_hash": fp.hash}), status: http.StatusOK})
		if len(list(t, r.json(t), "matches")) == 0 {
			t.Errorf("lookup by %s: no match: %s", fp.algorithm, r.body)
		}
	}
	c.do(oaCall{name: "lookup without input", method: post, path: "/v1/lookup", ct: jsonCT, body: []byte(`{}`),
		status: http.StatusBadRequest, code: "verbitas.lookup.no_input", invalid: true})
	c.do(oaCall{name: "lookup, unknown algorithm", method: post, path: "/v1/lookup", ct: jsonCT,
		body: []byte(`{"algorithm":"md5","binding_hash":"00"}`), status: http.StatusBadRequest, code: sleuth.CodeBadRequest, invalid: true})
	b, ct = c.multipart("asset", []byte("%PDF-1.4 not a picture\n"), nil)
	c.do(oaCall{name: "lookup of a non-image", method: post, path: "/v1/lookup", ct: ct, body: b,
		status: http.StatusUnsupportedMediaType, code: "verbitas.lookup.unsupported_file_type"})
	c.do(oaCall{name: "lookup with a bad key", method: post, path: "/v1/lookup", ct: jsonCT, auth: "bearer", key: "sk_AAAAAAAAAAAAAAAA.c2VjcmV0",
		body: jsonBody(t, map[string]any{"algorithm": "pdq", "binding_hash": pdq.Hash}), status: http.StatusUnauthorized, code: "verbitas.auth.invalid_key"})
	c.do(oaCall{name: "lookup without credits", method: post, path: "/v1/lookup", ct: jsonCT, key: poor,
		body: jsonBody(t, map[string]any{"algorithm": "pdq", "binding_hash": pdq.Hash}), status: http.StatusPaymentRequired})

	// ---- accounts ----
	r = c.do(oaCall{name: "create key", method: post, path: "/v1/keys", ct: jsonCT,
		body: jsonBody(t, map[string]any{"name": "ci", "scopes": []string{"search", "register"}}), status: http.StatusCreated})
	newKey := str(t, r.json(t), "key")
	newID := str(t, r.json(t), "id")
	c.do(oaCall{name: "create key, defaults", method: post, path: "/v1/keys", status: http.StatusCreated})
	c.do(oaCall{name: "create key for another account", method: post, path: "/v1/keys", ct: jsonCT,
		body: jsonBody(t, map[string]any{"account_id": poorAccount, "scopes": "search,report"}), status: http.StatusCreated})
	c.do(oaCall{name: "create key, unknown scope", method: post, path: "/v1/keys", ct: jsonCT,
		body: []byte(`{"scopes":["root"]}`), status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "create key, unknown account", method: post, path: "/v1/keys", ct: jsonCT,
		body: jsonBody(t, map[string]any{"account_id": 9999}), status: http.StatusNotFound, code: sleuth.CodeAccountNotFound})
	c.do(oaCall{name: "create key with the search scope", method: post, path: "/v1/keys", ct: jsonCT, key: searcher,
		body: []byte(`{}`), status: http.StatusForbidden, code: accounts.CodeForbidden})

	if err := e.db.RevokeKey(ctx, strings.SplitN(e.newKey(e.user, sleuth.ScopeSearch), ".", 2)[0]); err != nil {
		t.Fatal(err)
	}
	r = c.do(oaCall{name: "list keys", method: get, path: "/v1/keys", key: newKey, status: http.StatusOK})
	c.do(oaCall{name: "list keys with the register scope only", method: get, path: "/v1/keys", key: registrar,
		status: http.StatusForbidden, code: accounts.CodeForbidden})
	c.do(oaCall{name: "revoke key", method: del, path: "/v1/keys/" + newID, status: http.StatusOK})
	c.do(oaCall{name: "revoke key again", method: del, path: "/v1/keys/" + newID, status: http.StatusOK})
	c.do(oaCall{name: "revoked key", method: get, path: "/v1/keys", key: newKey, status: http.StatusUnauthorized, code: accounts.CodeUnauthenticated})
	c.do(oaCall{name: "revoke an unknown key", method: del, path: "/v1/keys/sk_NOTAKEYNOTAKEYNO", status: http.StatusNotFound, code: sleuth.CodeKeyNotFound})

	c.do(oaCall{name: "usage", method: get, path: "/v1/usage", status: http.StatusOK})
	c.do(oaCall{name: "usage since", method: get, path: "/v1/usage?since=2020-01-02T15:04:05Z", key: poor, status: http.StatusOK})
	c.do(oaCall{name: "usage, bad since", method: get, path: "/v1/usage?since=yesterday", status: http.StatusBadRequest, invalid: true})

	r = c.do(oaCall{name: "order", method: get, path: "/v1/orders/" + theftOrder, status: http.StatusOK})
	if str(t, r.json(t), "status") != sleuth.OrderCompleted {
		t.Errorf("order: %s", r.body)
	}
	// A lookup that fails after it was charged (and is refunded).
	b, ct = c.multipart("file", orig[:len(orig)/2], nil)
	c.do(oaCall{name: "lookup of a truncated JPEG", method: post, path: "/v1/lookup", ct: ct, body: b,
		status: http.StatusUnprocessableEntity, code: sleuth.CodeImageCorrupt})
	c.do(oaCall{name: "order of another account", method: get, path: "/v1/orders/" + theftOrder, key: poor, status: http.StatusNotFound, code: sleuth.CodeOrderNotFound})
	c.do(oaCall{name: "unknown order", method: get, path: "/v1/orders/nope", status: http.StatusNotFound})

	c.do(oaCall{name: "add credits", method: post, path: fmt.Sprintf("/v1/accounts/%d/credits", poorAccount), ct: jsonCT,
		body: jsonBody(t, map[string]any{"amount": 2.5, "reason": "test"}), status: http.StatusOK})
	c.do(oaCall{name: "add credits as a string", method: post, path: fmt.Sprintf("/v1/accounts/%d/credits", poorAccount), ct: jsonCT,
		body: jsonBody(t, map[string]any{"amount": "-0.5"}), status: http.StatusOK})
	c.do(oaCall{name: "take too many credits", method: post, path: fmt.Sprintf("/v1/accounts/%d/credits", poorAccount), ct: jsonCT,
		body: jsonBody(t, map[string]any{"amount": -1000}), status: http.StatusPaymentRequired, code: sleuth.CodeCreditsInsufficient})
	c.do(oaCall{name: "add credits, bad account id", method: post, path: "/v1/accounts/x/credits", ct: jsonCT,
		body: jsonBody(t, map[string]any{"amount": 1}), status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "add credits, no amount", method: post, path: fmt.Sprintf("/v1/accounts/%d/credits", poorAccount), ct: jsonCT,
		body: []byte(`{}`), status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "add credits, unknown account", method: post, path: "/v1/accounts/9999/credits", ct: jsonCT,
		body: jsonBody(t, map[string]any{"amount": 1}), status: http.StatusNotFound, code: sleuth.CodeAccountNotFound})

	// ---- aiRight reports ----
	evm := map[string]any{"chain": "ethereum", "contract": "0xa6b9ff1a999f06cca06e548d5bd702d6f62841ab", "token_id": "42"}
	c.do(oaCall{name: "NFT report of a token", method: post, path: "/v1/reports/nft", ct: jsonCT, auth: "api-key", body: jsonBody(t, evm), status: http.StatusOK})
	b, ct = c.multipart("file", copy128, nil)
	c.do(oaCall{name: "NFT report of a file", method: post, path: "/v1/reports/nft", ct: ct, body: b, status: http.StatusOK})
	c.do(oaCall{name: "NFT report of a missing token", method: post, path: "/v1/reports/nft", ct: jsonCT,
		body: jsonBody(t, map[string]any{"chain": "ethereum", "contract": "0x0", "token_id": "1"}), status: http.StatusNotFound, code: sleuth.CodeNFTNotFound})
	r = c.do(oaCall{name: "collection report", method: post, path: "/v1/reports/collections", ct: jsonCT,
		body: jsonBody(t, evm), status: http.StatusOK})
	reportID := str(t, r.json(t), "id")
	c.do(oaCall{name: "collection report of an unknown contract", method: post, path: "/v1/reports/collections", ct: jsonCT,
		body: jsonBody(t, map[string]any{"chain": "ethereum", "contract": "0x0"}), status: http.StatusNotFound, code: sleuth.CodeCollectionNotFound})
	c.do(oaCall{name: "collection report status", method: get, path: "/v1/reports/collections/" + reportID, status: http.StatusOK})
	c.do(oaCall{name: "unknown collection report", method: get, path: "/v1/reports/collections/1-nope", status: http.StatusNotFound})

	// ---- SolCheck scam check and the stolen registry (scam_test.go and stolen_test.go test them in depth) ----
	c.do(oaCall{name: "scam check of a token", method: post, path: "/v1/scam-check", ct: jsonCT, auth: "x-api-key", body: jsonBody(t, evm), status: http.StatusOK})
	c.do(oaCall{name: "scam check of a mint, text/plain", method: post, path: "/v1/scam-check", ct: "text/plain", body: []byte("1"), status: http.StatusOK})
	c.do(oaCall{name: "scam check of a mint, curl -d", method: post, path: "/v1/scam-check", ct: "application/x-www-form-urlencoded", body: []byte("1"),
		status: http.StatusOK, invalid: true})
	c.do(oaCall{name: "scam check of a missing token", method: post, path: "/v1/scam-check", ct: jsonCT,
		body: jsonBody(t, map[string]any{"token_address": "NotIndexed"}), status: http.StatusNotFound, code: sleuth.CodeNFTNotFound})
	c.do(oaCall{name: "scam check without a token", method: post, path: "/v1/scam-check", ct: jsonCT, body: []byte(`{}`), status: http.StatusBadRequest, code: CodeNoInput})
	reporterKey := e.newKey(e.user, sleuth.ScopeReport)
	stolen := map[string]any{"chain": "ethereum", "contract": "0xA6b9ff1a999f06cca06e548d5bd702d6f62841ab", "token_id": "42", "note": "drained", "tx_hash": "0xabc"}
	r = c.do(oaCall{name: "report stolen", method: post, path: "/v1/stolen", ct: jsonCT, key: reporterKey, body: jsonBody(t, stolen), status: http.StatusCreated})
	stolenPath := fmt.Sprintf("/v1/stolen/%v", r.json(t)["id"])
	c.do(oaCall{name: "report stolen again", method: post, path: "/v1/stolen", ct: jsonCT, body: jsonBody(t, stolen), status: http.StatusOK})
	c.do(oaCall{name: "report stolen without a chain", method: post, path: "/v1/stolen", ct: jsonCT,
		body: jsonBody(t, map[string]any{"contract": "0x1", "token_id": "1"}), status: http.StatusBadRequest})
	c.do(oaCall{name: "scam check of a stolen token", method: post, path: "/v1/scam-check", ct: jsonCT, body: jsonBody(t, evm), status: http.StatusOK})
	c.do(oaCall{name: "list stolen", method: get, path: "/v1/stolen?chain=ethereum&status=open", key: reporterKey, status: http.StatusOK})
	c.do(oaCall{name: "list stolen, paged", method: get, path: "/v1/stolen?limit=1", status: http.StatusOK})
	c.do(oaCall{name: "list stolen, bad status", method: get, path: "/v1/stolen?status=lost", status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "get stolen", method: get, path: stolenPath, key: reporterKey, status: http.StatusOK})
	c.do(oaCall{name: "get missing stolen", method: get, path: "/v1/stolen/99999", status: http.StatusNotFound, code: sleuth.CodeStolenNotFound})
	c.do(oaCall{name: "resolve stolen without admin", method: post, path: stolenPath + "/resolve", ct: jsonCT, key: reporterKey,
		body: jsonBody(t, map[string]any{"resolution": "recovered"}), status: http.StatusForbidden, code: accounts.CodeForbidden})
	c.do(oaCall{name: "resolve stolen, bad resolution", method: post, path: stolenPath + "/resolve", ct: jsonCT,
		body: jsonBody(t, map[string]any{"resolution": "lost"}), status: http.StatusBadRequest, invalid: true})
	c.do(oaCall{name: "resolve stolen", method: post, path: stolenPath + "/resolve", ct: jsonCT,
		body: jsonBody(t, map[string]any{"resolution": "recovered", "note": "returned"}), status: http.StatusOK})
	c.do(oaCall{name: "resolve stolen twice", method: post, path: stolenPath + "/resolve", ct: jsonCT,
		body: jsonBody(t, map[string]any{"resolution": "recovered"}), status: http.StatusConflict, code: sleuth.CodeStolenState})

	// ---- deletion (after the searches that use the asset) ----
	c.do(oaCall{name: "delete asset", method: del, path: "/v1/assets/" + textNid, key: registrar, status: http.StatusOK})
	c.do(oaCall{name: "delete it again", method: del, path: "/v1/assets/" + textNid, status: http.StatusNotFound, code: sleuth.CodeAssetNotFound})

	// ---- operations ----
	c.do(oaCall{name: "healthz", method: get, path: "/healthz", auth: "none", status: http.StatusOK})
	c.do(oaCall{name: "readyz", method: get, path: "/readyz", auth: "none", status: http.StatusOK})
	c.do(oaCall{name: "metrics", method: get, path: "/metrics", auth: "none", status: http.StatusOK})
	c.do(oaCall{name: "openapi", method: get, path: "/openapi.json", auth: "none", status: http.StatusOK})

	// ---- every authenticated endpoint: 401 and 429 ----
	wantCode := func(op string, code string) string {
		if op == "POST /v1/lookup" {
			return verbitasCodes[code]
		}
		return code
	}
	c.do(oaCall{name: "use up the limited key", method: get, path: "/v1/usage", key: limited, status: http.StatusOK})
	for _, rr := range routesFromSource(t) {
		if rr.scope == "" {
			continue
		}
		path := strings.NewReplacer("{nid}", origNid, "{id}", "1", "{orderID}", theftOrder).Replace(rr.path)
		op := rr.method + " " + rr.path
		c.do(oaCall{name: "no key", method: rr.method, path: path, auth: "none",
			status: http.StatusUnauthorized, code: wantCode(op, accounts.CodeUnauthenticated), invalid: true})
		c.do(oaCall{name: "malformed key", method: rr.method, path: path, auth: "token", key: "nope",
			status: http.StatusUnauthorized, code: wantCode(op, accounts.CodeUnauthenticated), invalid: true})
		r := c.do(oaCall{name: "rate limited", method: rr.method, path: path, key: limited, auth: "x-api-key",
			status: http.StatusTooManyRequests, code: wantCode(op, CodeRateLimited), invalid: true})
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", op)
		}
	}

	// ---- coverage: every operation answered a success and an error ----
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			k := method + " " + path
			var ok2xx, ok4xx bool
			for st := range c.seen[k] {
				ok2xx = ok2xx || st < 300
				ok4xx = ok4xx || st >= 400
			}
			if !ok2xx {
				t.Errorf("%s (%s) was never called successfully", k, op.OperationID)
			}
			if !ok4xx && op.Security == nil {
				t.Errorf("%s (%s) never answered an error", k, op.OperationID)
			}
		}
	}
}

// TestOpenAPIReadyzUnavailable validates readyz's 503 (its own shape, not
// the error shape) from a server whose store is closed.
func TestOpenAPIReadyzUnavailable(t *testing.T) {
	e := newEnv(t, Config{})
	c := newOAChecker(t, e)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := c.do(oaCall{name: "readyz, store closed", method: http.MethodGet, path: "/readyz", auth: "none", status: http.StatusServiceUnavailable})
	if str(t, r.json(t), "status") != "unavailable" {
		t.Errorf("readyz: %s", r.body)
	}
}

// TestOpenAPIValidatorCatchesDrift checks that the validation above has
// teeth: answers that differ from the document in the ways a handler can
// drift (an undocumented member, a missing one, a wrong type, a null, an
// undocumented status, a missing header) are rejected.
func TestOpenAPIValidatorCatchesDrift(t *testing.T) {
	e := newEnv(t, Config{})
	c := newOAChecker(t, e)
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/v1/nft-search?nid=x", nil)
	route, params, err := c.strict.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]any{
		"nid": "x", "orderID": "o",
		"nftRecords": []any{map[string]any{
			"chain_id": 1, "contract": "0x1", "token_id": "1", "asset_cids": []any{}, "primary_marketplace": nil,
			"current_owner": "", "nft_spec": "erc721", "creator": "", "created_at": "2022-06-23T04:08:31",
			"metadata": map[string]any{}, "animation_url": "", "image_url": "", "token_uri": "",
		}},
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_0123456789abcdef01234567"},
		"X-Ratelimit-Limit": {"20"}, "X-Ratelimit-Remaining": {"19"}, "X-Ratelimit-Reset": {"1"}}
	validate := func(status int, h http.Header, body any) error {
		b, _ := json.Marshal(body)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 status, Header: h,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(b)
		return openapi3filter.ValidateResponse(context.Background(), in)
	}
	if err := validate(http.StatusOK, hdr, good); err != nil {
		t.Fatalf("a good answer is rejected: %v", err)
	}
	mutate := func(f func(m, rec map[string]any)) map[string]any {
		var m map[string]any
		b, _ := json.Marshal(good)
		json.Unmarshal(b, &m)
		f(m, m["nftRecords"].([]any)[0].(map[string]any))
		return m
	}
	for name, body := range map[string]any{
		"undocumented member":        mutate(func(m, _ map[string]any) { m["extra"] = 1 }),
		"undocumented nested member": mutate(func(_, r map[string]any) { r["chain"] = "eip155:1" }),
		"missing member":             mutate(func(m, _ map[string]any) { delete(m, "orderID") }),
		"missing nested member":      mutate(func(_, r map[string]any) { delete(r, "token_uri") }),
		"wrong type":                 mutate(func(_, r map[string]any) { r["token_id"] = 1 }),
		"null where not nullable":    mutate(func(_, r map[string]any) { r["metadata"] = nil }),
		"list null":                  mutate(func(m, _ map[string]any) { m["nftRecords"] = nil }),
		"created_at with a zone":     mutate(func(_, r map[string]any) { r["created_at"] = "2022-06-23T04:08:31Z" }),
	} {
		if err := validate(http.StatusOK, hdr, body); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := validate(http.StatusTeapot, hdr, good); err == nil {
		t.Errorf("undocumented status: accepted")
	}
	noID := hdr.Clone()
	noID.Del("X-Request-Id")
	if err := validate(http.StatusOK, noID, good); err == nil {
		t.Errorf("missing X-Request-Id: accepted")
	}
	noRL := hdr.Clone()
	noRL.Del("X-Ratelimit-Remaining")
	if err := validate(http.StatusOK, noRL, good); err == nil {
		t.Errorf("missing X-RateLimit-Remaining: accepted")
	}
	errBody := map[string]any{"error": map[string]any{"code": "c", "message": "m", "request_id": "r"}}
	if err := validate(http.StatusTooManyRequests, hdr, errBody); err == nil {
		t.Errorf("429 without Retry-After: accepted")
	}
	if err := validate(http.StatusBadRequest, hdr, map[string]any{"error": "bad"}); err == nil {
		t.Errorf("an error in another shape: accepted")
	}
	if err := validate(http.StatusBadRequest, hdr, errBody); err != nil {
		t.Errorf("a good error is rejected: %v", err)
	}
}

func sleuthTime(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}
