package evm

import (
	"context"
	"errors"
	"log/slog"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/ingest"
)

// Error codes of this package.
const (
	// CodeRPC: the JSON-RPC provider failed or answered with an error,
	// after retries.
	CodeRPC = "sleuth.evm.rpc"
	// CodeNotNFT: the contract supports neither ERC-721 nor ERC-1155
	// (ERC-165), or has no code.
	CodeNotNFT = "sleuth.evm.not_nft"
	// CodeBadConfig: a malformed contract address, a chain id the provider
	// contradicts, a block range that ends before it starts.
	CodeBadConfig = "sleuth.evm.bad_config"
)

// Defaults of Config.
const (
	DefaultPageBlocks   = 2000
	DefaultPollInterval = 5 * time.Second
)

// Config says what an Ingester reads.
type Config struct {
	// RPC is the JSON-RPC endpoint (http:// or https://).
	RPC string
	// Contract is the 0x address of the NFT contract.
	Contract string
	// ChainID is the EIP-155 chain id. 0: ask the provider (eth_chainId);
	// otherwise the provider must agree.
	ChainID uint64
	// FromBlock is the first block scanned when there is no checkpoint (or
	// the checkpoint is before it).
	FromBlock uint64
	// ToBlock is the last block scanned; 0: the head at each poll.
	ToBlock uint64
	// PageBlocks is the most blocks per eth_getLogs query. 0: 2000.
	PageBlocks uint64
	// Follow keeps polling for new blocks every PollInterval (0: 5 s)
	// until the context ends, instead of stopping at the head.
	Follow       bool
	PollInterval time.Duration
	// Logger receives warnings (undecodable logs, failed calls); nil
	// discards them.
	Logger *slog.Logger
	// Progress, when set, is called after each page.
	Progress func(Position)
}

// Position is how far an Ingester has got.
type Position struct {
	Chain, Contract string
	Spec            string
	// Block is the last block fully processed (the checkpoint).
	Block uint64
	// Head is the last block known to exist (or ToBlock).
	Head uint64
	// Logs and Tokens count the transfer logs read and token records
	// handed to the pipeline since the start.
	Logs, Tokens int64
	// Page is the current page size in blocks.
	Page uint64
}

// Ingester reads one contract. It is not safe for concurrent use.
type Ingester struct {
	cfg   Config
	c     *Client
	pipe  *ingest.Pipeline
	st    sleuth.Store
	log   *slog.Logger
	pos   Position
	times map[uint64]time.Time // block timestamps, per page
}

// New returns an Ingester of cfg that completes records with pipe and
// keeps its checkpoint in st. Errors: sleuth.evm.bad_config.
func New(cfg Config, pipe *ingest.Pipeline, st sleuth.Store) (*Ingester, error) {
	addr, err := NormalizeAddress(cfg.Contract)
	if err != nil {
		return nil, err
	}
	cfg.Contract = addr
	if cfg.ToBlock > 0 && cfg.ToBlock < cfg.FromBlock {
		return nil, sleuth.Errorf(CodeBadConfig, "evm: to-block %d is before from-block %d", cfg.ToBlock, cfg.FromBlock)
	}
	if cfg.PageBlocks == 0 {
		cfg.PageBlocks = DefaultPageBlocks
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	c, err := NewClient(cfg.RPC)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{cfg: cfg, c: c, pipe: pipe, st: st, log: log}, nil
}

// NormalizeAddress checks a 0x address (40 hex digits, any case) and
// returns it in lower case; sleuth.evm.bad_config otherwise.
func NormalizeAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	b, err := DecodeHex(s)
	if err != nil || len(b) != 20 || len(s) != 42 {
		return "", sleuth.Errorf(CodeBadConfig, "evm: contract %q: want 0x and 40 hex digits", shortStr(s))
	}
	return strings.ToLower(s), nil
}

// Client returns the JSON-RPC client.
func (in *Ingester) Client() *Client { return in.c }

// Position returns how far the Ingester has got.
func (in *Ingester) Position() Position { return in.pos }

