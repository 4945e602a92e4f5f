package ipfslocal

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"testing/fstest"

	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/fetch"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func newNode(t *testing.T, opts Options) *Node {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func httpGet(t *testing.T, url string) ([]byte, int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, resp.StatusCode
}

// TestAddMatchesNid checks the importer against package cid, which computes
// Kubo's CIDv1 independently: the two must agree byte for byte, at the chunk
// boundaries and past one full internal node (175 chunks > 174 links).
func TestAddMatchesNid(t *testing.T) {
	sizes := []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 10 << 20, 175*ChunkSize + 3}
	if testing.Short() {
		sizes = sizes[:5]
	}
	n := newNode(t, Options{})
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	for i, size := range sizes {
		data := randomBytes(size, uint64(i))
		got, err := n.Add(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if want := cid.Bytes(data); got != want {
			t.Errorf("size %d: Add = %s, cid.Bytes = %s", size, got, want)
		}
		body, code := httpGet(t, srv.URL+"/ipfs/"+got)
		if code != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("size %d: GET /ipfs/%s: status %d, %d bytes, equal %v", size, got, code, len(body), bytes.Equal(body, data))
		}
	}
}

// TestKnownCIDs pins CIDs that Kubo prints, so a change in both importers at
// once would still be caught.
func TestKnownCIDs(t *testing.T) {
	n := newNode(t, Options{})
	for _, tc := range []struct{ data, want string }{
		// `printf '' | ipfs add --cid-version=1 -Q`
		{"", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},
		// `printf 'hello world' | ipfs add --cid-version=1 -Q`
		{"hello world", "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"},
	} {
		got, err := n.AddBytes(context.Background(), []byte(tc.data))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Add(%q) = %s, want %s", tc.data, got, tc.want)
		}
	}
	// The empty UnixFS directory (QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn
	// in CIDv0), as `ipfs add -r --cid-version=1` names it.
	got, err := n.AddDir(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"; got != want {
		t.Errorf("empty directory = %s, want %s", got, want)
	}
}

func TestAddDirServesPaths(t *testing.T) {
	n := newNode(t, Options{})
	files := map[string][]byte{
		"1.json":     []byte(`{"name":"one","image":"ipfs://x/1.png"}`),
		"2.json":     []byte(`{"name":"two"}`),
		"img/1.png":  randomBytes(300000, 9),
		"img/sub/ok": []byte("ok"),
	}
	root, err := n.AddDir(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cid.Parse(root)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != 1 || info.Codec != 0x70 {
		t.Errorf("root %s: %+v, want CIDv1 dag-pb", root, info)
	}
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	for p, want := range files {
		body, code := httpGet(t, srv.URL+"/ipfs/"+root+"/"+p)
		if code != http.StatusOK || !bytes.Equal(body, want) {
			t.Errorf("GET %s: status %d, %d bytes", p, code, len(body))
		}
	}
	if _, code := httpGet(t, srv.URL+"/ipfs/"+root+"/missing.json"); code != http.StatusNotFound {
		t.Errorf("missing file: status %d, want 404", code)
	}
	// The same tree through fs.FS gives the same root.
	fsys := fstest.MapFS{}
	for p, b := range files {
		fsys[p] = &fstest.MapFile{Data: b}
	}
	root2, err := n.AddFS(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if root2 != root {
		t.Errorf("AddFS = %s, AddDir = %s", root2, root)
	}
}

func TestAddDirBadPaths(t *testing.T) {
	n := newNode(t, Options{})
	for _, files := range []map[string][]byte{
		{"": nil},
		{"a//b": nil},
		{"../x": nil},
		{"a/": nil},
		{"a": nil, "a/b": nil},
	} {
		if root, err := n.AddDir(context.Background(), files); err == nil {
			t.Errorf("AddDir(%q) = %s, want an error", keys(files), root)
		}
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestServeThroughFetcher reads through Sleuth's own fetcher, with the node's
// gateway configured and loopback allowed, over a real listener.
func TestServeThroughFetcher(t *testing.T) {
	n := newNode(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := n.Serve(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(3*ChunkSize+17, 3)
	c, err := n.AddBytes(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	root, err := n.AddDir(ctx, map[string][]byte{"meta/1.json": []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	f := fetch.New(fetch.Config{IPFSGateways: []string{base}, AllowPrivate: true})
	defer f.CloseIdleConnections()
	for _, tc := range []struct {
		url  string
		want []byte
	}{
		{"ipfs://" + c, data},
		{"https://ipfs.io/ipfs/" + c, data}, // a public gateway URL is rewritten to the configured one
		{"ipfs://" + root + "/meta/1.json", []byte(`{"a":1}`)},
	} {
		res, err := f.Fetch(ctx, tc.url)
		if err != nil {
			t.Errorf("Fetch(%s): %v", tc.url, err)
			continue
		}
		if !bytes.Equal(res.Body, tc.want) {
			t.Errorf("Fetch(%s): %d bytes, want %d", tc.url, len(res.Body), len(tc.want))
		}
	}
	// A CID this node does not hold fails with 404: the node is offline.
	missing := cid.Bytes([]byte("not added"))
	if _, err := f.Fetch(ctx, "ipfs://"+missing); err == nil {
		t.Errorf("Fetch of a CID never added succeeded")
	}
	if _, code := httpGet(t, base+"/ipfs/"+missing); code != http.StatusNotFound {
		t.Errorf("GET of a CID never added: %d, want 404", code)
	}
}

func TestDirStorePersists(t *testing.T) {
	dir := t.TempDir()
	data := randomBytes(2*ChunkSize+5, 11)
	n1, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := n1.AddBytes(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := n1.Close(); err != nil {
		t.Fatal(err)
	}
	n2 := newNode(t, Options{Dir: dir})
	if ok, err := n2.Has(context.Background(), c); err != nil || !ok {
		t.Fatalf("Has(%s) after restart = %v, %v", c, ok, err)
	}
	srv := httptest.NewServer(n2.Handler())
	defer srv.Close()
	body, code := httpGet(t, srv.URL+"/ipfs/"+c)
	if code != http.StatusOK || !bytes.Equal(body, data) {
		t.Errorf("after restart: status %d, %d bytes", code, len(body))
	}
}

func TestServeAfterClose(t *testing.T) {
	n, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	if _, err := n.Serve(context.Background(), ""); err == nil {
		t.Error("Serve after Close succeeded")
	}
}

// TestServeStops: the server stops when its context ends, and Close stops
// the others.
func TestServeStops(t *testing.T) {
	n := newNode(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	base, err := n.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.AddBytes(ctx, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if body, code := httpGet(t, base+"/ipfs/"+c); code != http.StatusOK || string(body) != "x" {
		t.Fatalf("before cancel: %d %q", code, body)
	}
	if _, code := httpGet(t, base+"/elsewhere"); code != http.StatusNotFound {
		t.Errorf("a path outside /ipfs/: %d", code)
	}
	cancel()
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/ipfs/" + c)
		if err != nil {
			break // refused: stopped
		}
		resp.Body.Close()
		if i > 10000 {
			t.Fatal("still serving after its context ended")
		}
		runtime.Gosched()
	}
	base2, err := n.Serve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	if resp, err := http.Get(base2 + "/ipfs/" + c); err == nil {
		resp.Body.Close()
		t.Error("still serving after Close")
	}
}
