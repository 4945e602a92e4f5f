// Package solanatest is an in-memory Solana JSON-RPC server for tests:
// there is no local validator in pure Go, so tests of chain/solana and of
// `sleuth ingest solana` serve real account bytes from here. It implements
// the methods the reader uses, with the real semantics (base64 encoding,
// memcmp and dataSize filters, signature paging, nulls for missing
// accounts), and can fail a number of requests with HTTP 429 to exercise
// retries.
package solanatest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/mr-tron/base58"

	"github.com/sleuthhq/sleuth/chain/solana"
)

// MainnetGenesisHash is mainnet-beta's genesis hash.
const MainnetGenesisHash = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"

// Cluster is the state the server answers from. Its methods are safe for
// concurrent use.
type Cluster struct {
	GenesisHash string

	mu       sync.Mutex
	accounts map[solana.PublicKey]solana.Account
	sigs     map[solana.PublicKey][]solana.Signature // newest first
	// Fail429 makes the next n requests fail with HTTP 429.
	fail429 atomic.Int64
	// Requests counts requests by method.
	requests map[string]int
}

// New returns an empty mainnet-like cluster.
func New() *Cluster {
	return &Cluster{
		GenesisHash: MainnetGenesisHash,
		accounts:    map[solana.PublicKey]solana.Account{},
		sigs:        map[solana.PublicKey][]solana.Signature{},
		requests:    map[string]int{},
	}
}

// SetAccount stores an account.
func (c *Cluster) SetAccount(addr solana.PublicKey, a solana.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[addr] = a
}

// AddMetadata stores metadata account data at the metadata address of the
// mint it names, owned by the Token Metadata program, and returns that
// address.
func (c *Cluster) AddMetadata(data []byte) (solana.PublicKey, error) {
	md, err := solana.DecodeMetadata(data)
	if err != nil {
		return solana.PublicKey{}, err
	}
	addr := solana.MetadataAddress(md.Mint)
	c.SetAccount(addr, solana.Account{Owner: solana.TokenMetadataProgram, Lamports: 5616720, Data: data})
	return addr, nil
}

// AddTokenAccount stores an SPL token account of mint held by owner with
// amount, at addr (165 bytes: mint, owner, amount, then zeros).
func (c *Cluster) AddTokenAccount(addr, mint, owner solana.PublicKey, amount uint64) {
	data := make([]byte, 165)
	copy(data, mint[:])
	copy(data[32:], owner[:])
	binary.LittleEndian.PutUint64(data[64:], amount)
	data[108] = 1 // state: initialized
	c.SetAccount(addr, solana.Account{Owner: solana.TokenProgram, Lamports: 2039280, Data: data})
}

// AddSignatures appends signatures of transactions touching addr, given
// oldest first, with their block times (0: unknown).
func (c *Cluster) AddSignatures(addr solana.PublicKey, blockTimes ...int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, bt := range blockTimes {
		n := len(c.sigs[addr])
		s := solana.Signature{Signature: fmt.Sprintf("sig-%s-%d", addr.String()[:8], n), Slot: uint64(100 + n)}
		if bt != 0 {
			s.BlockTime = &bt
		}
		c.sigs[addr] = append([]solana.Signature{s}, c.sigs[addr]...)
	}
}

// Fail429 makes the next n requests answer HTTP 429 with Retry-After: 0.
func (c *Cluster) Fail429(n int) { c.fail429.Store(int64(n)) }

// Requests returns how many requests of method were answered (429s
// included).
func (c *Cluster) Requests(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[method]
}

type request struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// ServeHTTP answers one JSON-RPC request (batches are not supported).
func (c *Cluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, map[string]any{"jsonrpc": "2.0", "id": nil, "error": rpcErr{-32700, "parse error"}})
		return
	}
	c.mu.Lock()
	c.requests[req.Method]++
	c.mu.Unlock()
	if c.fail429.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "rate limited", http.StatusTooManyRequests)
		return
	}
	result, e := c.dispatch(req)
	resp := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if e != nil {
		resp["error"] = e
	} else {
		resp["result"] = result
	}
	writeJSON(w, resp)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func invalidParams(format string, args ...any) *rpcErr {
	return &rpcErr{-32602, fmt.Sprintf(format, args...)}
}

func (c *Cluster) dispatch(req request) (any, *rpcErr) {
	ctx := map[string]any{"slot": 300000000, "apiVersion": "2.0.0"}
	switch req.Method {
	case "getGenesisHash":
		return c.GenesisHash, nil
	case "getAccountInfo":
		addr, err := c.param(req, 0)
		if err != nil {
			return nil, err
		}
		if err := checkBase64(req, 1); err != nil {
			return nil, err
		}
		return map[string]any{"context": ctx, "value": c.encoded(addr)}, nil
	case "getMultipleAccounts":
		if len(req.Params) < 1 {
			return nil, invalidParams("missing addresses")
		}
		var keys []string
		if json.Unmarshal(req.Params[0], &keys) != nil || len(keys) > solana.MaxMultipleAccounts {
			return nil, invalidParams("want at most 100 addresses")
		}
		if err := checkBase64(req, 1); err != nil {
			return nil, err
		}
		vals := make([]any, len(keys))
		for i, k := range keys {
			addr, err := solana.ParsePublicKey(k)
			if err != nil {
				return nil, invalidParams("%v", err)
			}
			vals[i] = c.encoded(addr)
		}
		return map[string]any{"context": ctx, "value": vals}, nil
	case "getProgramAccounts":
		return c.programAccounts(req)
	case "getTokenLargestAccounts":
		mint, err := c.param(req, 0)
		if err != nil {
			return nil, err
		}
		return map[string]any{"context": ctx, "value": c.largest(mint)}, nil
	case "getSignaturesForAddress":
		return c.signatures(req)
	}
	return nil, &rpcErr{-32601, "Method not found"}
}

