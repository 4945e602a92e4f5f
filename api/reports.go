package api

// aiRight's authenticity reports: the single-NFT report and the
// asynchronous collection report (package report does the work).

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/report"
)

// ReportsConfig configures the report endpoints. The zero value works:
// tokens missing from the index are 404, collection reports wait for the
// job runner's next poll, and each report's webhook is signed with its own
// secret.
type ReportsConfig struct {
	// Chain fetches a token that is not in the index (nil: 404).
	Chain report.TokenSource
	// Queued is called after a collection report is queued (it wakes the
	// job runner).
	Queued func()
	// SharedWebhookSecret says the server signs webhooks with a configured
	// secret; otherwise each report's secret is returned once, as
	// webhook_secret.
	SharedWebhookSecret bool
	// AllowHTTPWebhooks accepts http:// webhook URLs (https only otherwise).
	AllowHTTPWebhooks bool
}

func init() {
	registerStatus(map[string]int{
		report.CodeBadInput:       http.StatusBadRequest,
		report.CodeNoMedia:        http.StatusUnprocessableEntity,
		report.CodeReportNotFound: http.StatusNotFound,
		report.CodeBadWebhook:     http.StatusBadRequest,
		report.CodeBadEmail:       http.StatusBadRequest,
		sleuth.CodeJobNotFound:    http.StatusNotFound,
		sleuth.CodeLeaseLost:      http.StatusConflict,
	})
}

// reporter makes NFT reports over the server's engine and fetcher.
func (s *Server) reporter() *report.Reporter {
	r := &report.Reporter{
		Finder: report.Finder{Engine: s.eng, Store: s.eng.Store()},
		Chain:  s.cfg.Reports.Chain,
	}
	if s.fetcher != nil {
		r.Fetch = func(ctx context.Context, u string) ([]byte, error) {
			res, err := s.fetcher.Fetch(ctx, u)
			if err != nil {
				return nil, err
			}
			return res.Body, nil
		}
	}
	return r
}

func (s *Server) collections() *report.Collections {
	return &report.Collections{Reporter: s.reporter(), Jobs: s.eng.Store(), AllowHTTPWebhooks: s.cfg.Reports.AllowHTTPWebhooks}
}

// nftReportResponse is aiRight's report with the order.
type nftReportResponse struct {
	*report.NFTReport
	OrderID string `json:"orderID"`
}

// handleNFTReport answers POST /v1/reports/nft: a file (multipart "file"),
// a fileURL, or chain + contract (or address) + token_id (or tokenId).
func (s *Server) handleNFTReport(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r, "file")
	if err != nil {
		return err
	}
	defer in.close()
	req := &report.NFTRequest{}
	fileURL, err := in.str("fileURL")
	if err != nil {
		return err
	}
	if in.file == nil && strings.TrimSpace(fileURL) == "" {
		k, err := tokenKey(in)
		if err != nil {
			return err
		}
		req.Token = k
	}
	ctx := r.Context()
	var resp nftReportResponse
	err = s.billed(ctx, c, accounts.OpNFTReport, func(orderID string) (string, error) {
		if req.Token == nil {
			m, err := s.media(ctx, in, "fileURL")
			if err != nil {
				return "", err
			}
			req.Path, req.Data = m.path, m.data
		}
		rep, err := s.reporter().NFT(ctx, req)
		if err != nil {
			return "", err
		}
		resp = nftReportResponse{NFTReport: rep, OrderID: orderID}
		return orderDetail(map[string]any{"flag_red": rep.FlagRed, "flag_consider": rep.FlagConsider,
			"copies": len(rep.ExactMatch) + len(rep.NearExact) + len(rep.Semantic)}), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// tokenKey reads chain, contract (or aiRight's address) and token_id (or
// tokenId). Errors: sleuth.request.no_input when none is given;
// sleuth.report.bad_input when some are missing or the chain is unknown.
func tokenKey(in *input) (*sleuth.NFTKey, error) {
	chain, err := in.firstStr("chain")
	if err != nil {
		return nil, err
	}
	contract, err := in.firstStr("contract", "address")
	if err != nil {
		return nil, err
	}
	token, err := in.firstStr("token_id", "tokenId")
	if err != nil {
		return nil, err
	}
	if chain == "" && contract == "" && token == "" {
		return nil, sleuth.Errorf(CodeNoInput, "no input: upload a file (multipart field \"file\"), give fileURL, or chain + contract + token_id")
	}
	if chain == "" || contract == "" || token == "" {
		return nil, sleuth.Errorf(report.CodeBadInput, "a token needs chain, contract and token_id")
	}
	if chain, err = report.ParseChain(chain); err != nil {
		return nil, err
	}
	return &sleuth.NFTKey{Chain: chain, Contract: report.NormalizeContract(contract), TokenID: token}, nil
}

// collectionSubmitted is the answer to a collection report request.
type collectionSubmitted struct {
	*report.Submitted
	OrderID string `json:"orderID"`
}

// handleCollectionReport answers POST /v1/reports/collections: it queues
// the report and returns its id and status URL, or answers at once for a
// verified collection.
func (s *Server) handleCollectionReport(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	var req report.CollectionRequest
	for name, dst := range map[string]*string{"chain": &req.Chain, "contract": &req.Contract, "webhook_url": &req.WebhookURL, "email": &req.Email} {
		if *dst, err = in.str(name); err != nil {
			return err
		}
	}
	if req.Contract == "" {
		if req.Contract, err = in.str("address"); err != nil {
			return err
		}
	}
	if strings.TrimSpace(req.Chain) == "" || strings.TrimSpace(req.Contract) == "" {
		return sleuth.Errorf(report.CodeBadInput, "a collection report needs chain and contract")
	}
	ctx := r.Context()
	var resp collectionSubmitted
	err = s.billed(ctx, c, accounts.OpCollectionReport, func(orderID string) (string, error) {
		sub, err := s.collections().Submit(ctx, c.key.AccountID, req, baseURL(r), !s.cfg.Reports.SharedWebhookSecret)
		if err != nil {
			return "", err
		}
		resp = collectionSubmitted{Submitted: sub, OrderID: orderID}
		return orderDetail(map[string]any{"report": sub.ID, "verified": sub.IsVerified}), nil
	})
	if err != nil {
		return err
	}
	if resp.ID != "" && s.cfg.Reports.Queued != nil {
		s.cfg.Reports.Queued()
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// handleGetCollectionReport answers GET /v1/reports/collections/{id}; the
// query parameter detail=false leaves out the detail of each token.
func (s *Server) handleGetCollectionReport(w http.ResponseWriter, r *http.Request, c *call) error {
	detail := true
	if v := r.URL.Query().Get("detail"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return sleuth.Errorf(sleuth.CodeBadRequest, "detail must be true or false")
		}
		detail = b
	}
	st, err := s.collections().Status(r.Context(), r.PathValue("id"), detail)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// baseURL is the server's URL as the client reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
