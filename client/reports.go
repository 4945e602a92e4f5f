package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// ---- aiRight authenticity reports ----

// NFTReportItem is an NFT of another contract that copies the reported
// picture: aiRight's fields, then Sleuth's evidence.
type NFTReportItem struct {
	Contract      string  `json:"contract"`
	TokenID       string  `json:"tokenId"`
	AuthorAddress string  `json:"authorAddress"`
	CreationTime  string  `json:"creation_time"` // unix milliseconds
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	MarketName    string  `json:"marketName"`
	Market        string  `json:"market"`
	IsVerified    bool    `json:"isVerified"`
	Image         string  `json:"image"`
	Score         float64 `json:"score"`

	Chain        string `json:"chain"`
	Nid          string `json:"nid"`
	Tier         string `json:"tier"`
	Fingerprint  string `json:"fingerprint"`
	Distance     int    `json:"distance"`
	Variant      string `json:"variant,omitempty"`
	MintedBefore *bool  `json:"minted_before,omitempty"`
}

// TokenRef names a token.
type TokenRef struct {
	Chain        string `json:"chain"`
	Contract     string `json:"contract"`
	TokenID      string `json:"tokenId"`
	CreationTime string `json:"creation_time"`
}

// FirstUse says which of a token and its copies was minted first; Token is
// "earlier", "later", or "" for a file.
type FirstUse struct {
	First *TokenRef `json:"first"`
	Token string    `json:"token,omitempty"`
}

// NFTReport is aiRight's single-NFT report plus Sleuth's extras.
type NFTReport struct {
	ExactMatch   []NFTReportItem `json:"exact_match"`
	NearExact    []NFTReportItem `json:"near_exact"`
	Semantic     []NFTReportItem `json:"semantic"`
	FlagRed      bool            `json:"flag_red"`
	FlagConsider bool            `json:"flag_consider"`
	Token        *TokenRef       `json:"token,omitempty"`
	Nid          string          `json:"nid,omitempty"`
	FirstUse     *FirstUse       `json:"first_use,omitempty"`
	OrderID      string          `json:"orderID,omitempty"`
}

// NFTReportRequest names the picture to report on: File, FileURL, or a
// token (Chain, Contract, TokenID).
type NFTReportRequest struct {
	File     *File
	FileURL  string
	Chain    string // "ethereum", "polygon", "137", "eip155:1", ...
	Contract string
	TokenID  string
}

// CollectionReportRequest asks for the report of a collection.
type CollectionReportRequest struct {
	Chain      string `json:"chain"`
	Contract   string `json:"contract"`
	WebhookURL string `json:"webhook_url,omitempty"`
	Email      string `json:"email,omitempty"`
}

// CollectionReportSubmitted is a queued report (ID, URL) or a verified
// collection's answer (IsVerified, MarketName).
type CollectionReportSubmitted struct {
	ID            string `json:"id,omitempty"`
	URL           string `json:"url,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
	IsVerified    bool   `json:"isVerified,omitempty"`
	MarketName    string `json:"marketName,omitempty"`
	OrderID       string `json:"orderID"`
}

// ReportBucket is one level of a collection report's summary.
type ReportBucket struct {
	Number int64    `json:"number"`
	Rate   float64  `json:"rate"`
	NFT    []string `json:"nft,omitempty"` // red and consider only
}

// CollectionTokenResult is one checked token of a collection report.
type CollectionTokenResult struct {
	TokenID string `json:"tokenId"`
	Verdict string `json:"verdict"` // red, consider, reliable, unchecked
	Error   string `json:"error,omitempty"`
	NFTReport
}

// ReportNotification is one webhook delivery or email attempt.
type ReportNotification struct {
	JobID  int64     `json:"job_id"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	OK     bool      `json:"ok"`
	Detail string    `json:"detail"`
}

// CollectionReport is a collection report's status: aiRight's fields plus
// Sleuth's progress, unchecked tokens and notifications.
type CollectionReport struct {
	ID             string `json:"id"`
	URL            string `json:"url"`
	Chain          string `json:"chain"`
	Contract       string `json:"contract"`
	Status         string `json:"status"` // N/A, process, done, failed
	TotalSupply    int64  `json:"total_supply"`
	NumberVerified int64  `json:"number_verified"`
	Summary        struct {
		Red      ReportBucket `json:"red"`
		Consider ReportBucket `json:"consider"`
		Reliable ReportBucket `json:"reliable"`
	} `json:"summary"`
	Detail   map[string]CollectionTokenResult `json:"detail,omitempty"`
	Progress struct {
		Done  int64 `json:"done"`
		Total int64 `json:"total"`
	} `json:"progress"`
	Unchecked     []string             `json:"unchecked,omitempty"`
	Error         string               `json:"error,omitempty"`
	Notifications []ReportNotification `json:"notifications,omitempty"`
}

// NFTReport makes the authenticity report of a file or a token (aiRight's
// single-NFT report).
func (c *Client) NFTReport(ctx context.Context, req NFTReportRequest) (*NFTReport, error) {
	var out NFTReport
	if req.File != nil {
		var fields [][2]string
		if req.FileURL != "" {
			fields = append(fields, [2]string{"fileURL", req.FileURL})
		}
		return result(&out, c.upload(ctx, "/v1/reports/nft", fields, "file", req.File, &out))
	}
	body := struct {
		FileURL  string `json:"fileURL,omitempty"`
		Chain    string `json:"chain,omitempty"`
		Contract string `json:"contract,omitempty"`
		TokenID  string `json:"token_id,omitempty"`
	}{req.FileURL, req.Chain, req.Contract, req.TokenID}
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/reports/nft", nil, body, &out))
}

// RequestCollectionReport queues the report of a collection (or answers at
// once for a verified one).
func (c *Client) RequestCollectionReport(ctx context.Context, req CollectionReportRequest) (*CollectionReportSubmitted, error) {
	var out CollectionReportSubmitted
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/reports/collections", nil, req, &out))
}

// CollectionReport reads a collection report, with every token's detail
// when detail is set.
func (c *Client) CollectionReport(ctx context.Context, id string, detail bool) (*CollectionReport, error) {
	var out CollectionReport
	q := url.Values{}
	if !detail {
		q.Set("detail", "false")
	}
	return result(&out, c.doJSON(ctx, http.MethodGet, "/v1/reports/collections/"+url.PathEscape(id), q, nil, &out))
}
