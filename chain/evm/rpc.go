package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sleuthhq/sleuth"
)

// Limits of the JSON-RPC client.
const (
	// MaxResponseBytes bounds one JSON-RPC response body.
	MaxResponseBytes = 64 << 20
	// DefaultCallTimeout bounds one HTTP request (a call or a batch).
	DefaultCallTimeout = 30 * time.Second
	// DefaultRetries is how many times a transient failure is retried.
	DefaultRetries = 5
	// maxBatch is the most calls sent in one JSON-RPC batch.
	maxBatch = 100
)

var errResponseTooLarge = fmt.Errorf("response over %d bytes", MaxResponseBytes)

// RPCError is an error object a JSON-RPC server answered with.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// Client is a small Ethereum JSON-RPC client over HTTP: single calls and
// batches, with retries and exponential backoff on transient failures
// (network errors, HTTP 429 and 5xx, rate-limit answers). It is safe for
// concurrent use.
type Client struct {
	url     string
	http    *http.Client
	retries int
	backoff time.Duration // first wait; doubled each retry, at most maxBackoff
	id      atomic.Int64
	calls   atomic.Int64
}

const maxBackoff = 5 * time.Second

// NewClient returns a client of the JSON-RPC endpoint at url (http or
// https). The URL is configuration, trusted: it may be on loopback.
func NewClient(url string) (*Client, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, sleuth.Errorf(CodeRPC, "evm: rpc URL %q: want http:// or https://", url)
	}
	return &Client{
		url:     url,
		http:    &http.Client{Timeout: DefaultCallTimeout},
		retries: DefaultRetries,
		backoff: 250 * time.Millisecond,
	}, nil
}

// Calls returns how many HTTP requests the client has made.
func (c *Client) Calls() int64 { return c.calls.Load() }

// request is one JSON-RPC call.
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// Call makes one call and decodes its result into out (a pointer), with
// retries. A JSON-RPC error answer is returned as a *RPCError (wrapped in
// a sleuth.evm.rpc error), without retry unless it says the client is
// rate-limited.
func (c *Client) Call(ctx context.Context, out any, method string, params ...any) error {
	b := []BatchElem{{Method: method, Params: params, Result: out}}
	if err := c.BatchCall(ctx, b); err != nil {
		return err
	}
	return b[0].Error
}

// BatchElem is one call of a batch.
type BatchElem struct {
	Method string
	Params []any
	Result any   // where the result is decoded (a pointer)
	Error  error // the call's own error, set by BatchCall
}

// BatchCall sends the calls as JSON-RPC batches of at most 100 and sets
// each element's Result or Error. The returned error is for the batch as
// a whole (transport, or an answer that is not a batch response), after
// retries.
func (c *Client) BatchCall(ctx context.Context, elems []BatchElem) error {
	for len(elems) > 0 {
		n := min(len(elems), maxBatch)
		if err := c.batchWithRetry(ctx, elems[:n]); err != nil {
			return err
		}
		elems = elems[n:]
	}
	return nil
}

