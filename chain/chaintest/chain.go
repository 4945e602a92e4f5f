// Package chaintest runs a real, local EVM chain for tests and `sleuth
// devnet`: go-ethereum's simulated backend (a full in-process node with
// the dev chain's rules, chain id 1337) served over HTTP JSON-RPC on
// loopback, so that a client talks to it exactly as to a hosted provider.
// It deploys Sleuth's test contracts (package testdata/contracts: an
// ERC-721 and an ERC-1155 compiled from Solidity) and mints with them.
//
// Blocks are made on demand: transactions wait in the pool until Commit
// mines them into one block. Options.MaxLogRange makes the server refuse
// eth_getLogs queries over more blocks, as providers do.
package chaintest

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/sleuthhq/sleuth/testdata/contracts"
)

// ChainID is the chain id of the simulated chain.
const ChainID = 1337

// Options configure a Chain. The zero value is usable.
type Options struct {
	// Addr is the listen address of the JSON-RPC server. "":
	// 127.0.0.1:0 (a free port).
	Addr string
	// MaxLogRange, when positive, makes eth_getLogs over more than that
	// many blocks fail with error -32005, as hosted providers answer.
	MaxLogRange uint64
	// Accounts is how many funded accounts to make besides the deployer.
	// 0: 3.
	Accounts int
}

// Account is a funded account whose key the Chain holds.
type Account struct {
	Address common.Address
	key     *ecdsa.PrivateKey
}

// Chain is a running simulated chain. Its methods are safe for concurrent
// use.
type Chain struct {
	// URL is the JSON-RPC endpoint: http://127.0.0.1:PORT.
	URL string
	// Deployer deploys the contracts and mints (it owns them).
	Deployer *Account
	// Accounts are other funded accounts (token holders).
	Accounts []*Account

	opt     Options
	backend *simulated.Backend
	client  simulated.Client
	rpc     *rpc.Client
	srv     *http.Server
	ln      net.Listener

	mu      sync.Mutex
	nonces  map[common.Address]uint64
	pending []common.Hash

	// GetLogs and Refused count eth_getLogs queries served and refused.
	GetLogs, Refused atomic.Int64
}

// New starts a chain and its JSON-RPC server.
func New(opt Options) (*Chain, error) {
	if opt.Accounts <= 0 {
		opt.Accounts = 3
	}
	c := &Chain{opt: opt, nonces: map[common.Address]uint64{}}
	alloc := types.GenesisAlloc{}
	funds := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	for i := 0; i <= opt.Accounts; i++ {
		// Deterministic keys, so that addresses are the same every run.
		key, err := crypto.ToECDSA(crypto.Keccak256([]byte(fmt.Sprintf("sleuth chaintest account %d", i))))
		if err != nil {
			return nil, err
		}
		a := &Account{Address: crypto.PubkeyToAddress(key.PublicKey), key: key}
		alloc[a.Address] = types.Account{Balance: funds}
		if i == 0 {
			c.Deployer = a
		} else {
			c.Accounts = append(c.Accounts, a)
		}
	}
	c.backend = simulated.NewBackend(alloc, simulated.WithBlockGasLimit(100_000_000))
	c.client = c.backend.Client()
	// The simulated client is an *ethclient.Client embedded in an
	// unexported struct, whose field named Client hides the method of
	// the same name: reach the embedded value to get the in-process
	// rpc.Client that the HTTP server passes calls to.
	ec, ok := reflect.ValueOf(c.client).FieldByName("Client").Interface().(*ethclient.Client)
	if !ok || ec == nil {
		c.backend.Close()
		return nil, errors.New("chaintest: simulated client has no rpc.Client")
	}
	c.rpc = ec.Client()
	addr := opt.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		c.backend.Close()
		return nil, fmt.Errorf("chaintest: listen: %w", err)
	}
	c.ln = ln
	c.URL = "http://" + ln.Addr().String()
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serveRPC), ReadHeaderTimeout: 10 * time.Second}
	go c.srv.Serve(ln)
	return c, nil
}

