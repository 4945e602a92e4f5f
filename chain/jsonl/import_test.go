package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
	"github.com/sleuthhq/sleuth/ipfslocal"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// testPNG draws a distinct 96x96 image for seed.
func testPNG(t testing.TB, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	m := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := 0; y < 96; y += 8 {
		for x := 0; x < 96; x += 8 {
			c := color.RGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255}
			for dy := range 8 {
				for dx := range 8 {
					m.Set(x+dx, y+dy, c)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// world is a real store, engine and pipeline, with a local IPFS gateway.
type world struct {
	st   *sqlite.DB
	eng  *engine.Engine
	node *ipfslocal.Node
	f    *fetch.Fetcher
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	node, err := ipfslocal.New(ipfslocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	srv := httptest.NewServer(node.Handler())
	t.Cleanup(srv.Close)
	f := fetch.New(fetch.Config{IPFSGateways: []string{srv.URL}, AllowPrivate: true})
	t.Cleanup(f.CloseIdleConnections)
	return &world{st: st, eng: eng, node: node, f: f}
}

// options returns the options of an import of file, the way `sleuth ingest
// jsonl` makes them.
func (w *world) options(t *testing.T, file string, lines *[]LineResult) Options {
	t.Helper()
	local, err := NewLocal(file, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	return Options{
		Pipeline: ingest.New(w.eng, w.st, ingest.Options{Fetcher: w.f, Workers: 2, Open: local.Open}),
		Store:    w.st, Local: local, Workers: 2,
		OnLine: func(r LineResult) {
			if lines != nil {
				*lines = append(*lines, r)
			}
		},
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	img1, img2, img3, img4 := testPNG(t, 1), testPNG(t, 2), testPNG(t, 3), testPNG(t, 4)
	// An image published on IPFS and a metadata directory pointing at it.
	img1CID, err := w.node.AddBytes(ctx, img1)
	if err != nil {
		t.Fatal(err)
	}
	metaRoot, err := w.node.AddDir(ctx, map[string][]byte{
		"1.json": fmt.Appendf(nil, `{"name":"One","description":"first","image":"ipfs://%s"}`, img1CID),
		"5.json": fmt.Appendf(nil, `{"name":"Five","image":"ipfs://%s"}`, img1CID),
		"6.json": []byte(`{"name":"Six","image":"file:///etc/hostname"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", "3.png"), img3, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", "4.png"), img4, 0o644); err != nil {
		t.Fatal(err)
	}
	const c = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
	const lc = "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"
	dataURI := "data:image/png;base64," + base64.StdEncoding.EncodeToString(img2)
	lines := []string{
		/* 1 */ fmt.Sprintf(`{"chain_id":1,"contract_address":%q,"token_id":"1","token_uri":"ipfs://%s/1.json","owner":"0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","created_at":"2021-05-01T00:00:00Z"}`, c, metaRoot),
		/* 2 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q,"tokenId":2,"image_url":%q,"metadata":{"name":"Two"}}`, c, dataURI),
		/* 3 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q,"token_id":"3","image":"media/3.png","metadata":{"name":"Three"},"creator":"0x1111111111111111111111111111111111111111"}`, c),
		/* 4 */ `{"chain":"eip155:1","contract":` + "\"" + c + "\"" + `,"token_id":`, /* broken */
		/* 5 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q}`, c),
		/* 6 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q,"token_id":"6","image":"../outside.png"}`, c),
		/* 7 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q,"token_id":"7","image_path":"media/missing.png","metadata":{}}`, c),
		/* 8 */ ``,
		/* 9 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q,"token_id":"9","image_path":"media/4.png","token_uri":"ipfs://%s/5.json"}`, c, metaRoot),
		/* 10 */ fmt.Sprintf(`{"chain":"eip155:1","contract":%q,"token_id":"10","token_uri":"ipfs://%s/6.json"}`, c, metaRoot),
	}
	file := filepath.Join(dir, "export.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	var got []LineResult
	sum, err := Import(ctx, file, w.options(t, file, &got))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != 9 || sum.Stored != 6 || sum.Failed != 3 || sum.Unchanged != 0 || sum.Assets != 4 || sum.MediaFailed != 2 {
		t.Errorf("summary %+v", sum)
	}
	wantErrs := map[int]string{4: CodeSyntax, 5: CodeMissing, 6: CodeMedia}
	for _, r := range got {
		want := wantErrs[r.Line]
		if code := codeOf(r.Err); code != want {
			t.Errorf("line %d: error %v (code %q), want code %q", r.Line, r.Err, code, want)
		}
	}
	if len(got) != 9 || got[7].Line != 9 {
		t.Fatalf("OnLine got %d lines: %+v", len(got), got)
	}
	if r := got[6]; r.Line != 7 || r.MediaFailed != 1 || codeOf(r.MediaErrs[0]) != CodeMedia {
		t.Errorf("line 7 (missing local file): %+v", r)
	}
	// A file: URL that comes from fetched metadata, not from the file, is refused.
	if r := got[8]; r.Line != 10 || r.MediaFailed != 1 || codeOf(r.MediaErrs[0]) != CodeMedia || !strings.Contains(r.MediaErrs[0].Error(), "not named by the imported file") {
		t.Errorf("line 10 (file: URL in remote metadata): %+v", r)
	}

	check := func(token string, wantCids ...string) *sleuth.NFTRecord {
		t.Helper()
		r, err := w.st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1", Contract: lc, TokenID: token})
		if err != nil {
			t.Fatalf("token %s: %v", token, err)
		}
		if !slices.Equal(r.AssetCids, wantCids) {
			t.Errorf("token %s: asset_cids %v, want %v", token, r.AssetCids, wantCids)
		}
		return r
	}
	r1 := check("1", cid.Bytes(img1))
	if r1.ImageURL != "ipfs://"+img1CID || !strings.Contains(string(r1.Metadata), `"name":"One"`) ||
		r1.CurrentOwner != "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || r1.CreatedAt.Year() != 2021 {
		t.Errorf("token 1: %+v", r1)
	}
	check("2", cid.Bytes(img2))
	fileURL := func(rel string) string { return "file://" + filepath.ToSlash(filepath.Join(dir, rel)) }
	r3 := check("3", cid.Bytes(img3))
	if r3.ImageURL != fileURL("media/3.png") || r3.Creator != "0x1111111111111111111111111111111111111111" {
		t.Errorf("token 3: %+v", r3)
	}
	a3, err := w.st.Asset(ctx, cid.Bytes(img3))
	if err != nil {
		t.Fatal(err)
	}
	if a3.Source != fileURL("media/3.png") || a3.Tree.Headline != "Three" {
		t.Errorf("asset of token 3: source %q, headline %q", a3.Source, a3.Tree.Headline)
	}
	check("7")
	// Local image and fetched metadata: the local file is the image (the
	// metadata's image is not fetched).
	r9 := check("9", cid.Bytes(img4))
	if !strings.Contains(string(r9.Metadata), `"Five"`) || r9.ImageURL != fileURL("media/4.png") {
		t.Errorf("token 9: %+v", r9)
	}
	check("10")

	// Re-run: resumes at the end, reads nothing.
	sum, err = Import(ctx, file, w.options(t, file, nil))
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedAt != 10 || sum.Lines != 0 {
		t.Errorf("re-run: %+v", sum)
	}
	// Restart: everything already there, nothing added; the two records
	// with a failed medium are tried again (and stored again).
	n0, _ := w.st.CountAssets(ctx)
	opts := w.options(t, file, nil)
	opts.Restart = true
	sum, err = Import(ctx, file, opts)
	if err != nil {
		t.Fatal(err)
	}
	n1, _ := w.st.CountAssets(ctx)
	if sum.ResumedAt != 0 || sum.Lines != 9 || sum.Stored != 2 || sum.Unchanged != 4 || sum.Assets != 0 || n1 != n0 {
		t.Errorf("restart: %+v; assets %d -> %d", sum, n0, n1)
	}

	// Appended lines are read alone, numbered on.
	fh, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(fh, `{"chain":"eip155:1","contract":%q,"token_id":"11","metadata":{"name":"Eleven"}}`+"\r\n", c)
	fmt.Fprintf(fh, `{"chain":"eip155:1","contract":%q,"token_id":"12"`, c) // no newline, broken
	fh.Close()
	got = nil
	sum, err = Import(ctx, file, w.options(t, file, &got))
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedAt != 10 || sum.Lines != 2 || sum.Stored != 1 || sum.Failed != 1 || len(got) != 2 || got[0].Line != 11 || got[1].Line != 12 {
		t.Errorf("append: %+v, lines %+v", sum, got)
	}
	check("11")

	// A file whose first bytes changed starts over.
	b, _ := os.ReadFile(file)
	b[0] = ' '
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err = Import(ctx, file, w.options(t, file, nil))
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedAt != 0 || sum.Lines != 11 || sum.Stored != 2 || sum.Unchanged != 4 || sum.Failed != 5 {
		t.Errorf("changed file: %+v", sum)
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return sleuth.ErrorCode(err)
}

func TestImportLongLineAndMissingFile(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "long.jsonl")
	long := `{"chain":"eip155:1","contract":"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d","token_id":"1","x":"` + strings.Repeat("a", MaxLineBytes) + `"}`
	ok := `{"chain":"eip155:1","contract":"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d","token_id":"2","metadata":{}}`
	if err := os.WriteFile(file, []byte(long+"\n"+ok+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []LineResult
	sum, err := Import(ctx, file, w.options(t, file, &got))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != 2 || sum.Failed != 1 || sum.Errors[CodeTooLong] != 1 || sum.Stored != 1 || got[1].Offset != int64(len(long)+1) {
		t.Errorf("summary %+v, lines %+v", sum, got)
	}
	if _, err := Import(ctx, filepath.Join(dir, "nope.jsonl"), w.options(t, file, nil)); codeOf(err) != CodeFile {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Import(ctx, dir, w.options(t, file, nil)); codeOf(err) != CodeFile {
		t.Errorf("a directory: %v", err)
	}
}

func TestReadLine(t *testing.T) {
	in := "a\r\nbb\n\n" + strings.Repeat("x", 20) + "\nlast"
	br := bufioReader(in)
	var lines []string
	var total int64
	for {
		b, n, tooLong, err := readLine(br, 10)
		total += n
		if n == 0 {
			break
		}
		if tooLong {
			lines = append(lines, "<long>")
		} else {
			lines = append(lines, string(b))
		}
		if err != nil {
			break
		}
	}
	want := []string{"a", "bb", "", "<long>", "last"}
	if !slices.Equal(lines, want) || total != int64(len(in)) {
		t.Errorf("lines %q (%d bytes), want %q (%d)", lines, total, want, len(in))
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 16) }

// TestLocalOpen: Local reads only files named by lines, only inside the
// file's directory, and leaves other schemes to the Fetcher.
func TestLocalOpen(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.png")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ok.png"), []byte("ok"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "link.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.png"), make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(filepath.Join(dir, "x.jsonl"), 50)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if b, ok, err := l.Open(ctx, l.url("ok.png")); !ok || err != nil || string(b) != "ok" {
		t.Errorf("ok.png: %q %v %v", b, ok, err)
	}
	if _, ok, err := l.Open(ctx, l.url("link.png")); !ok || codeOf(err) != CodeMedia {
		t.Errorf("symlink out of the directory: %v %v", ok, err)
	}
	if _, ok, err := l.Open(ctx, l.url("big.png")); !ok || codeOf(err) != sleuth.CodeFileTooLarge {
		t.Errorf("over the limit: %v %v", ok, err)
	}
	if _, ok, err := l.Open(ctx, "file://"+filepath.ToSlash(filepath.Join(dir, "ok.png"))+"x"); !ok || codeOf(err) != CodeMedia {
		t.Errorf("a file: URL no line named: %v %v", ok, err)
	}
	if _, ok, err := l.Open(ctx, "file://"+filepath.ToSlash(secret)); !ok || codeOf(err) != CodeMedia {
		t.Errorf("an outside file: URL: %v %v", ok, err)
	}
	if b, ok, err := l.Open(ctx, "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"); ok || err != nil || b != nil {
		t.Errorf("ipfs:// taken by Local: %v %v", ok, err)
	}
}

// FuzzReadLine: the bytes consumed add up to the input, and each line is
// the input's line without its "\n" or "\r\n" (or marked too long).
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("a\r\nbb\n\nccc"), 2)
	f.Add([]byte(strings.Repeat("x", 40)+"\n"), 8)
	f.Add([]byte("\r\n\r"), 1)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max < 0 || max > 64 {
			return
		}
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		var total int64
		want := bytes.SplitAfter(in, []byte("\n"))
		for i := 0; ; i++ {
			line, n, tooLong, err := readLine(br, max)
			if n == 0 {
				if err != io.EOF {
					t.Fatalf("no bytes and %v", err)
				}
				break
			}
			if i >= len(want) || int64(len(want[i])) != n {
				t.Fatalf("line %d: consumed %d bytes, want %q", i, n, want[i])
			}
			exp := bytes.TrimSuffix(bytes.TrimSuffix(want[i], []byte("\n")), []byte("\r"))
			if !bytes.HasSuffix(want[i], []byte("\n")) {
				exp = want[i] // no newline: a final "\r" stays
			}
			if tooLong != (len(exp) > max) || !tooLong && !bytes.Equal(line, exp) {
				t.Fatalf("line %d: %q (too long %v), want %q, max %d", i, line, tooLong, exp, max)
			}
			total += n
			if err == io.EOF {
				break
			}
		}
		if total != int64(len(in)) {
			t.Fatalf("consumed %d of %d bytes", total, len(in))
		}
	})
}
