package corpus

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	xdraw "golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
)

// PrepareConfig sets what Prepare builds. Zero fields take the defaults in
// brackets.
type PrepareConfig struct {
	// Dir is the corpus directory, holding raw/ [DefaultDir()].
	Dir string
	// Seed drives sampling and roles [1].
	Seed uint64
	// MaxSide is the longest side of a prepared picture [512].
	MaxSide int
	// MinSide drops pictures whose shorter side is smaller [48].
	MinSide int
	// DedupDistance merges pictures within this PDQ distance [31].
	DedupDistance int
	// Originals, Holdout, Backgrounds and Logos are the sizes of those roles
	// [1000, 1000, 100, 100]; every other kept picture is a distractor, up
	// to Distractors [no limit].
	Originals, Holdout, Backgrounds, Logos, Distractors int
	// Sources to walk [Sources].
	Sources []Source
	// Workers decode in parallel [GOMAXPROCS].
	Workers int
	// Progress, when set, receives a line every few hundred pictures.
	Progress io.Writer
}

func (c *PrepareConfig) defaults() {
	if c.Dir == "" {
		c.Dir = DefaultDir()
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.MaxSide <= 0 {
		c.MaxSide = 512
	}
	if c.MinSide <= 0 {
		c.MinSide = 48
	}
	if c.DedupDistance <= 0 {
		c.DedupDistance = 31
	}
	if c.Originals <= 0 {
		c.Originals = 1000
	}
	if c.Holdout <= 0 {
		c.Holdout = 1000
	}
	if c.Backgrounds <= 0 {
		c.Backgrounds = 100
	}
	if c.Logos <= 0 {
		c.Logos = 100
	}
	if c.Sources == nil {
		c.Sources = Sources
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
}

// candidate is one raw file on its way through Prepare.
type candidate struct {
	src  int // index into cfg.Sources
	rel  string
	work string // Source.Work's name for it
	// cached: the prepared picture was already there.
	cached bool
	id     string
	img    *image.RGBA
	p      fingerprint.Perceptual
	pix    fingerprint.Digest
	fail   bool
	blnk   bool
	thumb  *colorThumb
	// whole and trimmed are the picture's faces for the dedup of the
	// same picture on another canvas (trimdup.go); nil when not usable.
	whole, trimmed *face
}

// Prepare builds the corpus in cfg.Dir from the files under cfg.Dir/raw and
// writes its manifest. Errors: CodeCorpusMissing when raw/ is absent,
// CodeCorpusInvalid when too few pictures survive for the roles asked,
// and I/O errors.
func Prepare(ctx context.Context, cfg PrepareConfig) (*Manifest, error) {
	cfg.defaults()
	rawDir := filepath.Join(cfg.Dir, "raw")
	if _, err := os.Stat(rawDir); err != nil {
		return nil, sleuth.Errorf(CodeCorpusMissing, "no raw files in %s (fetch them with scripts/corpus): %w", rawDir, err)
	}
	m := &Manifest{Version: 1, Seed: cfg.Seed, MaxSide: cfg.MaxSide, DedupDistance: cfg.DedupDistance}
	var cands []candidate
	for i, s := range cfg.Sources {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)+1))
		files, err := s.files(rawDir, rng)
		if err != nil {
			return nil, err
		}
		m.Sources = append(m.Sources, SourceStat{Name: s.Name, Package: fmt.Sprint(s.Packages), Candidates: len(files)})
		for _, f := range files {
			c := candidate{src: i, rel: f}
			if s.Work != nil {
				c.work = s.Work(f)
			}
			cands = append(cands, c)
		}
	}
	progress(cfg.Progress, "corpus: %d candidate files in %d sources", len(cands), len(cfg.Sources))

	// Decode and hash in batches, in parallel; judge duplicates in order.
	var keptH []keptHash
	seenBytes := map[string]bool{}
	seenPix := map[fingerprint.Digest]bool{}
	seenWork := map[string]bool{}
	var entries []Entry
	var thumbs []*colorThumb
	const batch = 256
	for lo := 0; lo < len(cands); lo += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := cands[lo:min(lo+batch, len(cands))]
		// A file of a work already kept is not even decoded.
		Parallel(cfg.Workers, len(b), func(i int) {
			if b[i].work == "" || !seenWork[b[i].work] {
				b[i].load(rawDir, cfg)
			}
		})
		var write [][2]int // candidate, entry
		for i := range b {
			c := &b[i]
			st := &m.Sources[c.src]
			gen := cfg.Sources[c.src].Generated
			switch {
			case c.fail:
				st.Failed++
				continue
			case c.blnk:
				st.Blank++
				continue
			case seenBytes[c.id] || seenPix[c.pix] || c.work != "" && seenWork[c.work]:
				st.Duplicates++
				continue
			}
			if !gen && (nearAny(keptH, c.p.Dihedral, cfg.DedupDistance) || nearTrimmed(keptH, c, cfg.DedupDistance)) {
				st.Duplicates++
				continue
			}
			seenBytes[c.id], seenPix[c.pix], seenWork[c.work] = true, true, true
			keptH = append(keptH, keptHash{dih: c.p.Dihedral, generated: gen, whole: c.whole, trimmed: c.trimmed})
			st.Kept++
			name := cfg.Sources[c.src].Name
			entries = append(entries, Entry{
				ID: c.id, Source: name, Raw: filepath.ToSlash(filepath.Join("raw", c.rel)),
				Path:  prepPath(cfg, c.src, c.id),
				Width: c.img.Rect.Dx(), Height: c.img.Rect.Dy(),
				PDQ: c.p.PDQ.String(), PDQQuality: c.p.Quality,
			})
			thumbs = append(thumbs, c.thumb)
			if !c.cached {
				write = append(write, [2]int{i, len(entries) - 1})
			}
		}
		// Write the kept pictures (in parallel), then drop the pixels.
		errs := make([]error, len(write))
		Parallel(cfg.Workers, len(write), func(k int) {
			errs[k] = writePNG(filepath.Join(cfg.Dir, entries[write[k][1]].Path), b[write[k][0]].img)
		})
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		for i := range b {
			b[i].img, b[i].thumb, b[i].whole, b[i].trimmed = nil, nil, nil, nil
		}
		progress(cfg.Progress, "corpus: %d/%d files, %d kept", lo+len(b), len(cands), len(entries))
	}
	progress(cfg.Progress, "corpus: looking for pictures that are others recoloured")
	dups := nearDuplicates(thumbs, cfg.Workers)
	srcOf := map[string]int{}
	for i, s := range cfg.Sources {
		srcOf[s.Name] = i
	}
	kept := entries[:0]
	for i, e := range entries {
		if dups[i] {
			st := &m.Sources[srcOf[e.Source]]
			st.Recoloured++
			st.Kept--
			continue
		}
		kept = append(kept, e)
	}
	entries = kept
	natural := func(e Entry) bool { return !cfg.Sources[srcOf[e.Source]].Generated }
	geo, err := geometricDuplicates(ctx, cfg.Dir, entries, natural, cfg.Workers, cfg.Progress)
	if err != nil {
		return nil, err
	}
	kept = make([]Entry, 0, len(entries))
	for i, e := range entries {
		if j := geo[i]; j >= 0 {
			progress(cfg.Progress, "corpus: %s is %s scaled, cropped, padded or turned", e.Raw, entries[j].Raw)
			st := &m.Sources[srcOf[e.Source]]
			st.Transformed++
			st.Kept--
			continue
		}
		kept = append(kept, e)
	}
	entries = kept
	order, err := assignRoles(entries, cfg)
	if err != nil {
		return nil, err
	}
	for _, i := range order {
		m.Entries = append(m.Entries, entries[i])
	}
	if err := m.write(cfg.Dir); err != nil {
		return nil, err
	}
	return m, nil
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// Parallel calls f(0..n-1) on up to workers goroutines.
func Parallel(workers, n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// keptHash is what duplicate removal remembers of a kept picture.
type keptHash struct {
	dih            [8]fingerprint.PDQ
	generated      bool
	whole, trimmed *face
}

// nearTrimmed reports whether c, trimmed of its border, is a kept natural
// picture (whole or trimmed), or c whole is a kept picture trimmed: the
// same picture on another canvas (trimdup.go).
func nearTrimmed(kept []keptHash, c *candidate, d int) bool {
	if c.trimmed == nil && c.whole == nil {
		return false
	}
	for i := range kept {
		k := &kept[i]
		if k.generated {
			continue
		}
		switch {
		case c.trimmed != nil && k.whole != nil && facesAlike(c.trimmed, k.whole, d),
			c.trimmed != nil && k.trimmed != nil && facesAlike(c.trimmed, k.trimmed, d),
			c.whole != nil && k.trimmed != nil && facesAlike(c.whole, k.trimmed, d):
			return true
		}
	}
	return false
}

// nearAny reports whether any kept natural picture is within d of any
// dihedral variant of dih.
func nearAny(kept []keptHash, dih [8]fingerprint.PDQ, d int) bool {
	for i := range kept {
		if kept[i].generated {
			continue
		}
		h := kept[i].dih[0]
		for v := range dih {
			if h.Distance(dih[v]) <= d {
				return true
			}
		}
	}
	return false
}

// load reads, decodes, scales and hashes one raw file. A picture that does
// not decode, or is too small, is marked fail; a nearly uniform one blank.
func (c *candidate) load(rawDir string, cfg PrepareConfig) {
	data, err := os.ReadFile(filepath.Join(rawDir, filepath.FromSlash(c.rel)))
	if err != nil {
		c.fail = true
		return
	}
	sum := sha256.Sum256(data)
	c.id = hex.EncodeToString(sum[:8])
	// A picture prepared by an earlier run is read back instead (the same
	// pixels: prepared files are named by the raw file's hash and MaxSide).
	if img, err := imaging.DecodeFile(filepath.Join(cfg.Dir, prepPath(cfg, c.src, c.id)), imaging.Limits{}); err == nil {
		c.cached = true
		c.setPicture(img.RGBA)
		return
	}
	img, err := imaging.Decode(data, imaging.Limits{SVGSize: cfg.MaxSide, MaxPixels: 60_000_000})
	if err != nil {
		c.fail = true
		return
	}
	rgba := img.RGBA
	if l := max(img.Width, img.Height); l > cfg.MaxSide {
		k := float64(cfg.MaxSide) / float64(l)
		w, h := max(1, int(math.Round(float64(img.Width)*k))), max(1, int(math.Round(float64(img.Height)*k)))
		d := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.CatmullRom.Scale(d, d.Rect, rgba, rgba.Rect, xdraw.Src, nil)
		rgba = d
	}
	if min(rgba.Rect.Dx(), rgba.Rect.Dy()) < cfg.MinSide {
		c.fail = true
		return
	}
	c.setPicture(rgba)
}

func (c *candidate) setPicture(rgba *image.RGBA) {
	c.img = rgba
	c.blnk = lumaStdDev(rgba) < 4
	c.p = fingerprint.Perceptualize(rgba)
	// The turned and mirrored hashes of the pixels themselves: PDQ's
	// prediction can be 30 bits off, and a mirrored twin must be caught.
	fingerprint.ExactDihedral(rgba, &c.p.Dihedral, fingerprint.CommonDihedral...)
	c.pix = fingerprint.PixelDigest(rgba)
	c.thumb = makeThumb(rgba)
	c.thumb.pdq = &c.p.PDQ
	if c.p.Quality >= trimDupQuality {
		if g := lumaGrid(rgba); g != nil {
			c.whole = &face{dih: c.p.Dihedral, quality: c.p.Quality, grid: g}
		}
	}
	c.trimmed = trimmedFace(rgba)
}

// prepPath is where the prepared picture of a raw file goes, relative to
// the corpus directory.
func prepPath(cfg PrepareConfig, src int, id string) string {
	return fmt.Sprintf("prep-%d/%s/%s.png", cfg.MaxSide, cfg.Sources[src].Name, id)
}

// lumaStdDev is the standard deviation of the picture's luma (0-255).
func lumaStdDev(img *image.RGBA) float64 {
	var s, s2 float64
	n := 0
	for y := 0; y < img.Rect.Dy(); y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < img.Rect.Dx(); x++ {
			p := row[4*x:]
			l := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			s += l
			s2 += l * l
			n++
		}
	}
	mean := s / float64(n)
	return math.Sqrt(max(0, s2/float64(n)-mean*mean))
}

