package corpus

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

// blobs draws a picture of random coloured ellipses on a random
// background: distinct seeds give PDQ-distinct pictures.
func blobs(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 99))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	for i := range img.Pix {
		img.Pix[i] = []uint8{bg.R, bg.G, bg.B, 255}[i%4]
	}
	for k := 0; k < 12; k++ {
		cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
		rx, ry := (0.05+0.2*rng.Float64())*float64(w), (0.05+0.2*rng.Float64())*float64(h)
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
				if dx*dx+dy*dy <= 1 {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	return img
}

func writeTestPNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// testSources are two natural sources and one generated one.
var testSources = []Source{
	{Name: "photos", Packages: []string{"pkg-photos"}, Backdrop: true},
	{Name: "art", Packages: []string{"pkg-art"}, Work: func(rel string) string {
		if strings.Contains(rel, "zz-work") {
			return "work:" + strings.TrimRight(stem(rel), "0123456789")
		}
		return ""
	}},
	{Name: "twemoji", Packages: []string{"twemoji"}, Keep: func(rel string) bool { return !skinTone(rel) }},
	{Name: "gen", Packages: []string{"gen"}, Generated: true},
}

// makeRaw writes a raw/ tree with known duplicates and returns the number
// of distinct pictures.
func makeRaw(t *testing.T, dir string) {
	raw := filepath.Join(dir, "raw")
	for i := 0; i < 30; i++ {
		writeTestPNG(t, filepath.Join(raw, "pkg-photos", "p", name(i)), blobs(uint64(i), 300, 220))
	}
	for i := 0; i < 30; i++ {
		writeTestPNG(t, filepath.Join(raw, "pkg-art", name(i)), blobs(uint64(1000+i), 160, 160))
	}
	// Duplicates: the same file twice, a smaller copy, a mirrored copy, a
	// symlink, a blank picture, a skin-tone variant and a broken file.
	p0 := blobs(0, 300, 220)
	writeTestPNG(t, filepath.Join(raw, "pkg-art", "zz-same.png"), blobs(1000, 160, 160))
	writeTestPNG(t, filepath.Join(raw, "pkg-art", "zz-small.png"), scaleHalf(p0))
	writeTestPNG(t, filepath.Join(raw, "pkg-art", "zz-mirror.png"), mirror(p0))
	if err := os.Symlink(filepath.Join(raw, "pkg-art", name(1)), filepath.Join(raw, "pkg-art", "zz-link.png")); err != nil {
		t.Fatal(err)
	}
	blank := image.NewRGBA(image.Rect(0, 0, 100, 100))
	for i := range blank.Pix {
		blank.Pix[i] = 250
	}
	writeTestPNG(t, filepath.Join(raw, "pkg-art", "zz-blank.png"), blank)
	for i := 0; i < 12; i++ {
		writeTestPNG(t, filepath.Join(raw, "twemoji", "package", "1f60"+string(rune('a'+i))+".png"), blobs(uint64(2000+i), 72, 72))
	}
	writeTestPNG(t, filepath.Join(raw, "twemoji", "package", "1f44b-1f3fd.png"), blobs(2000, 72, 72))
	// Two pictures of one work (as Source.Work says).
	writeTestPNG(t, filepath.Join(raw, "pkg-art", "zz-work1.png"), blobs(3000, 160, 160))
	writeTestPNG(t, filepath.Join(raw, "pkg-art", "zz-work2.png"), blobs(3001, 160, 160))
	if err := os.WriteFile(filepath.Join(raw, "pkg-art", "zz-broken.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Generated look-alikes: one background, a small difference each.
	for i := 0; i < 10; i++ {
		img := blobs(5000, 128, 128)
		for y := 50; y < 70; y++ {
			for x := 10 * i; x < 10*i+12; x++ {
				img.SetRGBA(x, y, color.RGBA{0, 0, 0, 255})
			}
		}
		writeTestPNG(t, filepath.Join(raw, "gen", "style", name(i)), img)
	}
}

func name(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) + ".png" }

func scaleHalf(s *image.RGBA) *image.RGBA {
	d := image.NewRGBA(image.Rect(0, 0, s.Rect.Dx()/2, s.Rect.Dy()/2))
	for y := 0; y < d.Rect.Dy(); y++ {
		for x := 0; x < d.Rect.Dx(); x++ {
			d.SetRGBA(x, y, s.RGBAAt(2*x, 2*y))
		}
	}
	return d
}

func TestPrepare(t *testing.T) {
	dir := t.TempDir()
	makeRaw(t, dir)
	cfg := PrepareConfig{Dir: dir, Seed: 3, MaxSide: 128, Originals: 20, Holdout: 10, Backgrounds: 5, Logos: 4, Sources: testSources, Workers: 2}
	m, err := Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	stats := map[string]SourceStat{}
	for _, s := range m.Sources {
		stats[s.Name] = s
	}
	// 30 photos kept; art: 31 kept, same/small/mirror/same-work duplicates,
	// one blank, one broken, the symlink not even a candidate; twemoji: 12 (the skin
	// tone skipped); gen: all 10 look-alikes kept.
	want := map[string]SourceStat{
		"photos":  {Name: "photos", Candidates: 30, Kept: 30},
		"art":     {Name: "art", Candidates: 37, Kept: 31, Duplicates: 4, Blank: 1, Failed: 1},
		"twemoji": {Name: "twemoji", Candidates: 12, Kept: 12},
		"gen":     {Name: "gen", Candidates: 10, Kept: 10},
	}
	for n, w := range want {
		got := stats[n]
		got.Package = ""
		if got != w {
			t.Errorf("source %s: %+v, want %+v", n, got, w)
		}
	}
	roles := map[string]int{}
	for _, e := range m.Entries {
		roles[e.Role]++
		img, err := os.Open(filepath.Join(dir, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		cfgImg, err := png.DecodeConfig(img)
		img.Close()
		if err != nil || cfgImg.Width != e.Width || cfgImg.Height != e.Height || max(e.Width, e.Height) > 128 {
			t.Errorf("%s: %dx%d in the manifest, file %+v %v", e.Path, e.Width, e.Height, cfgImg, err)
		}
		if e.Role == RoleBackground && e.Source != "photos" {
			t.Errorf("background from %s", e.Source)
		}
		if e.Role == RoleLogo && e.Source != "twemoji" {
			t.Errorf("logo from %s", e.Source)
		}
	}
	if want := map[string]int{RoleOriginal: 20, RoleHoldout: 10, RoleBackground: 5, RoleLogo: 4, RoleDistractor: 83 - 39}; !reflect.DeepEqual(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
	// Any prefix of the originals draws the sources in turn.
	src := map[string]bool{}
	for _, e := range m.Role(RoleOriginal)[:4] {
		src[e.Source] = true
	}
	if len(src) != 4 {
		t.Errorf("the first 4 originals come from %d sources, want 4", len(src))
	}
	// Load reads it back; the same seed gives the same manifest.
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l, m) {
		t.Error("Load differs from what Prepare returned")
	}
	again, err := Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, m) {
		t.Error("a second Prepare with the same seed differs")
	}
}

func TestPrepareErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Prepare(context.Background(), PrepareConfig{Dir: dir}); !errors.Is(err, &sleuth.Error{Code: CodeCorpusMissing}) {
		t.Errorf("no raw/: %v", err)
	}
	makeRaw(t, dir)
	_, err := Prepare(context.Background(), PrepareConfig{Dir: dir, Originals: 500, Sources: testSources})
	if !errors.Is(err, &sleuth.Error{Code: CodeCorpusInvalid}) {
		t.Errorf("too small: %v", err)
	}
	if _, err := Load(t.TempDir()); !errors.Is(err, &sleuth.Error{Code: CodeCorpusMissing}) {
		t.Errorf("Load of nothing: %v", err)
	}
	bad := t.TempDir()
	for _, doc := range []string{"{", `{"version":2}`, `{"version":1,"entries":[{"id":"x","role":"boss","path":"a"}]}`, `{"version":1,"entries":[{"id":"x","role":"original","path":"/etc/passwd"}]}`, `{"version":1,"entries":[{"id":"x","role":"original","path":"../x.png"}]}`} {
		if err := os.WriteFile(filepath.Join(bad, ManifestFile), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(bad); !errors.Is(err, &sleuth.Error{Code: CodeCorpusInvalid}) {
			t.Errorf("Load(%s): %v", doc, err)
		}
	}
}

func TestWorkNames(t *testing.T) {
	cases := []struct {
		f    func(string) string
		a, b string
		same bool
	}{
		{wallpaperWork, "plasma-workspace-wallpapers/usr/share/wallpapers/Altai/contents/images/5120x2880.png",
			"plasma-workspace-wallpapers/usr/share/wallpapers/Altai/contents/images_dark/1080x1920.png", true},
		{wallpaperWork, "plasma-workspace-wallpapers/usr/share/wallpapers/Altai/contents/images/5120x2880.png",
			"plasma-workspace-wallpapers/usr/share/wallpapers/Kite/contents/images/5120x2880.png", false},
		{wallpaperWork, "desktop-base/usr/share/desktop-base/emerald-theme/lockscreen/contents/images/1280x1024.svg",
			"desktop-base/usr/share/plymouth/themes/emerald/background.png", true},
		{wallpaperWork, "gnome-backgrounds/usr/share/backgrounds/gnome/adwaita-l.webp", "gnome-backgrounds/usr/share/backgrounds/gnome/adwaita-d.webp", true},
		{wallpaperWork, "gnome-backgrounds/usr/share/backgrounds/gnome/adwaita-l.webp", "gnome-backgrounds/usr/share/backgrounds/gnome/wood-l.webp", false},
		{clipartWork, "openclipart-png/usr/share/openclipart/png/shapes/stars/star.png", "openclipart-svg/usr/share/openclipart/svg/shapes/stars/star.svg", true},
		{clipartWork, "openclipart-png/usr/share/openclipart/png/shapes/stars/star.png", "openclipart-png/usr/share/openclipart/png/shapes/stars/star2.png", false},
		{clipartWork, "openclipart-png/usr/share/openclipart/png/people/a_man_singing_01.png", "openclipart-svg/usr/share/openclipart/svg/recreation/music/a_man_singing_01.svg", true},
		{clipartWork, "openclipart-png/usr/share/openclipart/png/buildings/homes/home11.png", "openclipart-png/usr/share/openclipart/png/computer/icons/lemon-theme/filesystems/home11.png", true},
		{clipartWork, "openclipart-png/usr/share/openclipart/png/buildings/homes/home11.png", "openclipart-png/usr/share/openclipart/png/buildings/homes/home12.png", false},
		{spriteWork("w:"), "w/units/undead/soulless-bat-ne-4.png", "w/units/undead/soulless-die-4.png", true},
		{spriteWork("w:"), "w/units/undead/ghost-n-3.png", "w/units/undead/ghoul.png", false},
		{spriteWork("w:"), "w/portraits/humans/transparent/knight.png", "w/portraits/humans/knight.png", true},
		{spriteWork("w:"), "w/terrain/grass/green2.png", "w/terrain/grass/green7.png", true},
		{hedgewarsWork, "hedgewars-data/usr/share/games/hedgewars/Data/Maps/Cheese/map.png",
			"hedgewars-data/usr/share/games/hedgewars/Data/Maps/Cheese/preview.png", true},
		{hedgewarsWork, "hedgewars-data/usr/share/games/hedgewars/Data/Maps/Cheese/map.png",
			"hedgewars-data/usr/share/games/hedgewars/Data/Maps/Bath/map.png", false},
		{hedgewarsWork, "hedgewars-data/usr/share/games/hedgewars/Data/Graphics/Hats/pirate.png",
			"hedgewars-data/usr/share/games/hedgewars/Data/Graphics/Hats/pirate_hat.png", true},
	}
	for _, c := range cases {
		if got := c.f(c.a) == c.f(c.b); got != c.same {
			t.Errorf("%s (%s) and %s (%s): same work %v, want %v", c.a, c.f(c.a), c.b, c.f(c.b), got, c.same)
		}
	}
}

func TestSkinTone(t *testing.T) {
	for name, want := range map[string]bool{"1f44b-1f3fd.svg": true, "1f44b.svg": false, "x/1f9d1-1f3fb-200d-1f4bb.svg": true} {
		if skinTone(name) != want {
			t.Errorf("skinTone(%s) = %v", name, !want)
		}
	}
}

// FuzzLoad: any manifest file is either loaded or refused with a coded
// error; never a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"entries":[{"id":"a","role":"original","path":"prep/x/a.png","width":3,"height":4}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(dir)
		if err != nil {
			if code := sleuth.ErrorCode(err); code != CodeCorpusInvalid {
				t.Fatalf("error code %s: %v", code, err)
			}
			return
		}
		for _, e := range m.Entries {
			if !filepath.IsLocal(e.Path) {
				t.Fatalf("accepted path %q", e.Path)
			}
		}
	})
}

