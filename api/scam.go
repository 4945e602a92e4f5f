package api

// SolCheck's scam check: POST /v1/scam-check (package report does the
// work, package phishing holds the lists).

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/phishing"
	"github.com/sleuthhq/sleuth/report"
)

func init() {
	registerStatus(map[string]int{
		phishing.CodeInvalidConfig: http.StatusBadRequest,
	})
}

// maxPlainBody bounds a text/plain scam-check body (a mint address).
const maxPlainBody = 4 << 10

// scamChecker returns the checker over the server's engine, its phishing
// lists (the embedded snapshot unless Config.Phishing is set) and its
// chain hook.
func (s *Server) scamChecker() (*report.ScamChecker, error) {
	lists := s.cfg.Phishing
	if lists == nil {
		var err error
		if lists, err = phishing.Embedded(); err != nil {
			return nil, sleuth.Errorf(sleuth.CodeInternal, "phishing lists: %w", err)
		}
	}
	return &report.ScamChecker{
		Finder: report.Finder{Engine: s.eng, Store: s.eng.Store()},
		Lists:  lists,
		Chain:  s.cfg.Reports.Chain,
	}, nil
}

// scamCheckResponse is the verdict with the order.
type scamCheckResponse struct {
	*report.ScamResponse
	OrderID string `json:"orderID"`
}

// handleScamCheck answers POST /v1/scam-check. The token is named by JSON,
// form or query fields chain, contract, token_id and token_address (a
// Solana mint); SolCheck's own requests work too: {"token_id": MINT},
// {"token_address": MINT}, or the mint as the whole body (`curl -d MINT`,
// form-encoded or text/plain).
func (s *Server) handleScamCheck(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := s.scamRequest(r)
	if err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	chk, err := s.scamChecker()
	if err != nil {
		return err
	}
	ctx := r.Context()
	var resp scamCheckResponse
	err = s.billed(ctx, c, accounts.OpScamCheck, func(orderID string) (string, error) {
		v, err := chk.Check(ctx, req)
		if err != nil {
			return "", err
		}
		resp = scamCheckResponse{ScamResponse: v, OrderID: orderID}
		return orderDetail(map[string]any{"result": v.Result, "malicious_type": v.MaliciousType, "reasons": len(v.Reasons),
			"chain": v.Chain, "contract": v.Contract, "token_id": v.TokenID}), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// scamRequest reads the token to check. Errors: sleuth.request.no_input
// when no field names one.
func (s *Server) scamRequest(r *http.Request) (*report.ScamRequest, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "text/plain" {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxPlainBody+1))
		if err != nil {
			return nil, sleuth.Errorf(CodeBadJSON, "read body: %w", err)
		}
		if len(b) > maxPlainBody {
			return nil, sleuth.Errorf(sleuth.CodeFileTooLarge, "a text/plain scam-check body is a mint address, at most %d bytes", maxPlainBody)
		}
		mint := strings.TrimSpace(string(b))
		if mint == "" {
			return nil, sleuth.Errorf(CodeNoInput, "no input: give a mint address, or chain + contract + token_id")
		}
		return &report.ScamRequest{TokenAddress: mint}, nil
	}
	in, err := s.parseInput(r)
	if err != nil {
		return nil, err
	}
	defer in.close()
	req := &report.ScamRequest{}
	for _, f := range []struct {
		dst   *string
		names []string
	}{
		{&req.Chain, []string{"chain"}},
		{&req.Contract, []string{"contract", "address"}},
		{&req.TokenID, []string{"token_id", "tokenId"}},
		{&req.TokenAddress, []string{"token_address", "tokenAddress", "mint"}},
	} {
		v, err := in.firstStr(f.names...)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	if *req == (report.ScamRequest{}) {
		// `curl -d MINT` posts the mint as a form key without a value.
		if len(in.values) == 1 {
			for k, v := range in.values {
				if string(v) == `""` && strings.TrimSpace(k) != "" {
					return &report.ScamRequest{TokenAddress: strings.TrimSpace(k)}, nil
				}
			}
		}
		return nil, sleuth.Errorf(CodeNoInput, "no input: give token_address (a Solana mint), or chain + contract + token_id")
	}
	return req, nil
}
