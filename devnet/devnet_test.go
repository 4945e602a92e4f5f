package devnet

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth/cid"
)

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return b
}

func TestStart(t *testing.T) {
	ctx := context.Background()
	d, err := Start(ctx, Options{Count: 30, ImageKB: 4, Editions: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Tokens) != 30+2+3 {
		t.Fatalf("%d tokens, want 35", len(d.Tokens))
	}
	head, _ := d.Chain.Head(ctx)
	nids := map[string]bool{}
	for _, tk := range d.Tokens {
		if tk.MintBlock == 0 || tk.MintBlock > head || tk.Creator == "" || tk.Owner == "" || len(tk.Image) == 0 {
			t.Errorf("token %s/%s incomplete: block %d (head %d), creator %q, owner %q", tk.Spec, tk.TokenID, tk.MintBlock, head, tk.Creator, tk.Owner)
		}
		nids[tk.ImageNid()] = true
		if p, ok := strings.CutPrefix(tk.TokenURI, "ipfs://"); ok {
			if got := get(t, d.GatewayURL+"/ipfs/"+p); !bytes.Equal(got, tk.Metadata) {
				t.Errorf("token %s: the gateway serves %.60q for its token URI, want %.60q", tk.TokenID, got, tk.Metadata)
			}
		}
		if p, ok := strings.CutPrefix(tk.ImageURL, "ipfs://"); ok {
			if got := get(t, d.GatewayURL+"/ipfs/"+p); cid.Bytes(got) != tk.ImageNid() {
				t.Errorf("token %s: the gateway serves other bytes for its image", tk.TokenID)
			}
		}
	}
	// 30 generated images and one SVG; the other tokens reuse images.
	if len(nids) != 31 {
		t.Errorf("%d distinct images, want 31", len(nids))
	}
	if d.Tokens[0].Owner == d.Tokens[0].Creator {
		t.Error("token 1 was not transferred")
	}
	if blocks := d.Tokens[29].MintBlock - d.Tokens[0].MintBlock; blocks == 0 {
		t.Error("30 mints in one block; want at most 25 per block")
	}
	if len(d.IngestCommands("/tmp/x")) != 2 || !strings.Contains(d.IngestCommands("")[0], "--ipfs-gateway "+d.GatewayURL) {
		t.Errorf("commands %q", d.IngestCommands(""))
	}
}

func TestGenerateAndReadImages(t *testing.T) {
	imgs := GenerateImages(3, 50, 7)
	again := GenerateImages(3, 50, 7)
	dir := t.TempDir()
	for i, im := range imgs {
		if len(im.Data) < 45_000 || len(im.Data) > 120_000 {
			t.Errorf("%s: %d bytes, want about 50 KB", im.Name, len(im.Data))
		}
		if !bytes.Equal(im.Data, again[i].Data) {
			t.Errorf("%s differs between two runs with the same seed", im.Name)
		}
		os.WriteFile(filepath.Join(dir, im.Name), im.Data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)
	got, err := ReadImages(dir)
	if err != nil || len(got) != 3 || got[0].Name != "1.jpg" {
		t.Errorf("ReadImages: %d images, %v", len(got), err)
	}
	if _, err := ReadImages(t.TempDir()); err == nil {
		t.Error("ReadImages of an empty directory: no error")
	}
}
