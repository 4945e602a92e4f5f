package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// TestIndexKilled kills `sleuth index` (SIGKILL) while it works, then checks
// that every asset in the store is whole (both its fingerprints), and that
// running the same command again finishes the job: nothing is lost, nothing
// is half-written, nothing is registered twice. Wherever the kill lands
// (even before the first or after the last asset) these hold.
func TestIndexKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sleuth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	imgs := filepath.Join(dir, "images")
	os.Mkdir(imgs, 0o755)
	const n = 80
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		m := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for j := 0; j < len(m.Pix); j += 4 {
			v := uint8(rng.IntN(256))
			m.Pix[j], m.Pix[j+1], m.Pix[j+2], m.Pix[j+3] = v, uint8(i), 255-v, 255
		}
		m.SetRGBA(0, 0, color.RGBA{uint8(i), 1, 2, 255})
		var buf bytes.Buffer
		png.Encode(&buf, m)
		os.WriteFile(filepath.Join(imgs, fmt.Sprintf("%03d.png", i)), buf.Bytes(), 0o644)
	}
	data := filepath.Join(dir, "data")

	cmd := exec.Command(bin, "index", "--data", data, "--jobs", "1", imgs)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()

	st, err := sqlite.Open(context.Background(), filepath.Join(data, "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	err = st.EachAsset(context.Background(), func(a *sleuth.Asset) error {
		kept++
		_, pdq := a.PerceptualOf(sleuth.KindPDQ)
		_, phash := a.PerceptualOf(sleuth.KindPHash)
		_, features := a.PerceptualOf(sleuth.KindFeatures)
		if !pdq || !phash || !features || a.PixelSHA256 == "" {
			return fmt.Errorf("asset %s is incomplete: %+v", a.Nid, a.Perceptual)
		}
		return nil
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d assets were committed before the kill", kept, n)

	out, err := exec.Command(bin, "index", "--data", data, imgs).Output()
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	want := fmt.Sprintf("%d added, %d already registered, 0 not images, 0 failed; %d assets", n-kept, kept, n)
	if !strings.Contains(string(out), want) {
		t.Errorf("second run: %s\nwant %q", out, want)
	}
}
