// Package ipfslocal is a small IPFS node for `sleuth devnet` and for tests:
// a blockstore (in memory, or in a directory), files and directories added
// with boxo's UnixFS importer exactly as Kubo's `ipfs add --cid-version=1`
// adds them, and boxo's HTTP gateway serving /ipfs/<cid>[/path] from that
// blockstore alone.
//
// The node never talks to the IPFS network: its block service has an offline
// exchange, so a CID that was not added here is answered at once with 404
// (an invalid CID with 400), never looked up elsewhere. It is meant for loopback
// use; nothing in it limits or authenticates requests beyond what the boxo
// gateway does by default.
//
// # Import parameters
//
// Add builds the DAG that Kubo builds for `ipfs add --cid-version=1`:
// fixed-size chunks of 262144 bytes, raw leaves (codec 0x55), the balanced
// layout with at most 174 links per node, dag-pb (0x70) internal nodes, and
// CIDv1 with sha2-256. The CID it returns is therefore the file's Nid
// (package cid computes the same string without a blockstore). AddDir adds
// a flat or nested directory as a basic (unsharded) UnixFS directory with
// the same parameters, as `ipfs add -r --cid-version=1` does for directories
// of fewer than about a thousand entries.
package ipfslocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/exchange/offline"
	"github.com/ipfs/boxo/gateway"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	gocid "github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"
)

// Import parameters, those of `ipfs add --cid-version=1`.
const (
	// ChunkSize is the fixed chunker size in bytes (Kubo's size-262144).
	ChunkSize = 262144
	// MaxLinks is the most links of one internal node of a file's DAG.
	MaxLinks = 174
)

// Options configure a Node. The zero value is an in-memory node.
type Options struct {
	// Dir, when set, keeps blocks as files in this directory (created if
	// missing) so that they survive a restart; empty: blocks in memory.
	Dir string
}

// Node is a local IPFS node: a blockstore, an importer and a gateway. Its
// methods are safe for concurrent use.
type Node struct {
	bstore  blockstore.Blockstore
	bserv   blockservice.BlockService
	dag     ipld.DAGService
	handler http.Handler

	mu      sync.Mutex
	servers []*http.Server
	closed  bool
	done    chan struct{} // closed by Close
}

// New returns a node over a fresh blockstore: in memory, or in opts.Dir.
// The error is non-nil only when opts.Dir cannot be created.
func New(opts Options) (*Node, error) {
	var bs blockstore.Blockstore
	if opts.Dir != "" {
		d, err := newDirStore(opts.Dir)
		if err != nil {
			return nil, err
		}
		bs = d
	} else {
		bs = blockstore.NewBlockstore(dssync.MutexWrap(ds.NewMapDatastore()))
	}
	bserv := blockservice.New(bs, offline.Exchange(bs))
	backend, err := gateway.NewBlocksBackend(bserv)
	if err != nil {
		return nil, fmt.Errorf("ipfslocal: gateway backend: %w", err)
	}
	h := gateway.NewHandler(gateway.Config{
		DeserializedResponses: true,
		NoDNSLink:             true,
		DisableHTMLErrors:     true,
		RetrievalTimeout:      10 * time.Second,
	}, backend)
	mux := http.NewServeMux()
	mux.Handle("/ipfs/", h)
	return &Node{
		bstore:  bs,
		bserv:   bserv,
		dag:     merkledag.NewDAGService(bserv),
		handler: mux,
		done:    make(chan struct{}),
	}, nil
}

// cidBuilder is Kubo's builder for --cid-version=1: CIDv1, dag-pb for
// internal nodes (raw leaves take codec raw), sha2-256.
func cidBuilder() gocid.Builder {
	return gocid.V1Builder{Codec: gocid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}
}

// Add imports the bytes of r as one UnixFS file and returns its CID (CIDv1,
// base32): the string Kubo prints for `ipfs add --cid-version=1`. Errors
// come from reading r or from the blockstore.
func (n *Node) Add(ctx context.Context, r io.Reader) (string, error) {
	nd, err := n.addFile(ctx, r)
	if err != nil {
		return "", err
	}
	return nd.Cid().String(), nil
}

// AddBytes is Add of a byte slice.
func (n *Node) AddBytes(ctx context.Context, b []byte) (string, error) {
	return n.Add(ctx, bytes.NewReader(b))
}

func (n *Node) addFile(ctx context.Context, r io.Reader) (ipld.Node, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	params := helpers.DagBuilderParams{
		Dagserv:    n.dag,
		Maxlinks:   MaxLinks,
		RawLeaves:  true,
		CidBuilder: cidBuilder(),
	}
	db, err := params.New(chunker.NewSizeSplitter(&ctxReader{ctx: ctx, r: r}, ChunkSize))
	if err != nil {
		return nil, fmt.Errorf("ipfslocal: add: %w", err)
	}
	nd, err := balanced.Layout(db)
	if err != nil {
		return nil, fmt.Errorf("ipfslocal: add: %w", err)
	}
	return nd, nil
}