// Close stops the server and the chain.
func (c *Chain) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.srv.Shutdown(ctx)
	return errors.Join(err, c.backend.Close())
}

// Client returns a go-ethereum client of the chain (in process).
func (c *Chain) Client() simulated.Client { return c.client }

// Head returns the number of the latest block.
func (c *Chain) Head(ctx context.Context) (uint64, error) { return c.client.BlockNumber(ctx) }

// AdjustTime moves the clock of the next block forward by d (it mines an
// empty block).
func (c *Chain) AdjustTime(d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) > 0 {
		return errors.New("chaintest: AdjustTime with transactions pending; Commit first")
	}
	return c.backend.AdjustTime(d)
}

// Commit mines the pending transactions into one block and checks that
// each succeeded.
//
// The transaction pool admits transactions asynchronously, so a block may
// leave some out: Commit then mines another block for them, up to
// maxCommitRounds blocks in all.
func (c *Chain) Commit(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pending := c.pending
	c.pending = nil
	for round := 0; len(pending) > 0 || round == 0; round++ {
		if round == maxCommitRounds {
			return fmt.Errorf("chaintest: %d transactions not mined after %d blocks (first %s)", len(pending), round, pending[0])
		}
		if round > 0 {
			time.Sleep(time.Duration(round) * 10 * time.Millisecond)
		}
		c.backend.Commit()
		var left []common.Hash
		for _, h := range pending {
			r, err := c.client.TransactionReceipt(ctx, h)
			if errors.Is(err, ethereum.NotFound) {
				left = append(left, h)
				continue
			}
			if err != nil {
				return fmt.Errorf("chaintest: receipt of %s: %w", h, err)
			}
			if r.Status != types.ReceiptStatusSuccessful {
				return fmt.Errorf("chaintest: transaction %s reverted", h)
			}
		}
		pending = left
	}
	return nil
}

// maxCommitRounds bounds the blocks one Commit mines.
const maxCommitRounds = 20

// EmptyBlocks mines n empty blocks.
func (c *Chain) EmptyBlocks(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range n {
		c.backend.Commit()
	}
}

// send signs and submits a transaction from a; it is mined by the next
// Commit. to nil creates a contract.
func (c *Chain) send(ctx context.Context, from *Account, to *common.Address, data []byte) (common.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nonce, ok := c.nonces[from.Address]
	if !ok {
		n, err := c.client.PendingNonceAt(ctx, from.Address)
		if err != nil {
			return common.Hash{}, err
		}
		nonce = n
	}
	gas, err := c.client.EstimateGas(ctx, ethereum.CallMsg{From: from.Address, To: to, Data: data})
	if err != nil {
		return common.Hash{}, fmt.Errorf("chaintest: estimate gas: %w", err)
	}
	head, err := c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return common.Hash{}, err
	}
	tip := big.NewInt(1e9)
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(4)), tip)
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: big.NewInt(ChainID), Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas + gas/5 + 20_000, To: to, Data: data,
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(big.NewInt(ChainID)), from.key)
	if err != nil {
		return common.Hash{}, err
	}
	if err := c.client.SendTransaction(ctx, signed); err != nil {
		return common.Hash{}, fmt.Errorf("chaintest: send: %w", err)
	}
	c.nonces[from.Address] = nonce + 1
	c.pending = append(c.pending, signed.Hash())
	return signed.Hash(), nil
}

// Contract is a deployed test contract.
type Contract struct {
	Name    string
	Address common.Address
	abi     abi.ABI
	chain   *Chain
}

