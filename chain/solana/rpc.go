package solana

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mr-tron/base58"

	"github.com/sleuthhq/sleuth"
)

// Client defaults and limits.
const (
	DefaultTimeout          = 60 * time.Second
	DefaultRetries          = 5
	DefaultBackoff          = 500 * time.Millisecond
	maxBackoff              = 30 * time.Second
	DefaultMaxResponseBytes = 512 << 20
	// MaxMultipleAccounts is the most addresses one getMultipleAccounts
	// call takes (the RPC's limit).
	MaxMultipleAccounts = 100
)

// Client is a Solana JSON-RPC client over net/http. It retries a call that
// fails for a transient reason (a network error, HTTP 429 or 5xx, the
// JSON-RPC errors of an overloaded or lagging node) with exponential
// backoff and jitter, honoring Retry-After. It is safe for concurrent use.
type Client struct {
	url  string
	http *http.Client
	// Retries is how many times a transient failure is retried (so a call
	// makes at most Retries+1 attempts). Backoff is the first wait,
	// doubled at each retry up to 30 s. MaxResponseBytes bounds one
	// response body. Set them before the first call.
	Retries          int
	Backoff          time.Duration
	MaxResponseBytes int64

	id    atomic.Int64
	calls atomic.Int64
}

// NewClient returns a client of the JSON-RPC endpoint at url. hc nil: a
// client with a 60 s timeout per attempt.
func NewClient(url string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{url: url, http: hc, Retries: DefaultRetries, Backoff: DefaultBackoff, MaxResponseBytes: DefaultMaxResponseBytes}
}

// Calls returns how many HTTP requests the client has made.
func (c *Client) Calls() int64 { return c.calls.Load() }

// RPCError is a JSON-RPC error object.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// transient reports whether a JSON-RPC error is worth retrying: the
// node-is-behind and slot-skipped family (-32004..-32016 include
// "block not available", "node unhealthy", "long-term storage slot
// skipped"), the generic server error -32603 some providers send when
// overloaded, and rate limits some providers send as JSON-RPC errors.
func (e *RPCError) transient() bool {
	switch {
	case e.Code == -32005, e.Code == -32004, e.Code == -32014, e.Code == -32016:
		return true
	case e.Code == 429, e.Code == -32429, e.Code == -32603:
		return true
	}
	return false
}

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params,omitempty"`
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// errRetry marks an attempt's failure as transient.
type errRetry struct {
	err   error
	after time.Duration // from Retry-After; 0: backoff
}

func (e *errRetry) Error() string { return e.err.Error() }
func (e *errRetry) Unwrap() error { return e.err }

