package client

// SolCheck's scam check and the stolen registry.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ScamCheckRequest names a token: an EVM token by Chain, Contract and
// TokenID; a Solana token by TokenAddress (its mint), Chain and Contract
// optional.
type ScamCheckRequest struct {
	Chain        string `json:"chain,omitempty"`
	Contract     string `json:"contract,omitempty"`
	TokenID      string `json:"token_id,omitempty"`
	TokenAddress string `json:"token_address,omitempty"`
}

// ScamCheckResponse is SolCheck's verdict and Sleuth's evidence.
type ScamCheckResponse struct {
	// Result is "CHECKS_PASSED" or "SUSPECTED_MALICIOUS".
	Result string `json:"result"`
	// MaliciousType is "STOLEN", "PHISHING" or "FAKE" (the first reason's);
	// "" when the checks passed.
	MaliciousType string        `json:"malicious_type"`
	TokenAddress  string        `json:"token_address"`
	Chain         string        `json:"chain"`
	Contract      string        `json:"contract"`
	TokenID       string        `json:"token_id"`
	Reasons       []ScamReason  `json:"reasons"`
	Checks        []CheckStatus `json:"checks"`
	PhishingLists string        `json:"phishing_lists"`
	OrderID       string        `json:"orderID"`
}

// ScamReason is one reason, with its evidence in the member Type names.
type ScamReason struct {
	Type     string           `json:"type"`
	Detail   string           `json:"detail"`
	Stolen   *StolenReport    `json:"stolen,omitempty"`
	Phishing *PhishingFinding `json:"phishing,omitempty"`
	Fake     *FakeEvidence    `json:"fake,omitempty"`
}

// PhishingFinding is a link to a phishing domain, or a lure.
type PhishingFinding struct {
	Kind      string `json:"kind"`
	Field     string `json:"field"`
	Link      string `json:"link"`
	Domain    string `json:"domain"`
	List      string `json:"list"`
	Entry     string `json:"entry"`
	Distance  *int   `json:"distance"`
	Tolerance *int   `json:"tolerance"`
	Unicode   string `json:"unicode"`
	Keyword   string `json:"keyword"`
	Source    string `json:"source"`
}

// FakeEvidence: the token's picture copies Original, minted earlier in a
// verified collection.
type FakeEvidence struct {
	Original    ScamToken `json:"original"`
	Tier        string    `json:"tier"`
	Score       float64   `json:"score"`
	Fingerprint string    `json:"fingerprint"`
	Distance    int       `json:"distance"`
	Variant     string    `json:"variant"`
	Nid         string    `json:"nid"`
	MintedAt    time.Time `json:"minted_at"`
}

// ScamToken is the original a FAKE token copies.
type ScamToken struct {
	Chain      string    `json:"chain"`
	Contract   string    `json:"contract"`
	TokenID    string    `json:"token_id"`
	Collection string    `json:"collection"`
	MarketName string    `json:"market_name"`
	Nid        string    `json:"nid"`
	MintedAt   time.Time `json:"minted_at"`
}

// CheckStatus says whether one check ran.
type CheckStatus struct {
	Type string `json:"type"`
	Ran  bool   `json:"ran"`
	Note string `json:"note"`
}

// Actor is who acted on a stolen report (zero when hidden from the caller).
type Actor struct {
	AccountID int64  `json:"account_id"`
	KeyID     string `json:"key_id"`
}

// StolenReport is an entry of the stolen registry.
type StolenReport struct {
	ID         int64         `json:"id"`
	Chain      string        `json:"chain"`
	Contract   string        `json:"contract"`
	TokenID    string        `json:"token_id"`
	Status     string        `json:"status"`
	Note       string        `json:"note"`
	TxHash     string        `json:"tx_hash"`
	ReportedBy Actor         `json:"reported_by"`
	Reports    int           `json:"reports"`
	Resolution string        `json:"resolution"`
	ResolvedBy *Actor        `json:"resolved_by"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	ResolvedAt *time.Time    `json:"resolved_at"`
	Events     []StolenEvent `json:"events"`
	// Created is set by ReportStolen: false when the report joined the
	// token's open report.
	Created bool `json:"created"`
}

// StolenEvent is one entry of a report's audit trail.
type StolenEvent struct {
	ID         int64     `json:"id"`
	ReportID   int64     `json:"report_id"`
	Action     string    `json:"action"`
	FromStatus string    `json:"from_status"`
	ToStatus   string    `json:"to_status"`
	Actor      Actor     `json:"actor"`
	Note       string    `json:"note"`
	At         time.Time `json:"at"`
}

// ReportStolenRequest reports a token stolen.
type ReportStolenRequest struct {
	Chain        string `json:"chain"`
	Contract     string `json:"contract,omitempty"`
	TokenID      string `json:"token_id,omitempty"`
	TokenAddress string `json:"token_address,omitempty"`
	Note         string `json:"note,omitempty"`
	TxHash       string `json:"tx_hash,omitempty"`
}

// StolenFilter selects reports; zero fields match everything.
type StolenFilter struct {
	Chain, Contract, TokenID, Status string
	After                            int64
	Limit                            int
}

// StolenList is a page of reports; NextAfter is 0 on the last page.
type StolenList struct {
	Reports   []StolenReport `json:"reports"`
	NextAfter int64          `json:"next_after"`
}

// ScamCheck calls POST /v1/scam-check (scope report; billed).
func (c *Client) ScamCheck(ctx context.Context, req ScamCheckRequest) (*ScamCheckResponse, error) {
	var out ScamCheckResponse
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/scam-check", nil, req, &out))
}

// ReportStolen calls POST /v1/stolen (scope report).
func (c *Client) ReportStolen(ctx context.Context, req ReportStolenRequest) (*StolenReport, error) {
	var out StolenReport
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/stolen", nil, req, &out))
}

// ListStolen calls GET /v1/stolen (scope report).
func (c *Client) ListStolen(ctx context.Context, f StolenFilter) (*StolenList, error) {
	q := url.Values{}
	for k, v := range map[string]string{"chain": f.Chain, "contract": f.Contract, "token_id": f.TokenID, "status": f.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.After > 0 {
		q.Set("after", strconv.FormatInt(f.After, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out StolenList
	return result(&out, c.doJSON(ctx, http.MethodGet, "/v1/stolen", q, nil, &out))
}

// GetStolen calls GET /v1/stolen/{id} (scope report): the report with its
// audit trail.
func (c *Client) GetStolen(ctx context.Context, id int64) (*StolenReport, error) {
	var out StolenReport
	return result(&out, c.doJSON(ctx, http.MethodGet, fmt.Sprintf("/v1/stolen/%d", id), nil, nil, &out))
}

// ResolveStolen calls POST /v1/stolen/{id}/resolve (scope admin) with a
// resolution ("recovered", "false_report", "duplicate" or "other") and a
// note.
func (c *Client) ResolveStolen(ctx context.Context, id int64, resolution, note string) (*StolenReport, error) {
	var out StolenReport
	in := map[string]string{"resolution": resolution, "note": note}
	return result(&out, c.doJSON(ctx, http.MethodPost, fmt.Sprintf("/v1/stolen/%d/resolve", id), nil, in, &out))
}
