package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/fingerprint"
)

func TestPHashConfidence(t *testing.T) {
	for _, tc := range []struct {
		d    int
		want float64
	}{{0, 1}, {10, 0.844}, {12, 0.813}, {32, 0.5}, {64, 0}, {80, 0}} {
		if got := phashConfidence(tc.d); got != tc.want {
			t.Errorf("phashConfidence(%d) = %v, want %v", tc.d, got, tc.want)
		}
	}
}

// lookupMatches checks a lookup answer's shape and returns its matches.
func lookupMatches(t *testing.T, r reply) []map[string]any {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if got, want := str(t, m, "request_id"), r.header.Get("X-Request-Id"); got != want || got == "" {
		t.Errorf("request_id %q, X-Request-Id %q", got, want)
	}
	var out []map[string]any
	for _, v := range list(t, m, "matches") {
		lm := v.(map[string]any)
		for _, k := range []string{"asset_id", "match_type", "confidence", "distance", "manifest_uri", "verifier_url"} {
			if _, ok := lm[k]; !ok {
				t.Errorf("match lacks %s: %v", k, lm)
			}
		}
		if lm["manifest_uri"] != nil {
			t.Errorf("manifest_uri %v", lm["manifest_uri"])
		}
		out = append(out, lm)
	}
	return out
}

func TestLookupFile(t *testing.T) {
	e := newEnv(t, Config{})
	orig := e.register(imgOrig)

	// The same bytes: exact_hash, distance null. Verbitas sends Bearer.
	body, ct := multipartBody(t, "asset", readImage(t, imgOrig), nil)
	r := e.do(request{method: http.MethodPost, path: "/v1/lookup", auth: "bearer", body: body, ct: ct})
	ms := lookupMatches(t, r)
	if len(ms) != 1 {
		t.Fatalf("matches %v", ms)
	}
	if ms[0]["asset_id"] != orig || ms[0]["match_type"] != "exact_hash" || ms[0]["distance"] != nil || ms[0]["confidence"] != 1.0 {
		t.Errorf("exact match %v", ms[0])
	}
	if got, want := ms[0]["verifier_url"], e.ts.URL+"/asset-profile?nid="+orig; got != want {
		t.Errorf("verifier_url %v, want %s", got, want)
	}

	// A near copy (field "file" works too): perceptual_hash with the pHash
	// distance (0 for this pair) and the near-exact score.
	ms = lookupMatches(t, e.postFile("/v1/lookup", "", "file", readImage(t, imgCopy128), nil))
	if len(ms) != 1 {
		t.Fatalf("matches %v", ms)
	}
	if ms[0]["asset_id"] != orig || ms[0]["match_type"] != "perceptual_hash" || ms[0]["distance"] != 0.0 {
		t.Errorf("near match %v", ms[0])
	}
	if c := ms[0]["confidence"].(float64); c < 0.75 || c >= 1 {
		t.Errorf("confidence %v", c)
	}

	// Another picture: no match.
	if ms = lookupMatches(t, e.postFile("/v1/lookup", "", "asset", readImage(t, imgOther), nil)); len(ms) != 0 {
		t.Errorf("matches %v", ms)
	}
}

