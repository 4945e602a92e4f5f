// Package devnet runs, on one machine and on loopback, everything Sleuth's
// chain ingestion talks to: a local EVM chain served over HTTP JSON-RPC
// (package chain/chaintest: go-ethereum's simulated backend) and an IPFS
// gateway (package ipfslocal: boxo's gateway over a blockstore filled by the
// UnixFS importer). Start deploys an ERC-721 and an ERC-1155 compiled from
// Solidity (testdata/contracts), puts a sample collection's images and
// metadata on the gateway and mints it, and reports what it minted (Tokens)
// so that tests can check every ingested field. `sleuth devnet` is this
// package behind a command.
//
// # The sample collection
//
// ERC-721 "Sleuth Devnet" (SLDN), Count tokens 1..Count: token i has
// metadata ipfs://<dir>/<i>.json pointing to image ipfs://<dir>/img/<file>
// (the images cycle when there are fewer than Count); every tenth token
// (10, 20, ...) also has an animation_url, a two-frame GIF. Tokens are
// minted to the funded accounts in turn, in blocks of at most 25 mints
// (the pool may spill a few into the next block); then token 1
// is transferred to another account (so its owner is not its creator).
// Two more ERC-721 tokens carry their metadata on chain: Count+1 as a
// data:application/json;base64 URI whose image is on IPFS, Count+2 as a
// data: URI whose image is an SVG document in "image_data".
//
// ERC-1155 "Sleuth Devnet Editions" (SLDE), Editions tokens with the URI
// template ipfs://<dir>/{id}.json (files named by the 64 hex digit id):
// token 1 minted alone (TransferSingle), the others in one TransferBatch.
package devnet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/sleuthhq/sleuth/chain/chaintest"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/ipfslocal"
)