// Call invokes method with params and decodes the result into out (nil:
// ignore it). The error has code sleuth.solana.rpc (wrapping an *RPCError
// for a JSON-RPC error), or is ctx's.
func (c *Client) Call(ctx context.Context, method string, params []any, out any) error {
	body, err := json.Marshal(rpcRequest{JSONRPC: "2.0", ID: c.id.Add(1), Method: method, Params: params})
	if err != nil {
		return sleuth.Errorf(CodeRPC, "solana %s: %w", method, err)
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	for attempt := 0; ; attempt++ {
		res, err := c.attempt(ctx, body)
		if err == nil {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(res, out); err != nil {
				return sleuth.Errorf(CodeRPC, "solana %s: bad result: %w", method, err)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var re *errRetry
		if !errors.As(err, &re) || attempt >= c.Retries {
			return sleuth.Errorf(CodeRPC, "solana %s: %w", method, err)
		}
		wait := re.after
		if wait <= 0 {
			wait = backoff/2 + rand.N(backoff/2+1) // jitter
			backoff = min(2*backoff, maxBackoff)
		}
		select {
		case <-time.After(min(wait, maxBackoff)):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *Client) attempt(ctx context.Context, body []byte) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	c.calls.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &errRetry{err: err}
	}
	defer resp.Body.Close()
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &errRetry{err: err}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("response over %d bytes", limit)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return nil, &errRetry{err: fmt.Errorf("HTTP %s", resp.Status), after: retryAfter(resp.Header.Get("Retry-After"))}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s: %s", resp.Status, snippet(data))
	}
	var r rpcResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("not a JSON-RPC response: %v: %s", err, snippet(data))
	}
	if r.Error != nil {
		if r.Error.transient() {
			return nil, &errRetry{err: r.Error}
		}
		return nil, r.Error
	}
	return r.Result, nil
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

func snippet(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// Account is an account's owner and data.
type Account struct {
	Owner    PublicKey
	Lamports uint64
	Data     []byte
}

// rpcAccount is an account as the RPC sends it with base64 encoding.
type rpcAccount struct {
	Data     []string `json:"data"` // [base64, "base64"]
	Owner    string   `json:"owner"`
	Lamports uint64   `json:"lamports"`
}

func (a *rpcAccount) decode() (*Account, error) {
	if len(a.Data) != 2 || a.Data[1] != "base64" {
		return nil, fmt.Errorf("account data not base64-encoded")
	}
	data, err := base64.StdEncoding.DecodeString(a.Data[0])
	if err != nil {
		return nil, fmt.Errorf("account data: %v", err)
	}
	owner, err := ParsePublicKey(a.Owner)
	if err != nil {
		return nil, err
	}
	return &Account{Owner: owner, Lamports: a.Lamports, Data: data}, nil
}

// GetAccountInfo returns the account at addr, or nil (and no error) when
// there is none.
func (c *Client) GetAccountInfo(ctx context.Context, addr PublicKey) (*Account, error) {
	var res struct {
		Value *rpcAccount `json:"value"`
	}
	if err := c.Call(ctx, "getAccountInfo", []any{addr.String(), map[string]any{"encoding": "base64"}}, &res); err != nil {
		return nil, err
	}
	if res.Value == nil {
		return nil, nil
	}
	a, err := res.Value.decode()
	if err != nil {
		return nil, sleuth.Errorf(CodeRPC, "solana getAccountInfo %s: %w", addr, err)
	}
	return a, nil
}

// GetMultipleAccounts returns the accounts at addrs, in order, nil for
// those that do not exist. It makes one call per 100 addresses.
func (c *Client) GetMultipleAccounts(ctx context.Context, addrs []PublicKey) ([]*Account, error) {
	out := make([]*Account, 0, len(addrs))
	for start := 0; start < len(addrs); start += MaxMultipleAccounts {
		page := addrs[start:min(start+MaxMultipleAccounts, len(addrs))]
		keys := make([]string, len(page))
		for i, k := range page {
			keys[i] = k.String()
		}
		var res struct {
			Value []*rpcAccount `json:"value"`
		}
		if err := c.Call(ctx, "getMultipleAccounts", []any{keys, map[string]any{"encoding": "base64"}}, &res); err != nil {
			return nil, err
		}
		if len(res.Value) != len(page) {
			return nil, sleuth.Errorf(CodeRPC, "solana getMultipleAccounts: %d accounts for %d addresses", len(res.Value), len(page))
		}
		for i, v := range res.Value {
			if v == nil {
				out = append(out, nil)
				continue
			}
			a, err := v.decode()
			if err != nil {
				return nil, sleuth.Errorf(CodeRPC, "solana getMultipleAccounts %s: %w", page[i], err)
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// Memcmp is a getProgramAccounts filter: the account data at Offset
// equals Bytes.
type Memcmp struct {
	Offset int
	Bytes  []byte
}

// KeyedAccount is an account with its address.
type KeyedAccount struct {
	Address PublicKey
	Account
}

// GetProgramAccounts returns the accounts owned by program whose data
// match every filter (and whose size is dataSize, when > 0).
func (c *Client) GetProgramAccounts(ctx context.Context, program PublicKey, dataSize int, filters []Memcmp) ([]KeyedAccount, error) {
	fs := make([]any, 0, len(filters)+1)
	if dataSize > 0 {
		fs = append(fs, map[string]any{"dataSize": dataSize})
	}
	for _, f := range filters {
		fs = append(fs, map[string]any{"memcmp": map[string]any{"offset": f.Offset, "bytes": base58.Encode(f.Bytes)}})
	}
	var res []struct {
		Pubkey  string     `json:"pubkey"`
		Account rpcAccount `json:"account"`
	}
	if err := c.Call(ctx, "getProgramAccounts", []any{program.String(), map[string]any{"encoding": "base64", "filters": fs}}, &res); err != nil {
		return nil, err
	}
	out := make([]KeyedAccount, 0, len(res))
	for _, r := range res {
		addr, err := ParsePublicKey(r.Pubkey)
		if err != nil {
			return nil, sleuth.Errorf(CodeRPC, "solana getProgramAccounts: %w", err)
		}
		a, err := r.Account.decode()
		if err != nil {
			return nil, sleuth.Errorf(CodeRPC, "solana getProgramAccounts %s: %w", addr, err)
		}
		out = append(out, KeyedAccount{Address: addr, Account: *a})
	}
	return out, nil
}

// GetGenesisHash returns the cluster's genesis hash (base58).
func (c *Client) GetGenesisHash(ctx context.Context) (string, error) {
	var h string
	if err := c.Call(ctx, "getGenesisHash", nil, &h); err != nil {
		return "", err
	}
	if _, err := base58.Decode(h); err != nil || len(h) < 32 {
		return "", sleuth.Errorf(CodeRPC, "solana getGenesisHash: %q is not a hash", short(h))
	}
	return h, nil
}

// TokenAmount is one entry of getTokenLargestAccounts.
type TokenAmount struct {
	Address PublicKey
	Amount  uint64
}

// GetTokenLargestAccounts returns the largest token accounts of mint,
// largest first (at most 20).
func (c *Client) GetTokenLargestAccounts(ctx context.Context, mint PublicKey) ([]TokenAmount, error) {
	var res struct {
		Value []struct {
			Address string `json:"address"`
			Amount  string `json:"amount"`
		} `json:"value"`
	}
	if err := c.Call(ctx, "getTokenLargestAccounts", []any{mint.String()}, &res); err != nil {
		return nil, err
	}
	out := make([]TokenAmount, 0, len(res.Value))
	for _, v := range res.Value {
		addr, err := ParsePublicKey(v.Address)
		if err != nil {
			return nil, sleuth.Errorf(CodeRPC, "solana getTokenLargestAccounts: %w", err)
		}
		n, err := strconv.ParseUint(v.Amount, 10, 64)
		if err != nil {
			return nil, sleuth.Errorf(CodeRPC, "solana getTokenLargestAccounts: amount %q", short(v.Amount))
		}
		out = append(out, TokenAmount{Address: addr, Amount: n})
	}
	return out, nil
}

// Signature is one entry of getSignaturesForAddress.
type Signature struct {
	Signature string `json:"signature"`
	Slot      uint64 `json:"slot"`
	// BlockTime is Unix seconds; nil when the node does not know it.
	BlockTime *int64 `json:"blockTime"`
}

// GetSignaturesForAddress returns up to limit (1..1000) signatures of
// transactions touching addr, newest first, older than before when set.
func (c *Client) GetSignaturesForAddress(ctx context.Context, addr PublicKey, before string, limit int) ([]Signature, error) {
	opts := map[string]any{"limit": limit}
	if before != "" {
		opts["before"] = before
	}
	var res []Signature
	if err := c.Call(ctx, "getSignaturesForAddress", []any{addr.String(), opts}, &res); err != nil {
		return nil, err
	}
	return res, nil
}

// TokenAccountOwner reads the owner of an SPL token account (Token or
// Token-2022): the 32 bytes after the mint in its data.
func TokenAccountOwner(a *Account) (PublicKey, bool) {
	if a == nil || (a.Owner != TokenProgram && a.Owner != Token2022Program) || len(a.Data) < 72 {
		return PublicKey{}, false
	}
	var k PublicKey
	copy(k[:], a.Data[32:64])
	return k, true
}

// tokenAccountAmount reads the amount (u64 at 64) of an SPL token account.
func tokenAccountAmount(a *Account) uint64 {
	if a == nil || len(a.Data) < 72 {
		return 0
	}
	return binary.LittleEndian.Uint64(a.Data[64:72])
}