func TestLookupHashes(t *testing.T) {
	e := newEnv(t, Config{})
	orig := e.register(imgOrig)
	e.register(imgOther)
	res, err := fingerprint.Bytes(readImage(t, imgOrig), fingerprint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	near, err := fingerprint.Bytes(readImage(t, imgCopy256), fingerprint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	flip := func(h fingerprint.PHash, bits int) fingerprint.PHash {
		for i := range bits {
			h ^= 1 << (i * 5)
		}
		return h
	}
	for _, tc := range []struct {
		name, algorithm, hash string
		matchType             string
		distance              any
		confidence            float64 // 0: anything in (0.75, 1)
	}{
		{"exact", "exact_hash", res.BLAKE3.String(), "exact_hash", nil, 1},
		{"exact upper case", "exact_hash", strings.ToUpper(res.BLAKE3.String()), "exact_hash", nil, 1},
		{"phash", "perceptual_hash", res.PHash.String(), "perceptual_hash", 0.0, 1},
		{"phash at 6", "perceptual_hash", flip(res.PHash, 6).String(), "perceptual_hash", 6.0, phashConfidence(6)},
		{"pdq", "pdq", res.PDQ.String(), "perceptual_hash", 0.0, 0.99},
		{"pdq near", "pdq", near.PDQ.String(), "perceptual_hash", float64(near.PDQ.Distance(res.PDQ)), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := lookupMatches(t, e.postJSON("/v1/lookup", "", map[string]any{"algorithm": tc.algorithm, "binding_hash": tc.hash}))
			if len(ms) != 1 {
				t.Fatalf("matches %v", ms)
			}
			m := ms[0]
			if m["asset_id"] != orig || m["match_type"] != tc.matchType || m["distance"] != tc.distance {
				t.Errorf("match %v", m)
			}
			c := m["confidence"].(float64)
			if tc.confidence != 0 && c != tc.confidence || tc.confidence == 0 && (c < 0.3 || c >= 1) {
				t.Errorf("confidence %v, want %v", c, tc.confidence)
			}
		})
	}

	// Far hashes find nothing.
	for _, body := range []map[string]any{
		{"algorithm": "perceptual_hash", "binding_hash": flip(res.PHash, 11).String()},
		{"algorithm": "exact_hash", "binding_hash": res.SHA256.String()}, // sha256 is not BLAKE3
		{"algorithm": "pdq", "binding_hash": strings.Repeat("0", 64)},
	} {
		if ms := lookupMatches(t, e.postJSON("/v1/lookup", "", body)); len(ms) != 0 {
			t.Errorf("%v: matches %v", body, ms)
		}
	}

	// Lookups cost accounts.OpLookup each.
	u := e.usage(e.user)
	if u.ByOp[accounts.OpLookup] != 9 || u.Spent != 9*accounts.DefaultPrices()[accounts.OpLookup] {
		t.Errorf("usage %+v", u)
	}
}

func TestLookupErrors(t *testing.T) {
	e := newEnv(t, Config{})
	e.register(imgOrig)
	before := e.balance(e.user)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"no input", map[string]any{}, http.StatusBadRequest, "verbitas.lookup.no_input"},
		{"no hash", map[string]any{"algorithm": "pdq"}, http.StatusBadRequest, "verbitas.lookup.no_input"},
		{"no algorithm", map[string]any{"binding_hash": "f0e1d2c3b4a59687"}, http.StatusBadRequest, sleuth.CodeBadRequest},
		{"unknown algorithm", map[string]any{"algorithm": "md5", "binding_hash": "f0e1d2c3b4a59687"}, http.StatusBadRequest, sleuth.CodeBadRequest},
		{"watermark", map[string]any{"algorithm": "exact_watermark", "binding_hash": "f0e1d2c3b4a59687"}, http.StatusBadRequest, sleuth.CodeBadRequest},
		{"short phash", map[string]any{"algorithm": "perceptual_hash", "binding_hash": "f0e1d2c3b4a5968"}, http.StatusBadRequest, sleuth.CodeBadRequest},
		{"bad hex", map[string]any{"algorithm": "pdq", "binding_hash": strings.Repeat("zz", 32)}, http.StatusBadRequest, sleuth.CodeBadRequest},
		{"phash for exact", map[string]any{"algorithm": "exact_hash", "binding_hash": "f0e1d2c3b4a59687"}, http.StatusBadRequest, sleuth.CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.postJSON("/v1/lookup", "", tc.body), tc.status, tc.code)
		})
	}

	// Authentication errors under Verbitas' code.
	r := e.do(request{method: http.MethodPost, path: "/v1/lookup", auth: "bearer", key: "vb_live_nope"})
	wantError(t, r, http.StatusUnauthorized, "verbitas.auth.invalid_key")
	r = e.do(request{method: http.MethodPost, path: "/v1/lookup", auth: "none"})
	wantError(t, r, http.StatusUnauthorized, "verbitas.auth.invalid_key")

	// A PDF is not a picture.
	wantError(t, e.postFile("/v1/lookup", "", "asset", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), nil),
		http.StatusUnsupportedMediaType, "verbitas.lookup.unsupported_file_type")
	// A corrupt picture is refunded.
	jpeg := readImage(t, imgOrig)
	wantError(t, e.postFile("/v1/lookup", "", "asset", jpeg[:len(jpeg)/3], nil), http.StatusUnprocessableEntity, sleuth.CodeImageCorrupt)

	if got := e.balance(e.user); got != before {
		t.Errorf("balance %s after failed lookups, want %s", got, before)
	}
	// A rate-limited lookup says so in Verbitas' words.
	slow := newEnv(t, Config{RatePerSecond: 0.001, Burst: 1})
	slow.postJSON("/v1/lookup", "", map[string]any{})
	wantError(t, slow.postJSON("/v1/lookup", "", map[string]any{}), http.StatusTooManyRequests, "verbitas.ratelimit.exceeded")
}
