package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Sleuth server with one API key. It is safe for
// concurrent use.
type Client struct {
	base string
	key  string
	auth string
	hc   *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc (default
// http.DefaultClient).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// The header forms an API key can be sent in.
const (
	AuthToken   = "token"     // Authorization: token K (Numbers Protocol; the default)
	AuthBearer  = "bearer"    // Authorization: Bearer K (Verbitas)
	AuthAPIKey  = "api-key"   // api-key: K (aiRight)
	AuthXAPIKey = "x-api-key" // x-api-key: K (SolCheck)
)

// WithAuthHeader picks the header the key is sent in: "token" (the
// default), "bearer", "api-key" or "x-api-key". With any other form every
// call fails.
func WithAuthHeader(form string) Option {
	return func(c *Client) { c.auth = strings.ToLower(strings.TrimSpace(form)) }
}

// New returns a client of the server at baseURL (such as
// "http://localhost:8080") that sends key with every request; an empty key
// sends none.
func New(baseURL, key string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), key: key, auth: AuthToken, hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is a response with a status other than 2xx.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Code is the error's stable code ("sleuth.credits.insufficient",
	// "verbitas.lookup.no_input", ...); "" when the body was not the error
	// shape (a proxy's page, say).
	Code string
	// Message explains the error.
	Message string
	// RequestID identifies the request in the server's logs.
	RequestID string
	// RetryAfter is how long to wait before trying again (429), from the
	// Retry-After header; 0 when absent.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sleuth: %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// File is a file to upload: its name (sent as the multipart file name) and
// its content, read once as the request is sent.
type File struct {
	Name   string
	Reader io.Reader
}

// ---- the types of the answers ----

// ChainID is Numbers Protocol's chain_id: a number for EVM chains, the
// CAIP-2 id for others. It holds the CAIP-2 id in both cases ("eip155:1",
// "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp") and turns back into the
// number in JSON.
type ChainID string

// EVM returns the chain number of an EVM chain.
func (id ChainID) EVM() (int64, bool) {
	ref, ok := strings.CutPrefix(string(id), "eip155:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	return n, err == nil
}

// UnmarshalJSON reads a number (an EVM chain) or a string.
func (id *ChainID) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		if _, err := n.Int64(); err != nil {
			return fmt.Errorf("chain_id %s is not an integer", b)
		}
		*id = ChainID("eip155:" + n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("chain_id %s is neither a number nor a string", b)
	}
	*id = ChainID(s)
	return nil
}

// MarshalJSON writes an EVM chain as its number, others as the string.
func (id ChainID) MarshalJSON() ([]byte, error) {
	if n, ok := id.EVM(); ok {
		return []byte(strconv.FormatInt(n, 10)), nil
	}
	return json.Marshal(string(id))
}

// NFTRecord is Numbers Protocol's nftRecord: one token on one chain.
type NFTRecord struct {
	ChainID            ChainID  `json:"chain_id"`
	Contract           string   `json:"contract"`
	TokenID            string   `json:"token_id"`
	AssetCids          []string `json:"asset_cids"`
	PrimaryMarketplace *string  `json:"primary_marketplace"`
	CurrentOwner       string   `json:"current_owner"`
	NFTSpec            string   `json:"nft_spec"`
	Creator            string   `json:"creator"`
	// CreatedAt is the mint time in Numbers' layout, UTC without a zone
	// ("2022-06-23T04:08:31"); nil when unknown. See MintTime.
	CreatedAt    *string         `json:"created_at"`
	Metadata     json.RawMessage `json:"metadata"`
	AnimationURL string          `json:"animation_url"`
	ImageURL     string          `json:"image_url"`
	TokenURI     string          `json:"token_uri"`
}

// NumbersTime is the layout of NFTRecord.CreatedAt (UTC).
const NumbersTime = "2006-01-02T15:04:05"

// MintTime returns CreatedAt as a time.
func (r *NFTRecord) MintTime() (time.Time, bool) {
	if r.CreatedAt == nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(NumbersTime, *r.CreatedAt, time.UTC)
	return t, err == nil
}

// Match is Sleuth's evidence for one match: which tier, by which
// fingerprint, at what distance.
type Match struct {
	Nid         string  `json:"nid"`
	Tier        string  `json:"tier"`
	Score       float64 `json:"score"`
	Distance    int     `json:"distance"`
	Fingerprint string  `json:"fingerprint"`
	Variant     string  `json:"variant,omitempty"`
}

// NidResponse is the answer of Get Nid.
type NidResponse struct {
	CID        string `json:"cid"`
	FileSize   int64  `json:"fileSize"`
	CIDVersion int    `json:"cid_version"`
	OrderID    string `json:"orderID"`
}

// TheftDetectionResponse is the answer of Theft Detection.
type TheftDetectionResponse struct {
	// Results maps each matched asset's Nid to the NFT records using it.
	Results           map[string][]NFTRecord `json:"results"`
	SearchNid         string                 `json:"searchNid"`
	InputFileMimetype string                 `json:"inputFileMimetype"`
	OrderID           string                 `json:"orderID"`
	Matches           []Match                `json:"matches"`
}

// SimilarSearch lists similar assets, nearest first, with their distances.
type SimilarSearch struct {
	Nids     []string  `json:"nids"`
	Distance []float64 `json:"distance"`
}

// AssetSearchResponse is the answer of Asset Search.
type AssetSearchResponse struct {
	PreciseSearch     string        `json:"preciseSearch"`
	InputFileMimetype string        `json:"inputFileMimetype"`
	SimilarSearch     SimilarSearch `json:"similarSearch"`
	OrderID           string        `json:"orderID"`
	Matches           []Match       `json:"matches"`
}

// NFTSearchResponse is the answer of NFT Search.
type NFTSearchResponse struct {
	NFTRecords []NFTRecord `json:"nftRecords"`
	Nid        string      `json:"nid"`
	OrderID    string      `json:"orderID"`
}

// LookupMatch is one match of a Verbitas lookup.
type LookupMatch struct {
	AssetID     string  `json:"asset_id"`
	MatchType   string  `json:"match_type"`
	Confidence  float64 `json:"confidence"`
	Distance    *int    `json:"distance"`
	ManifestURI *string `json:"manifest_uri"`
	VerifierURL string  `json:"verifier_url"`
}

// LookupResponse is the answer of a lookup.
type LookupResponse struct {
	Matches   []LookupMatch `json:"matches"`
	RequestID string        `json:"request_id"`
	OrderID   string        `json:"orderID"`
}

// License is an AssetTree licence.
type License struct {
	Name     string `json:"name,omitempty"`
	Document string `json:"document,omitempty"`
}

// AssetTree is Numbers Protocol's descriptive record of an asset. AssetCid,
// AssetSha256 and EncodingFormat are computed by the server from the file.
type AssetTree struct {
	AssetCid              string   `json:"assetCid,omitempty"`
	AssetSha256           string   `json:"assetSha256,omitempty"`
	EncodingFormat        string   `json:"encodingFormat,omitempty"`
	AssetTimestampCreated int64    `json:"assetTimestampCreated,omitempty"`
	AssetCreator          string   `json:"assetCreator,omitempty"`
	AssetSourceType       string   `json:"assetSourceType,omitempty"`
	Abstract              string   `json:"abstract,omitempty"`
	Headline              string   `json:"headline,omitempty"`
	CreatorWallet         string   `json:"creatorWallet,omitempty"`
	License               *License `json:"license,omitempty"`
	// Extra holds members the server does not model, as given.
	Extra map[string]any `json:"extra,omitempty"`
}

// Perceptual is a perceptual fingerprint of an asset's picture.
type Perceptual struct {
	Kind    string `json:"kind"`
	Hash    string `json:"hash"`
	Quality int    `json:"quality,omitempty"`
}

// Asset is a registered file.
type Asset struct {
	ID          int64        `json:"id"`
	Nid         string       `json:"nid"`
	Size        int64        `json:"size"`
	MIME        string       `json:"mime"`
	Width       int          `json:"width,omitempty"`
	Height      int          `json:"height,omitempty"`
	FirstSeen   time.Time    `json:"first_seen"`
	Source      string       `json:"source,omitempty"`
	SHA256      string       `json:"sha256"`
	BLAKE3      string       `json:"blake3"`
	PixelSHA256 string       `json:"pixel_sha256,omitempty"`
	Perceptual  []Perceptual `json:"perceptual,omitempty"`
	AssetTree   AssetTree    `json:"asset_tree"`
}

// PerceptualOf returns the asset's fingerprint of a kind ("pdq", "phash").
func (a *Asset) PerceptualOf(kind string) (Perceptual, bool) {
	for _, p := range a.Perceptual {
		if p.Kind == kind {
			return p, true
		}
	}
	return Perceptual{}, false
}

// RegisterAssetResponse is the answer of RegisterAsset.
type RegisterAssetResponse struct {
	Asset Asset `json:"asset"`
	// Created is false when the same bytes were registered before (Asset
	// is then the stored one).
	Created bool   `json:"created"`
	OrderID string `json:"orderID"`
}

// AssetList is one page of assets.
type AssetList struct {
	Assets []Asset `json:"assets"`
	// Count is the number of registered assets.
	Count int64 `json:"count"`
	// NextAfter is the After of the next page; nil on the last one.
	NextAfter *int64 `json:"next_after"`
}

// CreatedKey is a new API key, with its secret (shown this once).
type CreatedKey struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Name      string    `json:"name,omitempty"`
	Scopes    []string  `json:"scopes"`
	AccountID int64     `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
}

// APIKey is a stored key (without its secret).
type APIKey struct {
	ID            string     `json:"id"`
	AccountID     int64      `json:"account_id"`
	Name          string     `json:"name,omitempty"`
	Scopes        []string   `json:"scopes"`
	RatePerSecond float64    `json:"rate_per_second,omitempty"`
	Burst         int        `json:"burst,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

// UsageTotals sums an account's orders.
type UsageTotals struct {
	Orders      int64            `json:"orders"`
	Refunded    int64            `json:"refunded"`
	ByOperation map[string]int64 `json:"by_operation"`
	Spent       float64          `json:"spent"`
}

// Usage is an account's balance and what it spent since Since.
type Usage struct {
	AccountID int64       `json:"account_id"`
	Balance   float64     `json:"balance"`
	Since     time.Time   `json:"since"`
	Usage     UsageTotals `json:"usage"`
}

// Order is the record of one billable call.
type Order struct {
	OrderID     string     `json:"orderID"`
	AccountID   int64      `json:"account_id"`
	KeyID       string     `json:"key_id"`
	Operation   string     `json:"operation"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Cost        float64    `json:"cost"`
	// Detail summarizes the result (a JSON object) or, for a refunded
	// order, holds the error code (a JSON string); nil when none.
	Detail json.RawMessage `json:"detail,omitempty"`
}

// CreditsBalance is an account's balance after AddCredits.
type CreditsBalance struct {
	AccountID int64   `json:"account_id"`
	Balance   float64 `json:"balance"`
}

// ---- the requests ----

// TheftDetectionRequest asks for theft detection of a file: File, or the
// file at FileURL.
type TheftDetectionRequest struct {
	File    *File
	FileURL string
	// Threshold is the largest distance (1 - score) reported; nil is the
	// server's default (0.12).
	Threshold         *float64
	ExcludedAssets    []string
	ExcludedContracts []string
	// OnlyNewNFT keeps NFTs minted in the last 24 hours only.
	OnlyNewNFT bool
}

// AssetSearchRequest asks for the assets like File, the file at FileURL,
// or the registered asset Nid.
type AssetSearchRequest struct {
	File    *File
	FileURL string
	Nid     string
	// Threshold as in TheftDetectionRequest; SampleCount caps the similar
	// assets (0: the server's default, 10).
	Threshold   *float64
	SampleCount int
}

// LookupRequest asks which registered asset a picture comes from: File
// (sent as Verbitas' multipart field "asset"), or a fingerprint computed
// elsewhere: Algorithm ("perceptual_hash", "pdq" or "exact_hash") and
// BindingHash (hex).
type LookupRequest struct {
	File        *File
	Algorithm   string
	BindingHash string
}

// RegisterAssetRequest registers File, or the file at FileURL, with an
// AssetTree.
type RegisterAssetRequest struct {
	File      *File
	FileURL   string
	AssetTree *AssetTree
}

// ListAssetsOptions pages through the registry: Limit assets (0: the
// server's default, 100) with IDs above After.
type ListAssetsOptions struct {
	Limit int
	After int64
}

// CreateKeyRequest makes a key. Zero fields take the server's defaults:
// the "search" scope, the caller's account.
type CreateKeyRequest struct {
	Name      string   `json:"name,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	AccountID int64    `json:"account_id,omitempty"`
}

// ---- the calls ----

// Nid returns the Nid (IPFS CIDv1) of a file. It is free.
func (c *Client) Nid(ctx context.Context, f File) (*NidResponse, error) {
	var out NidResponse
	return result(&out, c.upload(ctx, "/v1/nid", nil, "file", &f, &out))
}

// TheftDetection finds the registered assets a file copies and the NFTs
// that use them (Numbers Protocol's Theft Detection).
func (c *Client) TheftDetection(ctx context.Context, req TheftDetectionRequest) (*TheftDetectionResponse, error) {
	var out TheftDetectionResponse
	if req.File != nil {
		var fields [][2]string
		if req.FileURL != "" {
			fields = append(fields, [2]string{"fileURL", req.FileURL})
		}
		if req.Threshold != nil {
			fields = append(fields, [2]string{"threshold", strconv.FormatFloat(*req.Threshold, 'g', -1, 64)})
		}
		if req.ExcludedAssets != nil {
			fields = append(fields, [2]string{"excludedAssets", jsonList(req.ExcludedAssets)})
		}
		if req.ExcludedContracts != nil {
			fields = append(fields, [2]string{"excludedContracts", jsonList(req.ExcludedContracts)})
		}
		if req.OnlyNewNFT {
			fields = append(fields, [2]string{"onlyNewNFT", "true"})
		}
		return result(&out, c.upload(ctx, "/v1/theft-detection", fields, "file", req.File, &out))
	}
	body := struct {
		FileURL           string   `json:"fileURL,omitempty"`
		Threshold         *float64 `json:"threshold,omitempty"`
		ExcludedAssets    []string `json:"excludedAssets,omitempty"`
		ExcludedContracts []string `json:"excludedContracts,omitempty"`
		OnlyNewNFT        bool     `json:"onlyNewNFT,omitempty"`
	}{req.FileURL, req.Threshold, req.ExcludedAssets, req.ExcludedContracts, req.OnlyNewNFT}
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/theft-detection", nil, body, &out))
}

// AssetSearch finds the registered assets like a file or a registered
// asset (Numbers Protocol's Asset Search).
func (c *Client) AssetSearch(ctx context.Context, req AssetSearchRequest) (*AssetSearchResponse, error) {
	var out AssetSearchResponse
	if req.File != nil {
		var fields [][2]string
		if req.FileURL != "" {
			fields = append(fields, [2]string{"fileURL", req.FileURL})
		}
		if req.Threshold != nil {
			fields = append(fields, [2]string{"threshold", strconv.FormatFloat(*req.Threshold, 'g', -1, 64)})
		}
		if req.SampleCount != 0 {
			fields = append(fields, [2]string{"sampleCount", strconv.Itoa(req.SampleCount)})
		}
		return result(&out, c.upload(ctx, "/v1/asset-search", fields, "file", req.File, &out))
	}
	body := struct {
		FileURL     string   `json:"fileURL,omitempty"`
		Nid         string   `json:"nid,omitempty"`
		Threshold   *float64 `json:"threshold,omitempty"`
		SampleCount int      `json:"sampleCount,omitempty"`
	}{req.FileURL, req.Nid, req.Threshold, req.SampleCount}
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/asset-search", nil, body, &out))
}

// NFTSearch lists the NFT records that use an asset (Numbers Protocol's
// NFT Search).
func (c *Client) NFTSearch(ctx context.Context, nid string) (*NFTSearchResponse, error) {
	var out NFTSearchResponse
	return result(&out, c.doJSON(ctx, http.MethodGet, "/v1/nft-search", url.Values{"nid": {nid}}, nil, &out))
}

// Lookup finds the registered asset a picture or a fingerprint comes from
// (Verbitas' lookup).
func (c *Client) Lookup(ctx context.Context, req LookupRequest) (*LookupResponse, error) {
	var out LookupResponse
	if req.File != nil {
		return result(&out, c.upload(ctx, "/v1/lookup", nil, "asset", req.File, &out))
	}
	body := struct {
		Algorithm   string `json:"algorithm,omitempty"`
		BindingHash string `json:"binding_hash,omitempty"`
	}{req.Algorithm, req.BindingHash}
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/lookup", nil, body, &out))
}

// RegisterAsset registers a file with its AssetTree. Registering bytes that
// are already registered is not an error: Created is false and Asset is the
// stored one.
func (c *Client) RegisterAsset(ctx context.Context, req RegisterAssetRequest) (*RegisterAssetResponse, error) {
	var out RegisterAssetResponse
	var tree map[string]any
	if req.AssetTree != nil {
		var err error
		if tree, err = treeMembers(req.AssetTree); err != nil {
			return nil, err
		}
	}
	if req.File != nil {
		var fields [][2]string
		if req.FileURL != "" {
			fields = append(fields, [2]string{"fileURL", req.FileURL})
		}
		if tree != nil {
			b, err := json.Marshal(tree)
			if err != nil {
				return nil, fmt.Errorf("client: assetTree: %w", err)
			}
			fields = append(fields, [2]string{"assetTree", string(b)})
		}
		return result(&out, c.upload(ctx, "/v1/assets", fields, "file", req.File, &out))
	}
	body := struct {
		FileURL   string         `json:"fileURL,omitempty"`
		AssetTree map[string]any `json:"assetTree,omitempty"`
	}{req.FileURL, tree}
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/assets", nil, body, &out))
}

// treeMembers is an AssetTree as the members the server reads: the
// modelled ones, and Extra's as members of their own.
func treeMembers(t *AssetTree) (map[string]any, error) {
	plain := *t
	plain.Extra = nil
	b, err := json.Marshal(plain)
	if err != nil {
		return nil, fmt.Errorf("client: assetTree: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("client: assetTree: %w", err)
	}
	for k, v := range t.Extra {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return m, nil
}

// GetAsset returns a registered asset.
func (c *Client) GetAsset(ctx context.Context, nid string) (*Asset, error) {
	var out struct {
		Asset Asset `json:"asset"`
	}
	if err := c.doJSON(ctx, http.MethodGet, "/v1/assets/"+url.PathEscape(nid), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.Asset, nil
}

// ListAssets returns one page of the registry, in ID order.
func (c *Client) ListAssets(ctx context.Context, opt ListAssetsOptions) (*AssetList, error) {
	q := url.Values{}
	if opt.Limit != 0 {
		q.Set("limit", strconv.Itoa(opt.Limit))
	}
	if opt.After != 0 {
		q.Set("after", strconv.FormatInt(opt.After, 10))
	}
	var out AssetList
	return result(&out, c.doJSON(ctx, http.MethodGet, "/v1/assets", q, nil, &out))
}

// DeleteAsset removes an asset from the registry.
func (c *Client) DeleteAsset(ctx context.Context, nid string) error {
	return c.doJSON(ctx, http.MethodDelete, "/v1/assets/"+url.PathEscape(nid), nil, nil, nil)
}

// CreateKey makes an API key (admin scope).
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	var out CreatedKey
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/keys", nil, req, &out))
}

// ListKeys lists the caller's account's keys, revoked ones too.
func (c *Client) ListKeys(ctx context.Context) ([]APIKey, error) {
	var out struct {
		Keys []APIKey `json:"keys"`
	}
	if err := c.doJSON(ctx, http.MethodGet, "/v1/keys", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Keys, nil
}

// RevokeKey revokes a key by its ID (admin scope).
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	return c.doJSON(ctx, http.MethodDelete, "/v1/keys/"+url.PathEscape(id), nil, nil, nil)
}

// Usage returns the caller's account's balance and its orders since since
// (the zero time: the server's default, 30 days ago).
func (c *Client) Usage(ctx context.Context, since time.Time) (*Usage, error) {
	var q url.Values
	if !since.IsZero() {
		q = url.Values{"since": {since.UTC().Format(time.RFC3339)}}
	}
	var out Usage
	return result(&out, c.doJSON(ctx, http.MethodGet, "/v1/usage", q, nil, &out))
}

// Order returns one of the caller's orders.
func (c *Client) Order(ctx context.Context, orderID string) (*Order, error) {
	var out Order
	return result(&out, c.doJSON(ctx, http.MethodGet, "/v1/orders/"+url.PathEscape(orderID), nil, nil, &out))
}

// AddCredits adds amount credits (a decimal number such as "10" or "0.2";
// negative takes credits away) to an account (admin scope).
func (c *Client) AddCredits(ctx context.Context, accountID int64, amount, reason string) (*CreditsBalance, error) {
	body := struct {
		Amount string `json:"amount"`
		Reason string `json:"reason,omitempty"`
	}{amount, reason}
	var out CreditsBalance
	return result(&out, c.doJSON(ctx, http.MethodPost, "/v1/accounts/"+strconv.FormatInt(accountID, 10)+"/credits", nil, body, &out))
}

// Healthz checks that the server is alive.
func (c *Client) Healthz(ctx context.Context) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := c.doJSON(ctx, http.MethodGet, "/healthz", nil, nil, &out); err != nil {
		return err
	}
	if out.Status != "ok" {
		return fmt.Errorf("client: healthz status %q", out.Status)
	}
	return nil
}

// ---- transport ----

// result returns v, or nil with err.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

func jsonList(l []string) string {
	b, _ := json.Marshal(l)
	return string(b)
}

// doJSON sends in (nil: no body) as JSON and decodes the answer into out
// (nil: discarded).
func (c *Client) doJSON(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: encoding the request: %w", err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	req, err := c.newRequest(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return c.send(req, out)
}

// upload sends fields and the file f (in the multipart field fileField) as
// multipart/form-data, streamed through a pipe as it is read.
func (c *Client) upload(ctx context.Context, path string, fields [][2]string, fileField string, f *File, out any) error {
	if f == nil || f.Reader == nil {
		return errors.New("client: no file to upload (File.Reader is nil)")
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := c.newRequest(ctx, http.MethodPost, path, nil, pr)
	if err != nil {
		pr.Close()
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	go func() {
		pw.CloseWithError(writeMultipart(mw, fields, fileField, f))
	}()
	// The transport closes pr when it is done with the body, even on
	// errors, which ends the writer.
	return c.send(req, out)
}

func writeMultipart(mw *multipart.Writer, fields [][2]string, fileField string, f *File) error {
	for _, kv := range fields {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			return err
		}
	}
	name := f.Name
	if name == "" {
		name = "upload"
	}
	w, err := mw.CreateFormFile(fileField, name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, f.Reader); err != nil {
		return fmt.Errorf("client: reading %s: %w", name, err)
	}
	return mw.Close()
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body io.Reader) (*http.Request, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		switch c.auth {
		case AuthToken:
			req.Header.Set("Authorization", "token "+c.key)
		case AuthBearer:
			req.Header.Set("Authorization", "Bearer "+c.key)
		case AuthAPIKey:
			req.Header.Set("api-key", c.key)
		case AuthXAPIKey:
			req.Header.Set("x-api-key", c.key)
		default:
			return nil, fmt.Errorf("client: unknown auth header form %q (want token, bearer, api-key or x-api-key)", c.auth)
		}
	}
	return req, nil
}

// send makes the request and decodes a 2xx answer into out, or returns
// the *Error of any other.
func (c *Client) send(req *http.Request, out any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("client: decoding the answer of %s %s (status %d): %w", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return nil
}

// responseError reads an error answer.
func responseError(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error *struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error != nil {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		if body.Error.RequestID != "" {
			e.RequestID = body.Error.RequestID
		}
	} else {
		e.Message = strings.TrimSpace(string(b))
		if len(e.Message) > 512 {
			e.Message = e.Message[:512] + "..."
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	if ra := strings.TrimSpace(resp.Header.Get("Retry-After")); ra != "" {
		if s, err := strconv.ParseInt(ra, 10, 64); err == nil && s >= 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			e.RetryAfter = max(0, time.Until(t))
		}
	}
	return e
}
