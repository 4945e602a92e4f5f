package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// TestIngestJSONLSample imports the documented sample file: data: URIs,
// a data: token URI, local media, and the aliases of other exporters.
func TestIngestJSONLSample(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	sample := filepath.Join("..", "..", "testdata", "jsonl", "sample.jsonl")
	code, out, errOut := runCLI(t, "ingest", "jsonl", sample, "--data", data, "--quiet")
	if code != exitOK || !strings.Contains(out, "4 lines in") || !strings.Contains(out, "4 stored, 0 unchanged, 0 failed; 4 new assets, 0 media failed") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// A second run resumes after the last line.
	code, out, _ = runCLI(t, "ingest", "jsonl", sample, "--data", data, "--quiet")
	if code != exitOK || !strings.Contains(out, "0 lines after line 4") {
		t.Errorf("re-run: exit %d: %s", code, out)
	}

	st, err := sqlite.Open(ctx, dbPath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const contract = "0x5af0d9827e0c53e4799bb226655a1de152a425a5"
	media2, err := os.ReadFile(filepath.Join("..", "..", "testdata", "jsonl", "media", "2.png"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:137", Contract: contract, TokenID: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if r.NFTSpec != "erc1155" || r.CurrentOwner != "0x2222222222222222222222222222222222222222" || r.CreatedAt.Unix() != 1627819200 ||
		!slices.Equal(r.AssetCids, []string{cid.Bytes(media2)}) || !strings.HasPrefix(r.ImageURL, "file:///") {
		t.Errorf("token 2: %+v", r)
	}
	r, err = st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1", Contract: contract, TokenID: "3"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Metadata), `"Sample #3"`) || !strings.HasPrefix(r.ImageURL, "data:image/svg+xml;base64,") || len(r.AssetCids) != 1 {
		t.Errorf("token 3: %+v", r)
	}
	r, err = st.NFT(ctx, sleuth.NFTKey{Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Contract: "Bv3uQfxRHL6mdWXPgdXP6hNut2GL6VCMKatAAmWb3Eui", TokenID: "5ZXToo7froykjvjnpHtTLYr9u2tW3USMwPg3sNkiaQVh"})
	if err != nil || r.NFTSpec != "metaplex" || len(r.AssetCids) != 1 {
		t.Errorf("token 4: %+v %v", r, err)
	}
}

// TestIngestJSONLErrors: bad lines are reported with their numbers and
// codes, the rest is imported, and the exit status is 1.
func TestIngestJSONLErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.jsonl")
	lines := `{"chain":"eip155:1","contract":"0x5af0d9827e0c53e4799bb226655a1de152a425a5","token_id":"1","metadata":{}}
{"chain":"eip155:1","contract":
{"chain":"eip155:1","contract":"0x5af0d9827e0c53e4799bb226655a1de152a425a5","token_id":"2","image":"missing.png"}
{"chain":"eip155:1","contract":"0x5af0d9827e0c53e4799bb226655a1de152a425a5"}
`
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "ingest", "jsonl", file, "--data", filepath.Join(dir, "data"), "--quiet")
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	for _, want := range []string{
		file + ":2: skipped: not a JSON object",
		"[sleuth.jsonl.syntax]",
		file + ":3: media failed: media file missing.png",
		"[sleuth.jsonl.media]",
		file + ":4: skipped: missing token_id [sleuth.jsonl.missing_field]",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "4 lines in") || !strings.Contains(out, "2 stored, 0 unchanged, 2 failed") ||
		!strings.Contains(out, "sleuth.jsonl.missing_field: 1, sleuth.jsonl.syntax: 1") {
		t.Errorf("summary: %s", out)
	}
	// --json lists the failures with their lines.
	code, out, _ = runCLI(t, "ingest", "jsonl", file, "--data", filepath.Join(dir, "data"), "--quiet", "--restart", "--json")
	var res struct {
		Lines, Failed int
		Failures      []struct {
			Line  int
			Media bool
			Error struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != exitFail || res.Lines != 4 || res.Failed != 2 || len(res.Failures) != 3 ||
		res.Failures[0].Line != 2 || res.Failures[1].Line != 3 || !res.Failures[1].Media || res.Failures[2].Error.Code != "sleuth.jsonl.missing_field" {
		t.Errorf("json: exit %d, %+v", code, res)
	}
	if code, _, errOut := runCLI(t, "ingest", "jsonl"); code != exitUsage || errOut == "" {
		t.Errorf("no file: exit %d", code)
	}
	if code, _, errOut := runCLI(t, "ingest", "jsonl", filepath.Join(dir, "nope.jsonl"), "--data", filepath.Join(dir, "data")); code != exitFail || !strings.Contains(errOut, "sleuth.jsonl.file") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}