// Options configure a devnet. The zero value is usable.
type Options struct {
	// RPCAddr and GatewayAddr are the listen addresses. "": 127.0.0.1:0.
	RPCAddr, GatewayAddr string
	// Images are the artworks of the collection. nil: Count generated
	// JPEGs of ImageKB kilobytes.
	Images []Image
	// Count is the number of IPFS-backed ERC-721 tokens. 0: len(Images),
	// or 50 when Images is nil.
	Count int
	// ImageKB is the size of generated images. 0: 50.
	ImageKB int
	// Editions is the number of ERC-1155 tokens. 0: 4; negative: none.
	Editions int
	// MaxLogRange is passed to chaintest: eth_getLogs over more blocks
	// is refused. 0: no limit.
	MaxLogRange uint64
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Token is one token the devnet minted, as an indexer should see it.
type Token struct {
	Contract string // lower-case 0x address
	Spec     string // "erc721" or "erc1155"
	TokenID  string // decimal
	TokenURI string // as the contract returns it ({id} substituted)
	Creator  string // the recipient of the mint, lower-case 0x address
	Owner    string // the holder now
	// MintBlock is the block of the mint.
	MintBlock uint64
	// Metadata is the metadata document.
	Metadata json.RawMessage
	// Image is the image's bytes and ImageURL its URL in the metadata
	// (for image_data, the data: URI the ingest pipeline makes of it).
	Image    []byte
	ImageURL string
	// Animation and AnimationURL, when the token has one.
	Animation    []byte
	AnimationURL string
}

// ImageNid returns the Nid of the token's image.
func (t *Token) ImageNid() string { return cid.Bytes(t.Image) }

// Devnet is a running devnet.
type Devnet struct {
	RPCURL     string
	GatewayURL string
	ChainID    uint64
	ERC721     *chaintest.Contract
	ERC1155    *chaintest.Contract // nil when Editions < 0
	Chain      *chaintest.Chain
	IPFS       *ipfslocal.Node
	// Tokens lists every token minted, ERC-721 first, in id order.
	Tokens []Token
	cancel context.CancelFunc
}

// mintsPerBlock is how many mints go in one block.
const mintsPerBlock = 25

// Start starts the chain and the gateway, deploys the contracts and mints
// the collection. Close stops everything.
func Start(ctx context.Context, opt Options) (d *Devnet, err error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.Images == nil {
		n := opt.Count
		if n <= 0 {
			n = 50
		}
		opt.Images = GenerateImages(n, opt.ImageKB, 1)
	}
	if len(opt.Images) == 0 {
		return nil, errors.New("devnet: no images")
	}
	if opt.Count <= 0 {
		opt.Count = len(opt.Images)
	}
	if opt.Editions == 0 {
		opt.Editions = 4
	}
	sctx, cancel := context.WithCancel(context.Background())
	dn := &Devnet{cancel: cancel, ChainID: chaintest.ChainID}
	defer func() {
		if err != nil {
			dn.Close()
		}
	}()
	d = dn
	if d.IPFS, err = ipfslocal.New(ipfslocal.Options{}); err != nil {
		return nil, err
	}
	if d.GatewayURL, err = d.IPFS.Serve(sctx, opt.GatewayAddr); err != nil {
		return nil, err
	}
	if d.Chain, err = chaintest.New(chaintest.Options{Addr: opt.RPCAddr, MaxLogRange: opt.MaxLogRange}); err != nil {
		return nil, err
	}
	d.RPCURL = d.Chain.URL
	log.Info("chain and gateway up", "rpc", d.RPCURL, "gateway", d.GatewayURL)
	if err := d.mint721(ctx, opt, log); err != nil {
		return nil, err
	}
	if opt.Editions > 0 {
		if err := d.mint1155(ctx, opt); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Close stops the chain and the gateway.
func (d *Devnet) Close() error {
	d.cancel()
	var errs []error
	if d.Chain != nil {
		errs = append(errs, d.Chain.Close())
	}
	if d.IPFS != nil {
		errs = append(errs, d.IPFS.Close())
	}
	return errors.Join(errs...)
}

func addr(a common.Address) string { return strings.ToLower(a.Hex()) }

type metadata struct {
	Name         string      `json:"name"`
	Description  string      `json:"description"`
	Image        string      `json:"image,omitempty"`
	ImageData    string      `json:"image_data,omitempty"`
	AnimationURL string      `json:"animation_url,omitempty"`
	Attributes   []attribute `json:"attributes"`
}

type attribute struct {
	TraitType string `json:"trait_type"`
	Value     any    `json:"value"`
}

func (d *Devnet) mint721(ctx context.Context, opt Options, log *slog.Logger) error {
	k, err := d.Chain.DeployERC721(ctx, "Sleuth Devnet", "SLDN")
	if err != nil {
		return err
	}
	d.ERC721 = k
	contract := addr(k.Address)
	// Images (and animations) first, in one directory.
	files := map[string][]byte{}
	imgName := func(i int) string { return "img/" + opt.Images[(i-1)%len(opt.Images)].Name }
	imgData := func(i int) []byte { return opt.Images[(i-1)%len(opt.Images)].Data }
	anims := map[int][]byte{}
	for i := 1; i <= opt.Count; i++ {
		files[imgName(i)] = imgData(i)
		if i%10 == 0 {
			a, err := animate(imgData(i))
			if err != nil {
				return fmt.Errorf("devnet: animation of %s: %w", imgName(i), err)
			}
			anims[i] = a
			files[fmt.Sprintf("anim/%d.gif", i)] = a
		}
	}
	mediaRoot, err := d.IPFS.AddDir(ctx, files)
	if err != nil {
		return err
	}
	meta := map[string][]byte{}
	holders := d.Chain.Accounts
	for i := 1; i <= opt.Count; i++ {
		m := metadata{
			Name:        fmt.Sprintf("Sleuth Devnet #%d", i),
			Description: "A token of Sleuth's local devnet.",
			Image:       "ipfs://" + mediaRoot + "/" + imgName(i),
			Attributes:  []attribute{{"edition", i}, {"source", opt.Images[(i-1)%len(opt.Images)].Name}},
		}
		t := Token{
			Contract: contract, Spec: "erc721", TokenID: fmt.Sprint(i),
			Creator: addr(holders[(i-1)%len(holders)].Address), Image: imgData(i), ImageURL: m.Image,
		}
		if a, ok := anims[i]; ok {
			m.AnimationURL = fmt.Sprintf("ipfs://%s/anim/%d.gif", mediaRoot, i)
			t.Animation, t.AnimationURL = a, m.AnimationURL
		}
		b, _ := json.Marshal(m)
		meta[fmt.Sprintf("%d.json", i)] = b
		t.Metadata = b
		t.Owner = t.Creator
		d.Tokens = append(d.Tokens, t)
	}
	metaRoot, err := d.IPFS.AddDir(ctx, meta)
	if err != nil {
		return err
	}
	for i := range d.Tokens {
		d.Tokens[i].TokenURI = fmt.Sprintf("ipfs://%s/%d.json", metaRoot, i+1)
	}

	// Two tokens with their metadata on chain.
	first := d.Tokens[0]
	onchain := metadata{Name: "Sleuth Devnet on-chain JSON", Description: "Metadata in a base64 data: URI.", Image: first.ImageURL,
		Attributes: []attribute{{"storage", "data-uri"}}}
	b, _ := json.Marshal(onchain)
	d.Tokens = append(d.Tokens, Token{
		Contract: contract, Spec: "erc721", TokenID: fmt.Sprint(opt.Count + 1),
		TokenURI: "data:application/json;base64," + base64.StdEncoding.EncodeToString(b),
		Creator:  addr(holders[0].Address), Metadata: b, Image: first.Image, ImageURL: first.ImageURL,
	})
	svg := svgArt(opt.Count + 2)
	svgMeta := metadata{Name: "Sleuth Devnet on-chain SVG", Description: "An SVG image in image_data.", ImageData: svg,
		Attributes: []attribute{{"storage", "image_data"}}}
	b, _ = json.Marshal(svgMeta)
	d.Tokens = append(d.Tokens, Token{
		Contract: contract, Spec: "erc721", TokenID: fmt.Sprint(opt.Count + 2),
		TokenURI: "data:application/json;base64," + base64.StdEncoding.EncodeToString(b),
		Creator:  addr(holders[1%len(holders)].Address), Metadata: b, Image: []byte(svg),
		ImageURL: "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg)),
	})
	for i := len(d.Tokens) - 2; i < len(d.Tokens); i++ {
		d.Tokens[i].Owner = d.Tokens[i].Creator
	}

	hashes := make([]common.Hash, len(d.Tokens))
	for i := range d.Tokens {
		t := &d.Tokens[i]
		id, _ := new(big.Int).SetString(t.TokenID, 10)
		if hashes[i], err = k.Transact(ctx, nil, "mint", common.HexToAddress(t.Creator), id, t.TokenURI); err != nil {
			return err
		}
		if (i+1)%mintsPerBlock == 0 || i == len(d.Tokens)-1 {
			if err := d.Chain.Commit(ctx); err != nil {
				return err
			}
			log.Info("minted", "tokens", i+1)
		}
	}
	for i, h := range hashes {
		if d.Tokens[i].MintBlock, err = d.Chain.BlockOf(ctx, h); err != nil {
			return err
		}
	}
	// Token 1 changes hands.
	from := holders[0]
	to := holders[len(holders)-1]
	if err := k.Transfer721(ctx, from, to.Address, 1); err != nil {
		return err
	}
	if err := d.Chain.Commit(ctx); err != nil {
		return err
	}
	d.Tokens[0].Owner = addr(to.Address)
	return nil
}

// svgArt returns a small SVG artwork, different for each n.
func svgArt(n int) string {
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">`+
		`<rect width="256" height="256" fill="#%06x"/><circle cx="%d" cy="128" r="80" fill="#%06x"/>`+
		`<path d="M20 236 L128 %d L236 236 Z" fill="#%06x"/></svg>`,
		(n*0x3a5f17)&0xffffff, 64+n%128, (n*0x71c3e9)&0xffffff, 20+n%100, (n*0x1d2b8f)&0xffffff)
}

func (d *Devnet) mint1155(ctx context.Context, opt Options) error {
	// Images: the ERC-721 images reused in reverse order, plus metadata.
	n := opt.Editions
	files := map[string][]byte{}
	type ed struct {
		id   int64
		img  []byte
		name string
	}
	eds := make([]ed, n)
	for i := range n {
		im := opt.Images[(len(opt.Images)-1-i%len(opt.Images)+len(opt.Images))%len(opt.Images)]
		eds[i] = ed{id: int64(i + 1), img: im.Data, name: "img/" + im.Name}
		files[eds[i].name] = im.Data
	}
	mediaRoot, err := d.IPFS.AddDir(ctx, files)
	if err != nil {
		return err
	}
	meta := map[string][]byte{}
	metas := make([][]byte, n)
	for i, e := range eds {
		m := metadata{
			Name: fmt.Sprintf("Sleuth Devnet Edition %d", e.id), Description: "An ERC-1155 edition of Sleuth's devnet.",
			Image: "ipfs://" + mediaRoot + "/" + e.name, Attributes: []attribute{{"edition", e.id}},
		}
		b, _ := json.Marshal(m)
		metas[i] = b
		meta[fmt.Sprintf("%064x.json", e.id)] = b
	}
	metaRoot, err := d.IPFS.AddDir(ctx, meta)
	if err != nil {
		return err
	}
	template := "ipfs://" + metaRoot + "/{id}.json"
	k, err := d.Chain.DeployERC1155(ctx, "Sleuth Devnet Editions", "SLDE", template)
	if err != nil {
		return err
	}
	d.ERC1155 = k
	holders := d.Chain.Accounts
	first, rest := holders[0], holders[1%len(holders)]
	h1, err := k.Transact(ctx, nil, "mint", first.Address, big.NewInt(1), big.NewInt(10))
	if err != nil {
		return err
	}
	hb := h1
	if n > 1 {
		var ids, values []*big.Int
		for _, e := range eds[1:] {
			ids = append(ids, big.NewInt(e.id))
			values = append(values, big.NewInt(5))
		}
		if hb, err = k.Transact(ctx, nil, "mintBatch", rest.Address, ids, values); err != nil {
			return err
		}
	}
	if err := d.Chain.Commit(ctx); err != nil {
		return err
	}
	b1, err := d.Chain.BlockOf(ctx, h1)
	if err != nil {
		return err
	}
	bb, err := d.Chain.BlockOf(ctx, hb)
	if err != nil {
		return err
	}
	for i, e := range eds {
		holder, block := rest, bb
		if i == 0 {
			holder, block = first, b1
		}
		d.Tokens = append(d.Tokens, Token{
			Contract: addr(k.Address), Spec: "erc1155", TokenID: fmt.Sprint(e.id),
			TokenURI: strings.ReplaceAll(template, "{id}", fmt.Sprintf("%064x", e.id)),
			Creator:  addr(holder.Address), Owner: addr(holder.Address), MintBlock: block,
			Metadata: metas[i], Image: e.img, ImageURL: "ipfs://" + mediaRoot + "/" + e.name,
		})
	}
	return nil
}

// IngestCommands returns the `sleuth ingest evm` command lines that index
// the devnet's contracts into dataDir ("" leaves --data out).
func (d *Devnet) IngestCommands(dataDir string) []string {
	var out []string
	for _, k := range []*chaintest.Contract{d.ERC721, d.ERC1155} {
		if k == nil {
			continue
		}
		cmd := fmt.Sprintf("sleuth ingest evm --rpc %s --contract %s --chain-id %d --ipfs-gateway %s --allow-private",
			d.RPCURL, addr(k.Address), d.ChainID, d.GatewayURL)
		if dataDir != "" {
			cmd += " --data " + dataDir
		}
		out = append(out, cmd)
	}
	return out
}
