package corpus

import (
	"io/fs"
	"math/rand/v2"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Source is one group of raw pictures: files under raw/<package>/ for one
// or more packages, filtered by Keep.
type Source struct {
	// Name labels the source in the manifest ("clipart-png", ...).
	Name string
	// Packages are the directories under raw/ to walk (Debian package
	// names, or "twemoji" and "dicebear" for the npm-made ones).
	Packages []string
	// Keep, when set, filters files by their path relative to raw/.
	Keep func(rel string) bool
	// Cap, when positive, keeps a seeded random sample of that many files.
	Cap int
	// Generated sources (avatar collections) are exempt from near-duplicate
	// removal: look-alike tokens are distinct works.
	Generated bool
	// Backdrop: pictures of this source may serve as embed backgrounds.
	Backdrop bool
	// Work, when set, names the work a file shows: files with the same
	// non-empty work name (across all sources) are variants of one work
	// (the same wallpaper cropped to several aspect ratios, an SVG and its
	// PNG rendering, a portrait with and without its background, the
	// frames of one sprite), and only the first is kept.
	Work func(rel string) string
}

var imageExts = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg"}

func ext(rel string) string { return strings.ToLower(filepath.Ext(rel)) }

// wesnothArt: portraits and story art (full pictures) rather than sprites.
func wesnothArt(rel string) bool {
	return strings.Contains(rel, "/images/portraits/") || strings.Contains(rel, "/images/story/")
}

// skinTone reports an emoji file with a Fitzpatrick modifier (1f3fb-1f3ff):
// a recoloured copy of the base emoji.
func skinTone(rel string) bool {
	b := filepath.Base(rel)
	for _, m := range []string{"1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff"} {
		if strings.Contains(b, m) {
			return true
		}
	}
	return false
}

// stem is the file name without its extension.
func stem(rel string) string {
	b := path.Base(rel)
	return strings.TrimSuffix(b, path.Ext(b))
}

// wallpaperWork: a KDE wallpaper package (<name>/contents/images*/...) or
// a desktop-base theme (<theme>-theme/..., plymouth/themes/<theme>/...) is
// one work in all its sizes and variants; GNOME's -l/-d (light and dark)
// pictures are one work; the Debian logos are one work.
func wallpaperWork(rel string) string {
	if i := strings.Index(rel, "/contents/images"); i >= 0 {
		rel = rel[:i]
	}
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		switch {
		case strings.HasSuffix(p, "-theme"):
			return "theme:" + strings.TrimSuffix(p, "-theme")
		case p == "themes" && i+1 < len(parts) && parts[i-1] == "plymouth":
			return "theme:" + parts[i+1]
		case p == "debian-logos":
			return "debian-logos"
		}
	}
	if strings.Contains(rel, "/contents") || !strings.Contains(path.Base(rel), ".") {
		return "wallpaper:" + path.Base(rel)
	}
	s := stem(rel)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "-l"), "-d")
	return "wallpaper:" + path.Dir(rel) + "/" + s
}

// clipartWork: the same drawing in openclipart-png and openclipart-svg,
// which file it under different categories ("people/a_man_singing_01.png"
// and "recreation/music/a_man_singing_01.svg"), and the same drawing
// filed twice in one package ("buildings/homes/home11.png" and
// "computer/icons/lemon-theme/filesystems/home11.png"): the file name
// without its extension.
func clipartWork(rel string) string {
	return "clipart:" + stem(rel)
}

// spriteWork groups the pictures of one character or tile set: the
// directory and the file name up to its first '-' or '_', without
// trailing digits ("units/undead/soulless-bat-ne-4" -> "units/undead/soulless").
// Portraits with and without background ("transparent/") are one work.
func spriteWork(prefix string) func(string) string {
	return func(rel string) string {
		dir := strings.ReplaceAll(path.Dir(rel), "/transparent", "")
		s := stem(rel)
		if i := strings.IndexAny(s, "-_+"); i > 0 {
			s = s[:i]
		}
		s = strings.TrimRight(s, "0123456789")
		return prefix + dir + "/" + s
	}
}

// hedgewarsWork is spriteWork, but a map's picture, mask and preview
// (Data/Maps/<name>/map.png, mask.png, preview.png: the preview is the map
// scaled down) are one work.
func hedgewarsWork(rel string) string {
	if i := strings.Index(rel, "/Data/Maps/"); i >= 0 {
		return "hedgewars-map:" + path.Dir(rel[i+len("/Data/Maps/"):])
	}
	return spriteWork("hedgewars:")(rel)
}

// Sources are the benchmark's sources, in the order Prepare visits them
// (earlier sources win near-duplicate ties).
var Sources = []Source{
	{Name: "wallpapers", Packages: []string{"plasma-workspace-wallpapers", "gnome-backgrounds", "mate-backgrounds", "desktop-base"},
		Backdrop: true, Work: wallpaperWork},
	{Name: "skimage", Packages: []string{"python3-skimage"}, Backdrop: true},
	{Name: "wesnoth-art", Packages: []string{"wesnoth-1.16-data"}, Keep: wesnothArt, Backdrop: true, Work: spriteWork("wesnoth:")},
	// Only the sample data: the HTML manual's figures are processed crops
	// of the same photos and of each other.
	{Name: "opencv", Packages: []string{"opencv-doc"}, Keep: func(rel string) bool { return strings.Contains(rel, "/examples/") }, Backdrop: true},
	// Flags are left out: the same national flags are twemoji emoji.
	{Name: "hedgewars", Packages: []string{"hedgewars-data"}, Keep: func(rel string) bool { return !strings.Contains(rel, "/Flags/") },
		Backdrop: true, Work: hedgewarsWork},
	{Name: "clipart-png", Packages: []string{"openclipart-png"}, Work: clipartWork},
	{Name: "clipart-svg", Packages: []string{"openclipart-svg"}, Cap: 3000, Work: clipartWork},
	{Name: "wesnoth-sprites", Packages: []string{"wesnoth-1.16-data"}, Keep: func(rel string) bool { return !wesnothArt(rel) },
		Work: spriteWork("wesnoth:")},
	// Skin tones are recoloured copies; flags (regional indicator pairs)
	// are left out with hedgewars's.
	{Name: "twemoji", Packages: []string{"twemoji"}, Keep: func(rel string) bool { return !skinTone(rel) && !strings.HasPrefix(path.Base(rel), "1f1") }},
	// DiceBear's 14 styles, drawn to PNG by resvg (scripts/dicebear.mjs):
	// package imaging's SVG rasterizer does not draw them faithfully (it
	// ignores masks and fills even-odd paths by the nonzero rule, which
	// turns lorelei's and personas's faces into solid shapes).
	{Name: "avatars", Packages: []string{"dicebear"}, Generated: true},
}

// files lists the source's candidate files under rawDir, as paths relative
// to rawDir, sorted; symlinks are skipped. With a cap, a sample drawn with
// rng is returned (still sorted).
func (s Source) files(rawDir string, rng *rand.Rand) ([]string, error) {
	var out []string
	for _, pkg := range s.Packages {
		root := filepath.Join(rawDir, pkg)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == root {
					return nil // a package not fetched: the source is smaller
				}
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 || d.IsDir() || !slices.Contains(imageExts, ext(path)) {
				return nil
			}
			rel, err := filepath.Rel(rawDir, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if s.Keep == nil || s.Keep(rel) {
				out = append(out, rel)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	if s.Cap > 0 && len(out) > s.Cap {
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = out[:s.Cap]
		slices.Sort(out)
	}
	return out, nil
}