func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// assignRoles gives every entry its role and returns the manifest order:
// backgrounds (from backdrop sources, at least 2/5 of MaxSide on their
// shorter side), logos (twemoji; any source when there is none), originals
// and holdouts, each role drawn from the sources in turn so that every
// source is represented in any prefix of the role, then the distractors,
// up to cfg.Distractors (the rest are left out). Within a source, and
// among the distractors, pictures are drawn in the order of roleKey, a
// keyed hash of their ids: removing a picture changes the role of at
// most one other picture per role boundary.
func assignRoles(entries []Entry, cfg PrepareConfig) ([]int, error) {
	bySource := map[string][]int{}
	var names []string
	for i := range entries {
		s := entries[i].Source
		if _, ok := bySource[s]; !ok {
			names = append(names, s)
		}
		bySource[s] = append(bySource[s], i)
	}
	// Each source's pictures in the order of a keyed hash of their ids,
	// not a shuffle of the kept list: a picture that a change of the
	// duplicate passes keeps or drops moves no other picture, so the
	// roles (and the measured table) stay comparable across such changes.
	keys := make([]uint64, len(entries))
	for i := range entries {
		keys[i] = roleKey(cfg.Seed, entries[i].ID)
	}
	byKey := func(a, b int) int {
		return cmp.Or(cmp.Compare(keys[a], keys[b]), cmp.Compare(entries[a].ID, entries[b].ID))
	}
	for _, s := range names {
		slices.SortFunc(bySource[s], byKey)
	}
	backdrop := map[string]bool{}
	for _, s := range cfg.Sources {
		backdrop[s.Name] = s.Backdrop
	}
	var order []int
	// take removes up to n entries from the sources accepted by ok, one
	// source at a time in turn, and gives them role.
	take := func(n int, role string, ok func(e *Entry) bool) int {
		got := 0
		for got < n {
			progress := false
			for _, s := range names {
				l := bySource[s]
				for k, i := range l {
					if ok(&entries[i]) {
						entries[i].Role = role
						order = append(order, i)
						bySource[s] = slices.Delete(l, k, k+1)
						got++
						progress = true
						break
					}
				}
				if got == n {
					break
				}
			}
			if !progress {
				break
			}
		}
		return got
	}
	bg := take(cfg.Backgrounds, RoleBackground, func(e *Entry) bool {
		return backdrop[e.Source] && min(e.Width, e.Height) >= cfg.MaxSide*2/5
	})
	logos := take(cfg.Logos, RoleLogo, func(e *Entry) bool { return e.Source == "twemoji" })
	if logos < cfg.Logos {
		logos += take(cfg.Logos-logos, RoleLogo, func(e *Entry) bool { return true })
	}
	orig := take(cfg.Originals, RoleOriginal, func(*Entry) bool { return true })
	hold := take(cfg.Holdout, RoleHoldout, func(*Entry) bool { return true })
	if bg < cfg.Backgrounds || logos < cfg.Logos || orig < cfg.Originals || hold < cfg.Holdout {
		return nil, sleuth.Errorf(CodeCorpusInvalid, "corpus too small: %d backgrounds, %d logos, %d originals, %d holdouts (want %d, %d, %d, %d)",
			bg, logos, orig, hold, cfg.Backgrounds, cfg.Logos, cfg.Originals, cfg.Holdout)
	}
	// The rest, shuffled together, are distractors.
	var rest []int
	for _, s := range names {
		rest = append(rest, bySource[s]...)
	}
	slices.SortFunc(rest, byKey)
	for k, i := range rest {
		if cfg.Distractors > 0 && k >= cfg.Distractors {
			break
		}
		entries[i].Role = RoleDistractor
		order = append(order, i)
	}
	return order, nil
}

// roleKey is the place of the picture id in the role draw for seed:
// FNV-1a of the seed's 8 bytes and the id.
func roleKey(seed uint64, id string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	return h.Sum64()
}