func (c *Client) batchWithRetry(ctx context.Context, elems []BatchElem) error {
	wait := c.backoff
	for attempt := 0; ; attempt++ {
		err := c.batch(ctx, elems)
		if err == nil {
			// Rate-limit answers to single calls are retried as well.
			if !anyRateLimited(elems) || attempt >= c.retries {
				return nil
			}
		} else if !transient(err) || attempt >= c.retries || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return sleuth.Errorf(CodeRPC, "evm: %s: %w", elems[0].Method, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

func anyRateLimited(elems []BatchElem) bool {
	for _, e := range elems {
		var re *RPCError
		if errors.As(e.Error, &re) && rateLimited(re) {
			return true
		}
	}
	return false
}

// transportError is a failure to get an answer: retried.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func transient(err error) bool {
	var te *transportError
	return errors.As(err, &te)
}

// rateLimited reports whether an error answer asks the client to slow
// down (retried) rather than saying the call is wrong.
func rateLimited(e *RPCError) bool {
	m := strings.ToLower(e.Message)
	return e.Code == 429 || strings.Contains(m, "rate limit") || strings.Contains(m, "too many requests") ||
		strings.Contains(m, "capacity") || strings.Contains(m, "try again")
}

func (c *Client) batch(ctx context.Context, elems []BatchElem) error {
	reqs := make([]request, len(elems))
	byID := make(map[int64]int, len(elems))
	for i, e := range elems {
		id := c.id.Add(1)
		params := e.Params
		if params == nil {
			params = []any{}
		}
		reqs[i] = request{JSONRPC: "2.0", ID: id, Method: e.Method, Params: params}
		byID[id] = i
		elems[i].Error = nil
	}
	var body []byte
	var err error
	if len(reqs) == 1 {
		body, err = json.Marshal(reqs[0])
	} else {
		body, err = json.Marshal(reqs)
	}
	if err != nil {
		return sleuth.Errorf(CodeRPC, "evm: %s: encode: %w", elems[0].Method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return sleuth.Errorf(CodeRPC, "evm: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c.calls.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return sleuth.Errorf(CodeRPC, "evm: %s: %w", elems[0].Method, &transportError{err})
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return sleuth.Errorf(CodeRPC, "evm: %s: read: %w", elems[0].Method, &transportError{err})
	}
	if len(raw) > MaxResponseBytes {
		return sleuth.Errorf(CodeRPC, "evm: %s: %w", elems[0].Method, errResponseTooLarge)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return sleuth.Errorf(CodeRPC, "evm: %s: %w", elems[0].Method,
			&transportError{fmt.Errorf("HTTP %s: %s", resp.Status, snippet(raw))})
	}
	var resps []response
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '[':
		err = json.Unmarshal(raw, &resps)
	case len(raw) > 0 && raw[0] == '{':
		var r response
		err = json.Unmarshal(raw, &r)
		resps = []response{r}
	default:
		err = fmt.Errorf("HTTP %s, not a JSON-RPC answer: %s", resp.Status, snippet(raw))
	}
	if err != nil {
		return sleuth.Errorf(CodeRPC, "evm: %s: %w", elems[0].Method, err)
	}
	// A server may answer a whole batch with one error object (no id).
	if len(resps) == 1 && len(elems) > 1 && resps[0].Error != nil && len(resps[0].ID) == 0 {
		return sleuth.Errorf(CodeRPC, "evm: batch of %d: %w", len(elems), resps[0].Error)
	}
	done := make([]bool, len(elems))
	for _, r := range resps {
		id, err := strconv.ParseInt(string(bytes.Trim(r.ID, `"`)), 10, 64)
		i, ok := byID[id]
		if err != nil || !ok || done[i] {
			continue
		}
		done[i] = true
		e := &elems[i]
		switch {
		case r.Error != nil:
			e.Error = sleuth.Errorf(CodeRPC, "evm: %s: %w", e.Method, r.Error)
		case e.Result != nil:
			if err := json.Unmarshal(r.Result, e.Result); err != nil {
				e.Error = sleuth.Errorf(CodeRPC, "evm: %s: result: %w", e.Method, err)
			}
		}
	}
	for i, ok := range done {
		if !ok {
			elems[i].Error = sleuth.Errorf(CodeRPC, "evm: %s: no answer in the batch response", elems[i].Method)
		}
	}
	return nil
}

func snippet(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.TrimSpace(string(b))
}

// isRangeError reports whether err is a provider refusing an eth_getLogs
// query for its size: too many results, a block range over its limit, a
// response too big or too slow. The caller shrinks the range.
func isRangeError(err error) bool {
	if errors.Is(err, errResponseTooLarge) {
		return true
	}
	var re *RPCError
	if !errors.As(err, &re) || rateLimited(re) {
		return false
	}
	m := strings.ToLower(re.Message + " " + string(re.Data))
	for _, s := range []string{
		"too many", "more than", "limit", "range", "too large", "exceed", "response size",
		"query timeout", "timed out", "10000 results", "block range",
	} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return re.Code == -32005
}
