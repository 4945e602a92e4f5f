package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexSearchAssets(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	dir := t.TempDir()
	// A small tree: two photos, a copy in a subdirectory, a non-image, a
	// hidden file and a corrupt JPEG.
	copyFile := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(td+"bridge-mods/aaa-orig.jpg", filepath.Join(dir, "bridge.jpg"))
	copyFile(td+"reg-test-input/labelme-subset/q1050.jpg", filepath.Join(dir, "sub", "q1050.jpg"))
	copyFile(td+"bridge-mods/aaa-orig.jpg", filepath.Join(dir, "sub", "bridge-copy.jpg"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)
	copyFile(td+"misc-images/wee.jpg", filepath.Join(dir, ".hidden", "wee.jpg"))
	b, _ := os.ReadFile(td + "bridge-mods/square-512x512.jpg")
	os.WriteFile(filepath.Join(dir, "broken.jpg"), b[:len(b)/3], 0o644)

	code, out, errOut := runCLI(t, "index", "--json", "--data", data, dir)
	if code != exitFail { // the corrupt JPEG fails
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var sum indexSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if sum.Files != 5 || sum.Added != 2 || sum.Existing != 1 || sum.NotImages != 1 || sum.Failed != 1 || sum.Assets != 2 {
		t.Errorf("first run: %+v", sum)
	}
	if len(sum.Failures) != 1 || sum.Failures[0].Error.Code != "sleuth.image.corrupt" {
		t.Errorf("failures: %+v", sum.Failures)
	}

	// A second run skips what is there; SLEUTH_DATA works like --data.
	os.Remove(filepath.Join(dir, "broken.jpg"))
	e := &env{stdout: new(strings.Builder), stderr: new(strings.Builder), getenv: func(k string) string {
		if k == "SLEUTH_DATA" {
			return data
		}
		return ""
	}}
	if code := run(t.Context(), e, []string{"index", dir}); code != exitOK {
		t.Fatalf("second run exit %d: %s", code, e.stderr)
	}
	if got := e.stdout.(*strings.Builder).String(); !strings.Contains(got, "0 added, 3 already registered, 1 not images, 0 failed; 2 assets") {
		t.Errorf("second run: %s", got)
	}

	// Search with a flipped copy finds the bridge, near-exact (registered
	// from bridge.jpg or sub/bridge-copy.jpg, whichever worker came first).
	code, out, _ = runCLI(t, "search", "--data", data, "--json", td+"reg-test-input/dih/bridge-5-flipx.jpg")
	if code != exitOK {
		t.Fatalf("search exit %d", code)
	}
	var resp struct {
		Matches []struct {
			Tier    string  `json:"tier"`
			Score   float64 `json:"score"`
			Variant string  `json:"variant"`
			Asset   struct {
				Nid    string `json:"nid"`
				Source string `json:"source"`
			} `json:"asset"`
		} `json:"matches"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Matches) != 1 || resp.Matches[0].Tier != "near_exact" || resp.Matches[0].Variant != "flip_x" || !strings.Contains(resp.Matches[0].Asset.Source, "bridge") {
		t.Fatalf("search: %s", out)
	}
	nid := resp.Matches[0].Asset.Nid

	// Search by Nid uses the stored fingerprints and leaves the asset out.
	code, out, _ = runCLI(t, "search", "--data", data, nid)
	if code != exitOK || !strings.Contains(out, "no copies found among 2 assets") {
		t.Errorf("search by nid: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "search", "--data", data, td+"misc-images/wee.jpg")
	if code != exitOK || !strings.Contains(out, "no copies found") {
		t.Errorf("unrelated picture: %s", out)
	}

	// assets count, list, rm.
	if code, out, _ := runCLI(t, "assets", "count", "--data", data); code != exitOK || strings.TrimSpace(out) != "2" {
		t.Errorf("count: %q", out)
	}
	code, out, _ = runCLI(t, "assets", "list", "--data", data, "--json")
	if code != exitOK || strings.Count(out, "\n") != 2 || !strings.Contains(out, nid) {
		t.Errorf("list: %s", out)
	}
	if code, out, _ := runCLI(t, "assets", "rm", "--data", data, nid); code != exitOK || !strings.Contains(out, "removed "+nid) {
		t.Errorf("rm: %d %s", code, out)
	}
	if code, _, errOut := runCLI(t, "assets", "rm", "--data", data, nid); code != exitFail || !strings.Contains(errOut, "sleuth.asset.not_found") {
		t.Errorf("rm again: %d %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "assets", "count", "--data", data); code != exitOK || strings.TrimSpace(out) != "1" {
		t.Errorf("count after rm: %q", out)
	}
}

func TestProgressPlain(t *testing.T) {
	var sb strings.Builder
	p := newProgress(&sb, "indexing", 4)
	for range 4 {
		p.add(1)
	}
	p.finish()
	if got := sb.String(); !strings.Contains(got, "indexing 4/4 100%") {
		t.Errorf("plain progress: %q", got)
	}
	if formatDuration(3725e9) != "1:02:05" || formatDuration(65e9) != "1:05" {
		t.Error("formatDuration")
	}
}

func TestSearchURL(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := runCLI(t, "index", "--data", data, td+"bridge-mods/aaa-orig.jpg"); code != exitOK {
		t.Fatal(errOut)
	}
	// A data: URI needs no network; loopback URLs are refused by the
	// fetcher's address guard, with its code.
	b, _ := os.ReadFile(td + "bridge-mods/square-256x256.jpg")
	uri := "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b)
	code, out, errOut := runCLI(t, "search", "--data", data, uri)
	if code != exitOK || !strings.Contains(out, "near_exact") {
		t.Errorf("data URI: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "search", "--data", data, "https://127.0.0.1/x.jpg")
	if code != exitFail || !strings.Contains(errOut, "sleuth.fetch.forbidden_address") {
		t.Errorf("loopback URL: %d %s", code, errOut)
	}
}
