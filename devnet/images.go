package devnet

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sleuthhq/sleuth/imaging"
)

// Image is one sample image: its file name and bytes.
type Image struct {
	Name string
	Data []byte
}

// GenerateImages returns n distinct generated artworks as JPEG files of
// about sizeKB kilobytes each (0: 50), the same for the same seed: a
// colored background, shapes and a grain whose strength is set so that
// the files reach the size. Each is different enough from the others that
// no two match.
func GenerateImages(n, sizeKB int, seed uint64) []Image {
	if sizeKB <= 0 {
		sizeKB = 50
	}
	out := make([]Image, n)
	for i := range n {
		out[i] = Image{Name: fmt.Sprintf("%d.jpg", i+1), Data: generate(seed, uint64(i), sizeKB*1000)}
	}
	return out
}

// generate draws artwork number i and encodes it near target bytes: a
// 256x256 picture (a colored background and shapes) with a grain whose
// strength is raised until the JPEG reaches the size.
func generate(seed, i uint64, target int) []byte {
	const side = 256
	r := rand.New(rand.NewPCG(seed, i))
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	bg := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	for range 6 + r.IntN(6) {
		c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		x, y, w, h := r.IntN(side), r.IntN(side), 20+r.IntN(side/2), 20+r.IntN(side/2)
		round := r.IntN(2) == 0
		for py := y; py < min(side, y+h); py++ {
			for px := x; px < min(side, x+w); px++ {
				if round {
					dx, dy := float64(px-x)/float64(w)-0.5, float64(py-y)/float64(h)-0.5
					if dx*dx+dy*dy > 0.25 {
						continue
					}
				}
				img.SetRGBA(px, py, c)
			}
		}
	}
	base := append([]uint8(nil), img.Pix...)
	var best []byte
	for amp := 4; amp <= 128; amp += 6 {
		noise := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, i))
		for p := range base {
			if p%4 == 3 {
				continue
			}
			v := int(base[p]) + noise.IntN(2*amp+1) - amp
			img.Pix[p] = uint8(max(0, min(255, v)))
		}
		var buf bytes.Buffer
		jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
		best = buf.Bytes()
		if buf.Len() >= target {
			break
		}
	}
	return best
}

// animate makes a two-frame GIF from a JPEG: the image and its mirror, to
// serve as a token's animation_url.
func animate(data []byte) ([]byte, error) {
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	f1 := image.NewPaletted(b, palette.Plan9)
	draw.FloydSteinberg.Draw(f1, b, src, b.Min)
	f2 := image.NewPaletted(b, palette.Plan9)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			f2.SetColorIndex(b.Max.X-1-(x-b.Min.X), y, f1.ColorIndexAt(x, y))
		}
	}
	var buf bytes.Buffer
	err = gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{50, 50}})
	return buf.Bytes(), err
}

// MaxImageBytes bounds one image read from an images directory.
const MaxImageBytes = 32 << 20

// ReadImages reads the images of dir (not its subdirectories), sorted by
// name: the files whose content is an image format Sleuth reads; others
// are skipped. It fails when there are none.
func ReadImages(dir string) ([]Image, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Size() > MaxImageBytes || info.Size() == 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if !imaging.Supported(imaging.Sniff(b)) {
			continue
		}
		out = append(out, Image{Name: e.Name(), Data: b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("devnet: no images in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