func (c *Cluster) param(req request, i int) (solana.PublicKey, *rpcErr) {
	if len(req.Params) <= i {
		return solana.PublicKey{}, invalidParams("missing parameter %d", i)
	}
	var s string
	if json.Unmarshal(req.Params[i], &s) != nil {
		return solana.PublicKey{}, invalidParams("parameter %d: want a string", i)
	}
	k, err := solana.ParsePublicKey(s)
	if err != nil {
		return solana.PublicKey{}, invalidParams("Invalid param: %v", err)
	}
	return k, nil
}

// checkBase64 insists on the base64 encoding the client must ask for.
func checkBase64(req request, i int) *rpcErr {
	var cfg struct {
		Encoding string `json:"encoding"`
	}
	if len(req.Params) <= i || json.Unmarshal(req.Params[i], &cfg) != nil || cfg.Encoding != "base64" {
		return invalidParams("this server answers encoding base64 only")
	}
	return nil
}

func encodeAccount(a solana.Account) map[string]any {
	return map[string]any{
		"data":       []string{base64.StdEncoding.EncodeToString(a.Data), "base64"},
		"executable": false,
		"lamports":   a.Lamports,
		"owner":      a.Owner.String(),
		"rentEpoch":  uint64(18446744073709551615),
		"space":      len(a.Data),
	}
}

func (c *Cluster) encoded(addr solana.PublicKey) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[addr]
	if !ok {
		return nil
	}
	return encodeAccount(a)
}

func (c *Cluster) programAccounts(req request) (any, *rpcErr) {
	prog, err := c.param(req, 0)
	if err != nil {
		return nil, err
	}
	if err := checkBase64(req, 1); err != nil {
		return nil, err
	}
	var cfg struct {
		Filters []struct {
			DataSize *int `json:"dataSize"`
			Memcmp   *struct {
				Offset int    `json:"offset"`
				Bytes  string `json:"bytes"`
			} `json:"memcmp"`
		} `json:"filters"`
	}
	if json.Unmarshal(req.Params[1], &cfg) != nil {
		return nil, invalidParams("bad configuration")
	}
	type memcmp struct {
		off int
		b   []byte
	}
	var sizes []int
	var cmps []memcmp
	for _, f := range cfg.Filters {
		switch {
		case f.DataSize != nil:
			sizes = append(sizes, *f.DataSize)
		case f.Memcmp != nil:
			b, err := base58.Decode(f.Memcmp.Bytes)
			if err != nil || f.Memcmp.Offset < 0 {
				return nil, invalidParams("bad memcmp filter")
			}
			cmps = append(cmps, memcmp{f.Memcmp.Offset, b})
		default:
			return nil, invalidParams("unknown filter")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var addrs []solana.PublicKey
	for addr, a := range c.accounts {
		if a.Owner != prog {
			continue
		}
		ok := true
		for _, s := range sizes {
			ok = ok && len(a.Data) == s
		}
		for _, m := range cmps {
			ok = ok && m.off+len(m.b) <= len(a.Data) && bytes.Equal(a.Data[m.off:m.off+len(m.b)], m.b)
		}
		if ok {
			addrs = append(addrs, addr)
		}
	}
	slices.SortFunc(addrs, func(a, b solana.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	out := make([]any, len(addrs))
	for i, addr := range addrs {
		out[i] = map[string]any{"pubkey": addr.String(), "account": encodeAccount(c.accounts[addr])}
	}
	return out, nil
}

func (c *Cluster) largest(mint solana.PublicKey) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	type holder struct {
		addr   solana.PublicKey
		amount uint64
	}
	var hs []holder
	for addr, a := range c.accounts {
		if a.Owner == solana.TokenProgram && len(a.Data) >= 72 && bytes.Equal(a.Data[:32], mint[:]) {
			hs = append(hs, holder{addr, binary.LittleEndian.Uint64(a.Data[64:72])})
		}
	}
	slices.SortFunc(hs, func(a, b holder) int {
		if a.amount != b.amount {
			if a.amount > b.amount {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.addr[:], b.addr[:])
	})
	out := []any{}
	for _, h := range hs[:min(len(hs), 20)] {
		out = append(out, map[string]any{"address": h.addr.String(), "amount": fmt.Sprint(h.amount), "decimals": 0, "uiAmountString": fmt.Sprint(h.amount)})
	}
	return out
}

func (c *Cluster) signatures(req request) (any, *rpcErr) {
	addr, err := c.param(req, 0)
	if err != nil {
		return nil, err
	}
	opts := struct {
		Limit  int    `json:"limit"`
		Before string `json:"before"`
	}{Limit: 1000}
	if len(req.Params) > 1 && json.Unmarshal(req.Params[1], &opts) != nil {
		return nil, invalidParams("bad options")
	}
	if opts.Limit < 1 || opts.Limit > 1000 {
		return nil, invalidParams("Invalid limit; max 1000")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sigs := c.sigs[addr]
	start := 0
	if opts.Before != "" {
		start = len(sigs)
		for i, s := range sigs {
			if s.Signature == opts.Before {
				start = i + 1
				break
			}
		}
	}
	page := sigs[start:min(start+opts.Limit, len(sigs))]
	out := make([]any, len(page))
	for i, s := range page {
		var bt any
		if s.BlockTime != nil {
			bt = *s.BlockTime
		}
		out[i] = map[string]any{"signature": s.Signature, "slot": s.Slot, "blockTime": bt, "err": nil, "memo": nil, "confirmationStatus": "finalized"}
	}
	return out, nil
}