// Deploy deploys the named contract of package contracts with the
// constructor arguments and mines it.
func (c *Chain) Deploy(ctx context.Context, name string, args ...any) (*Contract, error) {
	art, err := contracts.Load(name)
	if err != nil {
		return nil, err
	}
	a, err := abi.JSON(strings.NewReader(string(art.ABI)))
	if err != nil {
		return nil, fmt.Errorf("chaintest: %s ABI: %w", name, err)
	}
	input, err := a.Pack("", args...)
	if err != nil {
		return nil, fmt.Errorf("chaintest: %s constructor: %w", name, err)
	}
	code := common.FromHex(art.Bytecode)
	h, err := c.send(ctx, c.Deployer, nil, append(code, input...))
	if err != nil {
		return nil, err
	}
	if err := c.Commit(ctx); err != nil {
		return nil, err
	}
	r, err := c.client.TransactionReceipt(ctx, h)
	if err != nil {
		return nil, err
	}
	return &Contract{Name: name, Address: r.ContractAddress, abi: a, chain: c}, nil
}

// DeployERC721 deploys SleuthERC721.
func (c *Chain) DeployERC721(ctx context.Context, name, symbol string) (*Contract, error) {
	return c.Deploy(ctx, contracts.ERC721, name, symbol)
}

// DeployERC1155 deploys SleuthERC1155 with its URI template.
func (c *Chain) DeployERC1155(ctx context.Context, name, symbol, uri string) (*Contract, error) {
	return c.Deploy(ctx, contracts.ERC1155, name, symbol, uri)
}

// Transact sends a call of method from an account (nil: the deployer)
// and returns the transaction's hash; the next Commit mines it.
func (k *Contract) Transact(ctx context.Context, from *Account, method string, args ...any) (common.Hash, error) {
	if from == nil {
		from = k.chain.Deployer
	}
	data, err := k.abi.Pack(method, args...)
	if err != nil {
		return common.Hash{}, fmt.Errorf("chaintest: %s.%s: %w", k.Name, method, err)
	}
	return k.chain.send(ctx, from, &k.Address, data)
}

// BlockOf returns the number of the block that mined transaction h.
func (c *Chain) BlockOf(ctx context.Context, h common.Hash) (uint64, error) {
	r, err := c.client.TransactionReceipt(ctx, h)
	if err != nil {
		return 0, fmt.Errorf("chaintest: receipt of %s: %w", h, err)
	}
	return r.BlockNumber.Uint64(), nil
}

func noHash(_ common.Hash, err error) error { return err }

// Call calls a view method at the latest block and unpacks its results.
func (k *Contract) Call(ctx context.Context, method string, args ...any) ([]any, error) {
	data, err := k.abi.Pack(method, args...)
	if err != nil {
		return nil, err
	}
	out, err := k.chain.client.CallContract(ctx, ethereum.CallMsg{To: &k.Address, Data: data}, nil)
	if err != nil {
		return nil, err
	}
	return k.abi.Unpack(method, out)
}

// Mint721 mints ERC-721 token id to `to` with its token URI.
func (k *Contract) Mint721(ctx context.Context, to common.Address, id int64, uri string) error {
	return noHash(k.Transact(ctx, nil, "mint", to, big.NewInt(id), uri))
}

// Mint1155 mints value of ERC-1155 token id to `to`.
func (k *Contract) Mint1155(ctx context.Context, to common.Address, id, value int64) error {
	return noHash(k.Transact(ctx, nil, "mint", to, big.NewInt(id), big.NewInt(value)))
}

// Mint1155Batch mints several ERC-1155 tokens in one TransferBatch.
func (k *Contract) Mint1155Batch(ctx context.Context, to common.Address, ids, values []int64) error {
	bi := func(xs []int64) []*big.Int {
		out := make([]*big.Int, len(xs))
		for i, x := range xs {
			out[i] = big.NewInt(x)
		}
		return out
	}
	return noHash(k.Transact(ctx, nil, "mintBatch", to, bi(ids), bi(values)))
}

// Transfer721 moves ERC-721 token id from its holder to `to`.
func (k *Contract) Transfer721(ctx context.Context, from *Account, to common.Address, id int64) error {
	return noHash(k.Transact(ctx, from, "transferFrom", from.Address, to, big.NewInt(id)))
}

