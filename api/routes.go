package api

import (
	"net/http"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
)

// verbitasCodes are the error codes Verbitas documents for /v1/lookup.
var verbitasCodes = map[string]string{
	CodeNoInput:                  "verbitas.lookup.no_input",
	accounts.CodeUnauthenticated: "verbitas.auth.invalid_key",
	sleuth.CodeUnsupportedType:   "verbitas.lookup.unsupported_file_type",
	CodeRateLimited:              "verbitas.ratelimit.exceeded",
}

// routes registers every endpoint. The OpenAPI document (openapi.json)
// describes exactly these; a test checks that the two agree.
func (s *Server) routes() {
	// Operations.
	s.public("GET /healthz", s.handleHealthz)
	s.public("GET /readyz", s.handleReadyz)
	s.public("GET /metrics", s.handleMetrics)
	s.public("GET /openapi.json", s.handleOpenAPI)

	// Numbers Protocol Verify Engine.
	s.route("POST /v1/nid", sleuth.ScopeSearch, s.handleNid)
	s.route("POST /v1/theft-detection", sleuth.ScopeSearch, s.handleTheftDetection)
	s.route("POST /v1/asset-search", sleuth.ScopeSearch, s.handleAssetSearch)
	s.route("GET /v1/nft-search", sleuth.ScopeSearch, s.handleNFTSearch)

	// Verbitas lookup.
	s.routeCodes("POST /v1/lookup", sleuth.ScopeSearch, verbitasCodes, s.handleLookup)

	// aiRight authenticity reports.
	s.route("POST /v1/reports/nft", sleuth.ScopeReport, s.handleNFTReport)
	s.route("POST /v1/reports/collections", sleuth.ScopeReport, s.handleCollectionReport)
	s.route("GET /v1/reports/collections/{id}", sleuth.ScopeReport, s.handleGetCollectionReport)

	// SolCheck scam check, and the stolen registry it reads.
	s.route("POST /v1/scam-check", sleuth.ScopeReport, s.handleScamCheck)
	s.route("POST /v1/stolen", sleuth.ScopeReport, s.handleReportStolen)
	s.route("GET /v1/stolen", sleuth.ScopeReport, s.handleListStolen)
	s.route("GET /v1/stolen/{id}", sleuth.ScopeReport, s.handleGetStolen)
	s.route("POST /v1/stolen/{id}/resolve", sleuth.ScopeAdmin, s.handleResolveStolen)

	// Asset registry.
	s.route("POST /v1/assets", sleuth.ScopeRegister, s.handleRegisterAsset)
	s.route("GET /v1/assets", sleuth.ScopeSearch, s.handleListAssets)
	s.route("GET /v1/assets/{nid}", sleuth.ScopeSearch, s.handleGetAsset)
	s.route("DELETE /v1/assets/{nid}", sleuth.ScopeRegister, s.handleDeleteAsset)

	// Accounts, keys, credits, orders.
	s.route("POST /v1/keys", sleuth.ScopeAdmin, s.handleCreateKey)
	s.route("GET /v1/keys", sleuth.ScopeSearch, s.handleListKeys)
	s.route("DELETE /v1/keys/{id}", sleuth.ScopeAdmin, s.handleRevokeKey)
	s.route("GET /v1/usage", sleuth.ScopeSearch, s.handleUsage)
	s.route("GET /v1/orders/{orderID}", sleuth.ScopeSearch, s.handleGetOrder)
	s.route("POST /v1/accounts/{id}/credits", sleuth.ScopeAdmin, s.handleAddCredits)

	// Everything else: the error shape, not Go's plain-text 404.
	s.public("/", s.handleUnmatched)
}

// handleUnmatched answers 405 (with Allow) when the path exists for other
// methods, and 404 otherwise.
func (s *Server) handleUnmatched(w http.ResponseWriter, r *http.Request, _ *call) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return sleuth.Errorf(CodeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
	}
	return sleuth.Errorf(CodeNotFound, "no endpoint %s %s (see /openapi.json)", r.Method, r.URL.Path)
}
