package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

func TestIngestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"ingest"}, exitUsage, "evm"},
		{[]string{"ingest", "-h"}, exitOK, "Sources:"},
		{[]string{"ingest", "nope"}, exitUsage, `unknown source "nope"`},
		{[]string{"ingest", "evm"}, exitUsage, "--rpc and --contract are required"},
		{[]string{"ingest", "evm", "--rpc", "http://127.0.0.1:1", "--contract", "0x12"}, exitUsage, "want 0x and 40 hex digits"},
		{[]string{"ingest", "evm", "-h"}, exitOK, "-follow"},
		{[]string{"devnet", "extra"}, exitUsage, "Usage: sleuth devnet"},
	} {
		code, out, errOut := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.out) {
			t.Errorf("sleuth %v: exit %d, output %q; want exit %d and %q", tt.args, code, out+errOut, tt.code, tt.out)
		}
	}
}

// The README walk-through, in process: devnet, ingest, search.
func TestDevnetIngestSearch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb lockedBuffer
	e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errb, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"devnet", "--count", "8", "--image-kb", "8", "--editions", "2"})
		pw.Close()
	}()
	// Read the printout up to the search hint; keep the ingest commands.
	var cmds [][]string
	var image string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "sleuth ingest evm ") {
			cmds = append(cmds, strings.Fields(line)[1:])
		}
		if strings.HasPrefix(line, "curl -so copy.jpg ") {
			image = strings.Fields(line)[3]
		}
		if strings.HasPrefix(line, "sleuth search") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if len(cmds) != 2 || image == "" {
		t.Fatalf("devnet printed %d ingest commands and image %q; stderr %s", len(cmds), image, errb.String())
	}
	data := t.TempDir()
	for _, c := range cmds {
		code, out, errOut := runCLI(t, append(c, "--data", data)...)
		if code != exitOK || !strings.Contains(out, "NFTs stored") {
			t.Fatalf("sleuth %v: exit %d\n%s\n%s", c, code, out, errOut)
		}
	}
	// Again: nothing new.
	code, out, _ := runCLI(t, append(cmds[0], "--data", data)...)
	if code != exitOK || !strings.Contains(out, ": 0 NFTs stored, 0 unchanged, 0 new assets") {
		t.Errorf("second run: exit %d, %s", code, out)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	contract := strings.ToLower(cmds[0][5])
	rec, err := st.NFT(context.Background(), sleuth.NFTKey{Chain: "eip155:1337", Contract: contract, TokenID: "3"})
	st.Close()
	if err != nil || rec.NFTSpec != "erc721" || len(rec.AssetCids) != 1 || rec.Creator == "" || rec.CreatedAt.IsZero() {
		t.Fatalf("token 3: %+v, %v", rec, err)
	}

	// Search a copy of the first image: it is found, with its NFT.
	dn := fetchFile(t, image)
	code, out, errOut := runCLI(t, "search", "--data", data, dn)
	if code != exitOK || !strings.Contains(out, "exact") {
		t.Errorf("search: exit %d\n%s\n%s", code, out, errOut)
	}
	cancel()
	select {
	case c := <-done:
		if c != exitOK {
			t.Errorf("devnet exit %d: %s", c, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("devnet did not stop")
	}
}

// fetchFile saves the body at a loopback URL to a temporary file.
func fetchFile(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	p := filepath.Join(t.TempDir(), "copy.jpg")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// lockedBuffer is a strings.Builder safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