// Transfer1155 moves value of ERC-1155 token id from its holder to `to`.
func (k *Contract) Transfer1155(ctx context.Context, from *Account, to common.Address, id, value int64) error {
	return noHash(k.Transact(ctx, from, "safeTransferFrom", from.Address, to, big.NewInt(id), big.NewInt(value), []byte{}))
}

// rpcRequest and rpcResponse are JSON-RPC 2.0 messages.
type rpcRequest struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

// maxRequestBytes bounds a request body.
const maxRequestBytes = 16 << 20

// serveRPC serves JSON-RPC over HTTP (single calls and batches) by passing
// each call to the node in process.
func (c *Chain) serveRPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a JSON-RPC request", http.StatusMethodNotAllowed)
		return
	}
	var raw json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes)).Decode(&raw); err != nil {
		writeJSON(w, rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{Code: -32700, Message: "parse error: " + err.Error()}})
		return
	}
	if len(raw) > 0 && raw[0] == '[' {
		var reqs []rpcRequest
		if err := json.Unmarshal(raw, &reqs); err != nil {
			writeJSON(w, rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{Code: -32600, Message: err.Error()}})
			return
		}
		out := make([]rpcResponse, len(reqs))
		for i := range reqs {
			out[i] = c.call(r.Context(), &reqs[i])
		}
		writeJSON(w, out)
		return
	}
	var req rpcRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		writeJSON(w, rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{Code: -32600, Message: err.Error()}})
		return
	}
	writeJSON(w, c.call(r.Context(), &req))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (c *Chain) call(ctx context.Context, req *rpcRequest) rpcResponse {
	resp := rpcResponse{JSONRPC: "2.0", ID: req.ID}
	if req.Method == "eth_getLogs" {
		c.GetLogs.Add(1)
		if msg := c.checkLogRange(ctx, req.Params); msg != "" {
			c.Refused.Add(1)
			resp.Error = &rpcError{Code: -32005, Message: msg}
			return resp
		}
	}
	args := make([]any, len(req.Params))
	for i, p := range req.Params {
		args[i] = p
	}
	var result json.RawMessage
	if err := c.rpc.CallContext(ctx, &result, req.Method, args...); err != nil {
		e := &rpcError{Code: -32000, Message: err.Error()}
		var re rpc.Error
		if errors.As(err, &re) {
			e.Code = re.ErrorCode()
		}
		var de rpc.DataError
		if errors.As(err, &de) {
			e.Data = de.ErrorData()
		}
		resp.Error = e
		return resp
	}
	if result == nil {
		result = json.RawMessage("null")
	}
	resp.Result = result
	return resp
}

// checkLogRange returns the refusal message for an eth_getLogs filter
// over more than MaxLogRange blocks, or "".
func (c *Chain) checkLogRange(ctx context.Context, params []json.RawMessage) string {
	if c.opt.MaxLogRange == 0 || len(params) == 0 {
		return ""
	}
	var f struct {
		FromBlock string `json:"fromBlock"`
		ToBlock   string `json:"toBlock"`
	}
	if json.Unmarshal(params[0], &f) != nil {
		return ""
	}
	head, err := c.client.BlockNumber(ctx)
	if err != nil {
		return ""
	}
	num := func(s string) uint64 {
		switch s {
		case "", "latest", "safe", "finalized", "pending":
			return head
		case "earliest":
			return 0
		}
		var n uint64
		fmt.Sscanf(s, "0x%x", &n)
		return n
	}
	from, to := num(f.FromBlock), num(f.ToBlock)
	if to >= from && to-from+1 > c.opt.MaxLogRange {
		return fmt.Sprintf("query exceeds max block range %d (asked %d blocks)", c.opt.MaxLogRange, to-from+1)
	}
	return ""
}