// TestAssignRolesStable checks that the role draw does not reshuffle when
// a duplicate pass keeps one picture fewer: dropping an original changes
// the role of at most one other picture per role boundary (a holdout
// becomes an original, a distractor a holdout), where a shuffle of the
// kept list would redraw them all.
func TestAssignRolesStable(t *testing.T) {
	cfg := PrepareConfig{Seed: 7, Originals: 30, Holdout: 30, Backgrounds: 5, Logos: 5,
		Sources: []Source{{Name: "walls", Backdrop: true}, {Name: "twemoji"}, {Name: "clip"}}}
	cfg.defaults()
	var all []Entry
	for i := range 300 {
		src := []string{"walls", "twemoji", "clip"}[i%3]
		all = append(all, Entry{ID: fmt.Sprintf("%064x", i*2654435761), Source: src, Width: 512, Height: 512})
	}
	roles := func(entries []Entry) map[string]string {
		t.Helper()
		es := slices.Clone(entries)
		if _, err := assignRoles(es, cfg); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range es {
			out[e.ID] = e.Role
		}
		return out
	}
	before := roles(all)
	if again := roles(all); !reflect.DeepEqual(before, again) {
		t.Fatal("same entries and seed, different roles")
	}
	var dropped int
	for i, e := range all {
		if before[e.ID] == RoleOriginal {
			dropped = i
			break
		}
	}
	after := roles(slices.Delete(slices.Clone(all), dropped, dropped+1))
	changed := 0
	for id, r := range after {
		if before[id] != r {
			changed++
		}
	}
	if changed > 2 {
		t.Errorf("dropping one original changed %d other roles, want <= 2", changed)
	}
	cfg.Seed = 8
	if other := roles(all); reflect.DeepEqual(before, other) {
		t.Error("another seed drew the same roles")
	}
}