// Run scans from the checkpoint (or FromBlock) to the head (or ToBlock),
// then, with Follow, keeps polling until ctx ends. It returns nil when the
// scan is done or when ctx ends while following; the checkpoint is written
// after every page, so an interrupted run loses at most the page in
// progress. Errors: sleuth.evm.* and the store's.
func (in *Ingester) Run(ctx context.Context) error {
	if err := in.setup(ctx); err != nil {
		return err
	}
	start := in.cfg.FromBlock
	cp, err := in.st.Checkpoint(ctx, in.pos.Chain, in.cfg.Contract)
	switch {
	case err == nil:
		if cp.Block+1 > start {
			start = cp.Block + 1
		}
		in.pos.Block = cp.Block
	case !errors.Is(err, sleuth.ErrCheckpointNotFound):
		return err
	}
	page := in.cfg.PageBlocks
	for {
		var head uint64
		if err := in.c.Call(ctx, (*hexUint)(&head), "eth_blockNumber"); err != nil {
			if in.cfg.Follow && ctx.Err() != nil {
				return nil
			}
			return err
		}
		end := head
		if in.cfg.ToBlock > 0 {
			end = min(end, in.cfg.ToBlock)
		}
		in.pos.Head = end
		for start <= end {
			to := min(start+page-1, end)
			logs, err := in.getLogs(ctx, start, to)
			if err != nil && isRangeError(err) && to > start {
				page = max(1, (to-start+1)/2)
				in.log.Info("provider refused the range; halving", "from", start, "to", to, "page", page)
				continue
			}
			if err != nil {
				if in.cfg.Follow && ctx.Err() != nil {
					return nil
				}
				return err
			}
			if err := in.page(ctx, logs); err != nil {
				if in.cfg.Follow && ctx.Err() != nil {
					return nil
				}
				return err
			}
			// The page is done: its checkpoint is written even when ctx
			// has just ended, so that the next run does not redo it.
			cp := &sleuth.Checkpoint{Chain: in.pos.Chain, Source: in.cfg.Contract, Block: to}
			if err := in.putCheckpoint(ctx, cp); err != nil {
				return err
			}
			in.pos.Block, in.pos.Page = to, page
			if in.cfg.Progress != nil {
				in.cfg.Progress(in.pos)
			}
			start = to + 1
			page = min(page*2, in.cfg.PageBlocks)
		}
		if !in.cfg.Follow || (in.cfg.ToBlock > 0 && start > in.cfg.ToBlock) {
			return nil
		}
		t := time.NewTimer(in.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// checkpointTimeout bounds the checkpoint write that outlives a cancelled
// context.
const checkpointTimeout = 10 * time.Second

// putCheckpoint stores cp, detached from ctx's cancellation (but not for
// longer than checkpointTimeout).
func (in *Ingester) putCheckpoint(ctx context.Context, cp *sleuth.Checkpoint) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkpointTimeout)
	defer cancel()
	return in.st.PutCheckpoint(ctx, cp)
}

// setup reads the chain id, the standard and the collection.
func (in *Ingester) setup(ctx context.Context) error {
	var id uint64
	if err := in.c.Call(ctx, (*hexUint)(&id), "eth_chainId"); err != nil {
		return err
	}
	if in.cfg.ChainID != 0 && in.cfg.ChainID != id {
		return sleuth.Errorf(CodeBadConfig, "evm: chain id %d given, but the provider is on chain %d", in.cfg.ChainID, id)
	}
	in.pos = Position{Chain: "eip155:" + strconv.FormatUint(id, 10), Contract: in.cfg.Contract, Page: in.cfg.PageBlocks}
	spec, err := in.detect(ctx)
	if err != nil {
		return err
	}
	in.pos.Spec = spec
	col := &sleuth.Collection{Chain: in.pos.Chain, Contract: in.cfg.Contract}
	if old, err := in.st.Collection(ctx, col.Chain, col.Contract); err == nil {
		*col = *old
	}
	calls := []BatchElem{in.call(callData(selName)), in.call(callData(selSymbol))}
	if err := in.c.BatchCall(ctx, calls); err != nil {
		return err
	}
	if s, err := callString(calls[0]); err == nil {
		col.Name = s
	}
	if s, err := callString(calls[1]); err == nil {
		col.Symbol = s
	}
	return in.st.PutCollection(ctx, col)
}

// detect asks ERC-165 which standard the contract implements.
func (in *Ingester) detect(ctx context.Context) (string, error) {
	iface := func(id string) []byte {
		w := make([]byte, 32)
		b, _ := DecodeHex("0x" + id)
		copy(w, b)
		return w
	}
	calls := []BatchElem{
		in.call(callData(selSupportsInterface, iface(ifaceERC721))),
		in.call(callData(selSupportsInterface, iface(ifaceERC1155))),
	}
	if err := in.c.BatchCall(ctx, calls); err != nil {
		return "", err
	}
	is721, err721 := callBool(calls[0])
	is1155, err1155 := callBool(calls[1])
	switch {
	case err721 == nil && is721:
		return SpecERC721, nil
	case err1155 == nil && is1155:
		return SpecERC1155, nil
	}
	return "", sleuth.Errorf(CodeNotNFT, "evm: contract %s on %s implements neither ERC-721 nor ERC-1155 (ERC-165)", in.cfg.Contract, in.pos.Chain)
}

func (in *Ingester) call(data string) BatchElem {
	return BatchElem{
		Method: "eth_call",
		Params: []any{map[string]string{"to": in.cfg.Contract, "data": data}, "latest"},
		Result: new(string),
	}
}

func callBytes(e BatchElem) ([]byte, error) {
	if e.Error != nil {
		return nil, e.Error
	}
	return DecodeHex(*e.Result.(*string))
}

func callString(e BatchElem) (string, error) {
	b, err := callBytes(e)
	if err != nil {
		return "", err
	}
	return DecodeString(b)
}

func callBool(e BatchElem) (bool, error) {
	b, err := callBytes(e)
	if err != nil {
		return false, err
	}
	return DecodeBool(b)
}

// getLogs reads the transfer logs of the contract in [from, to].
func (in *Ingester) getLogs(ctx context.Context, from, to uint64) ([]Log, error) {
	filter := map[string]any{
		"address":   in.cfg.Contract,
		"fromBlock": quantity(from),
		"toBlock":   quantity(to),
		"topics":    [][]string{{TopicTransfer, TopicTransferSingle, TopicTransferBatch}},
	}
	var logs []Log
	if err := in.c.Call(ctx, &logs, "eth_getLogs", filter); err != nil {
		return nil, err
	}
	return logs, nil
}

// token is what a page says about one token.
type token struct {
	id    *big.Int
	mint  *Transfer // the first transfer from the zero address, if any
	last  Transfer
	order int
}

// page turns a page of logs into records and runs them through the
// pipeline.
func (in *Ingester) page(ctx context.Context, logs []Log) error {
	var ts []Transfer
	for i := range logs {
		l := &logs[i]
		if l.Removed || !strings.EqualFold(l.Address, in.cfg.Contract) {
			continue
		}
		got, err := DecodeLog(l)
		if errors.Is(err, ErrNotNFTEvent) {
			continue
		}
		if err != nil {
			in.log.Warn("log not decoded", "tx", l.TxHash, "index", l.LogIndex, "err", err)
			continue
		}
		in.pos.Logs++
		ts = append(ts, got...)
	}
	if len(ts) == 0 {
		return nil
	}
	slices.SortStableFunc(ts, func(a, b Transfer) int {
		if a.Block != b.Block {
			return cmpU(a.Block, b.Block)
		}
		return cmpU(a.LogIndex, b.LogIndex)
	})
	tokens := map[string]*token{}
	var order []*token
	for i := range ts {
		t := ts[i]
		key := t.TokenID.String()
		tk := tokens[key]
		if tk == nil {
			tk = &token{id: t.TokenID, order: len(order)}
			tokens[key] = tk
			order = append(order, tk)
		}
		if tk.mint == nil && t.From == ZeroAddress {
			tk.mint = &ts[i]
		}
		tk.last = t
	}
	in.times = map[uint64]time.Time{}
	// Chunks bound the calls and memory of a page with many tokens.
	const chunk = 500
	for len(order) > 0 {
		n := min(chunk, len(order))
		if err := in.records(ctx, order[:n]); err != nil {
			return err
		}
		order = order[n:]
	}
	return nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// records reads the tokens' URIs, owners and mint times and stores their
// records.
func (in *Ingester) records(ctx context.Context, tokens []*token) error {
	spec := in.pos.Spec
	calls := make([]BatchElem, 0, 2*len(tokens))
	for _, tk := range tokens {
		id := encodeUint256(tk.id)
		if spec == SpecERC721 {
			calls = append(calls, in.call(callData(selTokenURI, id)), in.call(callData(selOwnerOf, id)))
			continue
		}
		calls = append(calls, in.call(callData(selURI, id)))
		holder := tk.last.To
		if holder == ZeroAddress {
			holder = tk.last.From // a burn: does the sender still hold some?
		}
		w, _ := encodeAddress(holder)
		calls = append(calls, in.call(callData(selBalanceOf1155, w, id)))
	}
	if err := in.c.BatchCall(ctx, calls); err != nil {
		return err
	}
	if err := in.blockTimes(ctx, tokens); err != nil {
		return err
	}
	recs := make([]*sleuth.NFTRecord, len(tokens))
	for i, tk := range tokens {
		rec := &sleuth.NFTRecord{
			Chain:    in.pos.Chain,
			Contract: in.cfg.Contract,
			TokenID:  tk.id.String(),
			NFTSpec:  spec,
		}
		if tk.mint != nil {
			rec.Creator = tk.mint.To
			rec.CreatedAt = in.times[tk.mint.Block]
		}
		uri, err := callString(calls[2*i])
		if err != nil {
			in.log.Warn("token uri not read", "token", rec.TokenID, "err", err)
		}
		if spec == SpecERC1155 {
			uri = ERC1155URI(uri, tk.id)
		}
		rec.TokenURI = strings.TrimSpace(uri)
		ob, err := callBytes(calls[2*i+1])
		switch {
		case spec == SpecERC721 && err == nil && len(ob) >= 32:
			if a, err := DecodeAddress(ob[:32]); err == nil {
				rec.CurrentOwner = a
			}
		case spec == SpecERC721 && tk.last.To == ZeroAddress:
			rec.CurrentOwner = ZeroAddress // burned: ownerOf reverts
		case spec == SpecERC721:
			rec.CurrentOwner = tk.last.To
		case err == nil && len(ob) >= 32:
			bal, _ := DecodeUint256(ob[:32])
			holder := tk.last.To
			if holder == ZeroAddress {
				holder = tk.last.From
			}
			if bal.Sign() > 0 {
				rec.CurrentOwner = holder
			} else if tk.last.To == ZeroAddress {
				rec.CurrentOwner = ZeroAddress
			}
		}
		recs[i] = rec
	}
	if _, err := in.pipe.Batch(ctx, recs); err != nil {
		return err
	}
	in.pos.Tokens += int64(len(recs))
	return nil
}

// blockTimes reads the timestamps of the tokens' mint blocks not yet
// known, in one batch.
func (in *Ingester) blockTimes(ctx context.Context, tokens []*token) error {
	var blocks []uint64
	for _, tk := range tokens {
		if tk.mint == nil {
			continue
		}
		if _, ok := in.times[tk.mint.Block]; !ok && !slices.Contains(blocks, tk.mint.Block) {
			blocks = append(blocks, tk.mint.Block)
		}
	}
	if len(blocks) == 0 {
		return nil
	}
	type header struct {
		Timestamp string `json:"timestamp"`
	}
	calls := make([]BatchElem, len(blocks))
	for i, b := range blocks {
		calls[i] = BatchElem{Method: "eth_getBlockByNumber", Params: []any{quantity(b), false}, Result: new(*header)}
	}
	if err := in.c.BatchCall(ctx, calls); err != nil {
		return err
	}
	for i, e := range calls {
		if e.Error != nil {
			return e.Error
		}
		h := *e.Result.(**header)
		if h == nil {
			return sleuth.Errorf(CodeRPC, "evm: block %d not found", blocks[i])
		}
		sec, err := ParseQuantity(h.Timestamp)
		if err != nil {
			return sleuth.Errorf(CodeRPC, "evm: block %d timestamp: %w", blocks[i], err)
		}
		in.times[blocks[i]] = time.Unix(int64(sec), 0).UTC()
	}
	return nil
}

// hexUint decodes a JSON-RPC quantity.
type hexUint uint64

func (h *hexUint) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errABI("quantity %s: not a string", shortStr(string(b)))
	}
	v, err := ParseQuantity(s)
	if err != nil {
		return err
	}
	*h = hexUint(v)
	return nil
}
