package evm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// rpcServer answers each request with the next of answers (status, body);
// the last one repeats. A body "echo" answers every call of a single or
// batch request with its id in reverse order and result "0x1".
func rpcServer(t *testing.T, answers ...[2]any) (*Client, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1) - 1)
		a := answers[min(i, len(answers)-1)]
		body, _ := io.ReadAll(r.Body)
		if a[1] == "echo" {
			var reqs []map[string]any
			if json.Unmarshal(body, &reqs) != nil {
				var one map[string]any
				json.Unmarshal(body, &one)
				reqs = []map[string]any{one}
			}
			var out []map[string]any
			for j := len(reqs) - 1; j >= 0; j-- {
				out = append(out, map[string]any{"jsonrpc": "2.0", "id": reqs[j]["id"], "result": "0x1"})
			}
			if len(reqs) == 1 {
				json.NewEncoder(w).Encode(out[0])
				return
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		w.WriteHeader(a[0].(int))
		io.WriteString(w, a[1].(string))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.backoff = time.Millisecond
	return c, &n
}

func TestClientRetries(t *testing.T) {
	ctx := context.Background()
	var got hexUint
	c, n := rpcServer(t, [2]any{503, "busy"}, [2]any{429, "slow down"}, [2]any{200, "echo"})
	if err := c.Call(ctx, &got, "eth_blockNumber"); err != nil || got != 1 || n.Load() != 3 {
		t.Errorf("after 503 and 429: %v, %d, %d requests", err, got, n.Load())
	}
	c, n = rpcServer(t, [2]any{200, `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limit exceeded"}}`}, [2]any{200, "echo"})
	if err := c.Call(ctx, &got, "eth_blockNumber"); err != nil || n.Load() != 2 {
		t.Errorf("after a rate-limit answer: %v, %d requests", err, n.Load())
	}
	c, n = rpcServer(t, [2]any{502, "bad gateway"})
	err := c.Call(ctx, &got, "eth_blockNumber")
	if sleuth.ErrorCode(err) != CodeRPC || n.Load() != DefaultRetries+1 {
		t.Errorf("always 502: %v, %d requests; want %s after %d", err, n.Load(), CodeRPC, DefaultRetries+1)
	}
	// A call error is not retried, and is the call's error.
	c, n = rpcServer(t, [2]any{200, `{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted"}}`})
	err = c.Call(ctx, &got, "eth_call")
	var re *RPCError
	if !errors.As(err, &re) || re.Code != 3 || n.Load() != 1 {
		t.Errorf("revert: %v, %d requests", err, n.Load())
	}
	// Garbage is an error, not a panic.
	c, _ = rpcServer(t, [2]any{200, `<html>`})
	if err := c.Call(ctx, &got, "eth_blockNumber"); sleuth.ErrorCode(err) != CodeRPC {
		t.Errorf("html answer: %v", err)
	}
	// A cancelled context stops the backoff.
	c, _ = rpcServer(t, [2]any{503, "busy"})
	c.backoff = time.Hour
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := c.Call(cctx, &got, "eth_blockNumber"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled during backoff: %v", err)
	}
}

func TestClientBatch(t *testing.T) {
	c, n := rpcServer(t, [2]any{200, "echo"})
	elems := make([]BatchElem, 250)
	for i := range elems {
		elems[i] = BatchElem{Method: "eth_call", Result: new(hexUint)}
	}
	if err := c.BatchCall(context.Background(), elems); err != nil {
		t.Fatal(err)
	}
	for i, e := range elems {
		if e.Error != nil || *e.Result.(*hexUint) != 1 {
			t.Fatalf("elem %d: %v", i, e.Error)
		}
	}
	if n.Load() != 3 {
		t.Errorf("%d requests for 250 calls, want 3 batches of at most 100", n.Load())
	}
	// An answer without some ids: those calls fail, the others succeed.
	c, _ = rpcServer(t, [2]any{200, `[{"jsonrpc":"2.0","id":1,"result":"0x5"}]`})
	elems = []BatchElem{{Method: "a", Result: new(hexUint)}, {Method: "b", Result: new(hexUint)}}
	if err := c.BatchCall(context.Background(), elems); err != nil {
		t.Fatal(err)
	}
	if elems[0].Error != nil || *elems[0].Result.(*hexUint) != 5 || elems[1].Error == nil {
		t.Errorf("partial answer: %v / %v", elems[0].Error, elems[1].Error)
	}
}

func TestIsRangeError(t *testing.T) {
	for msg, want := range map[string]bool{
		"query returned more than 10000 results":                                                    true,
		"Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range": true,
		"block range is too large":                                                                  true,
		"query exceeds max block range 2":                                                           true,
		"execution reverted":                                                                        false,
		"rate limit exceeded":                                                                       false,
	} {
		err := sleuth.Errorf(CodeRPC, "evm: %w", &RPCError{Code: -32000, Message: msg})
		if got := isRangeError(err); got != want {
			t.Errorf("%q: %v, want %v", msg, got, want)
		}
	}
	if !isRangeError(&RPCError{Code: -32005, Message: "whatever"}) {
		t.Error("-32005 is a limit")
	}
	if isRangeError(errors.New("connection refused")) {
		t.Error("a transport error is not a range error")
	}
}
