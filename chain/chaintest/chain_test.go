package chaintest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// post sends one JSON-RPC call over HTTP and returns its raw answer.
func post(t *testing.T, url, body string) map[string]json.RawMessage {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestChainOverHTTP(t *testing.T) {
	ctx := context.Background()
	c, err := New(Options{MaxLogRange: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	k, err := c.DeployERC721(ctx, "Test", "TST")
	if err != nil {
		t.Fatal(err)
	}
	holder := c.Accounts[0]
	if err := k.Mint721(ctx, holder.Address, 7, "ipfs://bafkqaaa/7.json"); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := k.Call(ctx, "ownerOf", big.NewInt(7))
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].(common.Address); got != holder.Address {
		t.Errorf("ownerOf(7) = %s, want %s", got, holder.Address)
	}
	// Minting twice reverts, and Commit says so.
	if err := k.Mint721(ctx, holder.Address, 7, "x"); err == nil {
		if err := c.Commit(ctx); err == nil {
			t.Error("second mint of token 7 did not revert")
		}
	}

	// Over HTTP: chain id, a batch, logs, and the range limit.
	if got := string(post(t, c.URL, `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`)["result"]); got != `"0x539"` {
		t.Errorf("eth_chainId = %s, want 0x539", got)
	}
	resp, err := http.Post(c.URL, "application/json", strings.NewReader(
		`[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]},{"jsonrpc":"2.0","id":2,"method":"no_such","params":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	var batch []map[string]json.RawMessage
	json.NewDecoder(resp.Body).Decode(&batch)
	resp.Body.Close()
	if len(batch) != 2 || batch[0]["result"] == nil || batch[1]["error"] == nil {
		t.Errorf("batch answer %v", batch)
	}
	head, _ := c.Head(ctx)
	logs := post(t, c.URL, fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"eth_getLogs","params":[{"address":"%s","fromBlock":"0x%x","toBlock":"0x%x"}]}`,
		k.Address.Hex(), head-1, head))
	if logs["error"] != nil || !bytes.Contains(logs["result"], []byte("0xddf252ad")) {
		t.Errorf("eth_getLogs over 2 blocks: %s %s", logs["result"], logs["error"])
	}
	refused := post(t, c.URL, `{"jsonrpc":"2.0","id":4,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"latest"}]}`)
	if !bytes.Contains(refused["error"], []byte("-32005")) {
		t.Errorf("eth_getLogs over the whole chain with MaxLogRange 2: %s", refused["error"])
	}
	if c.Refused.Load() != 1 || c.GetLogs.Load() != 2 {
		t.Errorf("GetLogs %d, Refused %d; want 2, 1", c.GetLogs.Load(), c.Refused.Load())
	}
}