// ctxReader stops a long import when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// AddDir imports a directory tree whose files are given by their slash-
// separated paths ("1.json", "img/1.png") and returns the root directory's
// CID, so that ipfs://<root>/1.json resolves. Empty path elements, "." and
// ".." are refused.
func (n *Node) AddDir(ctx context.Context, files map[string][]byte) (string, error) {
	root := newTree()
	for p, b := range files {
		if err := root.insert(p, b); err != nil {
			return "", err
		}
	}
	nd, err := n.addTree(ctx, root)
	if err != nil {
		return "", err
	}
	return nd.Cid().String(), nil
}

// AddFS imports every regular file of fsys (walked from its root) as AddDir
// does, and returns the root directory's CID.
func (n *Node) AddFS(ctx context.Context, fsys fs.FS) (string, error) {
	root := newTree()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.IsDir() {
			_, err := root.dir(p)
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return root.insert(p, b)
	})
	if err != nil {
		return "", fmt.Errorf("ipfslocal: add fs: %w", err)
	}
	nd, err := n.addTree(ctx, root)
	if err != nil {
		return "", err
	}
	return nd.Cid().String(), nil
}

// tree is a directory being assembled before import.
type tree struct {
	files map[string][]byte
	dirs  map[string]*tree
}

func newTree() *tree { return &tree{files: map[string][]byte{}, dirs: map[string]*tree{}} }

// dir returns the subdirectory at p, creating it and its parents.
func (t *tree) dir(p string) (*tree, error) {
	cur := t
	if p == "" || p == "." {
		return cur, nil
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return nil, fmt.Errorf("ipfslocal: bad path %q", p)
		}
		if _, ok := cur.files[el]; ok {
			return nil, fmt.Errorf("ipfslocal: %q is both a file and a directory", p)
		}
		next, ok := cur.dirs[el]
		if !ok {
			next = newTree()
			cur.dirs[el] = next
		}
		cur = next
	}
	return cur, nil
}

func (t *tree) insert(p string, b []byte) error {
	dir, name := path.Split(p)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("ipfslocal: bad file path %q", p)
	}
	d, err := t.dir(strings.TrimSuffix(dir, "/"))
	if err != nil {
		return err
	}
	if _, ok := d.dirs[name]; ok {
		return fmt.Errorf("ipfslocal: %q is both a file and a directory", p)
	}
	d.files[name] = b
	return nil
}

func (n *Node) addTree(ctx context.Context, t *tree) (ipld.Node, error) {
	dir, err := uio.NewBasicDirectory(n.dag, uio.WithCidBuilder(cidBuilder()))
	if err != nil {
		return nil, fmt.Errorf("ipfslocal: directory: %w", err)
	}
	names := make([]string, 0, len(t.files)+len(t.dirs))
	for name := range t.files {
		names = append(names, name)
	}
	for name := range t.dirs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var child ipld.Node
		if b, ok := t.files[name]; ok {
			child, err = n.addFile(ctx, bytes.NewReader(b))
		} else {
			child, err = n.addTree(ctx, t.dirs[name])
		}
		if err != nil {
			return nil, err
		}
		if err := dir.AddChild(ctx, name, child); err != nil {
			return nil, fmt.Errorf("ipfslocal: directory: %w", err)
		}
	}
	nd, err := dir.GetNode()
	if err != nil {
		return nil, fmt.Errorf("ipfslocal: directory: %w", err)
	}
	if err := n.dag.Add(ctx, nd); err != nil {
		return nil, fmt.Errorf("ipfslocal: directory: %w", err)
	}
	return nd, nil
}

// Has reports whether the block named by c (a CID string) is stored here.
func (n *Node) Has(ctx context.Context, c string) (bool, error) {
	k, err := gocid.Decode(c)
	if err != nil {
		return false, fmt.Errorf("ipfslocal: %w", err)
	}
	return n.bstore.Has(ctx, k)
}

// Handler returns the gateway: GET and HEAD of /ipfs/<cid>[/path] (files,
// directory listings, ?format=raw and ?format=car); every other path is 404.
func (n *Node) Handler() http.Handler { return n.handler }

// Serve listens on addr ("127.0.0.1:0" for any free port; "" means that),
// serves the gateway until ctx ends or Close is called, and returns its base
// URL, e.g. "http://127.0.0.1:41234", to be given to fetch.Config's
// IPFSGateways. The error is the listener's.
func (n *Node) Serve(ctx context.Context, addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return "", errors.New("ipfslocal: node closed")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("ipfslocal: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           n.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
	}
	n.servers = append(n.servers, srv)
	go srv.Serve(ln) //nolint:errcheck // ErrServerClosed on Close
	go func() {
		select {
		case <-ctx.Done():
			srv.Close()
		case <-n.done:
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops every server started by Serve and releases the block service.
// The blocks of a Dir node stay on disk.
func (n *Node) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	close(n.done)
	var errs []error
	for _, s := range n.servers {
		errs = append(errs, s.Close())
	}
	errs = append(errs, n.bserv.Close())
	return errors.Join(errs...)
}
