package imaging

import (
	"bytes"
	"image"
	"math"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"

	"github.com/sleuthhq/sleuth"
)

// decodeSVG rasterizes an SVG document onto a transparent canvas whose
// longest side is lim.SVGSize pixels.
func decodeSVG(data []byte, lim Limits) (image.Image, error) {
	if int64(len(data)) > lim.MaxSVGBytes {
		return nil, sleuth.Errorf(sleuth.CodeImageTooLarge,
			"SVG document is %d bytes, over the limit of %d", len(data), lim.MaxSVGBytes)
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(data), oksvg.IgnoreErrorMode)
	if err != nil {
		return nil, corrupt(MIMESVG, err)
	}
	vw, vh := icon.ViewBox.W, icon.ViewBox.H
	if !(vw > 0 && vh > 0) || math.IsInf(vw, 0) || math.IsInf(vh, 0) {
		return nil, sleuth.Errorf(sleuth.CodeImageEmpty, "SVG has no usable size (viewBox or width/height)")
	}
	w, h := float64(lim.SVGSize), float64(lim.SVGSize)
	if vw >= vh {
		h = math.Max(1, math.Round(w*vh/vw))
	} else {
		w = math.Max(1, math.Round(h*vw/vh))
	}
	iw, ih := int(w), int(h)
	icon.SetTarget(0, 0, w, h)
	dst := image.NewRGBA(image.Rect(0, 0, iw, ih))
	scanner := rasterx.NewScannerGV(iw, ih, dst, dst.Bounds())
	icon.Draw(rasterx.NewDasher(iw, ih, scanner), 1)
	return dst, nil
}
