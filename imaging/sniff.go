package imaging

import (
	"bytes"
	"net/http"
)

// MIME types of the supported formats, as Sniff returns them.
const (
	MIMEJPEG = "image/jpeg"
	MIMEPNG  = "image/png"
	MIMEGIF  = "image/gif"
	MIMEWebP = "image/webp"
	MIMEBMP  = "image/bmp"
	MIMETIFF = "image/tiff"
	MIMESVG  = "image/svg+xml"
	MIMEAVIF = "image/avif"
	MIMEHEIC = "image/heic"
)

// SniffLen is how many leading bytes Sniff looks at; passing more is harmless.
const SniffLen = 4096

// Sniff returns the MIME type of data judged from its first bytes only.
// For the supported image formats it returns one of the MIME* constants;
// for anything else it falls back to net/http's content sniffing (for
// example "application/pdf", "video/mp4" or "application/octet-stream").
func Sniff(data []byte) string {
	if len(data) > SniffLen {
		data = data[:SniffLen]
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return MIMEJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return MIMEPNG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return MIMEGIF
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return MIMEWebP
	case len(data) >= 14 && string(data[:2]) == "BM":
		return MIMEBMP
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return MIMETIFF
	}
	if m := sniffISOBMFF(data); m != "" {
		return m
	}
	if isSVG(data) {
		return MIMESVG
	}
	return http.DetectContentType(data)
}

// Supported reports whether mime is a type Decode accepts.
func Supported(mime string) bool {
	switch mime {
	case MIMEJPEG, MIMEPNG, MIMEGIF, MIMEWebP, MIMEBMP, MIMETIFF, MIMESVG, MIMEAVIF, MIMEHEIC:
		return true
	}
	return false
}

// sniffISOBMFF recognises AVIF and HEIC by the brands of their leading ftyp box.
func sniffISOBMFF(data []byte) string {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return ""
	}
	size := int(data[0])<<24 | int(data[1])<<16 | int(data[2])<<8 | int(data[3])
	if size < 16 || size > len(data) {
		size = len(data)
	}
	brands := [][]byte{data[8:12]} // major brand, then compatible brands after minor version
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, data[i:i+4])
	}
	heic := false
	for _, b := range brands {
		switch string(b) {
		case "avif", "avis":
			return MIMEAVIF
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			heic = true
		}
	}
	if heic {
		return MIMEHEIC
	}
	return ""
}

// isSVG reports whether data looks like an SVG document: optional BOM and
// white space, then markup, with an <svg element near the start.
func isSVG(data []byte) bool {
	d := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	d = bytes.TrimLeft(d, " \t\r\n")
	if len(d) == 0 || d[0] != '<' {
		return false
	}
	return bytes.Contains(bytes.ToLower(d), []byte("<svg"))
}
