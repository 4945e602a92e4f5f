package imaging

import (
	"bytes"
	"encoding/binary"
)

// Orientation returns the EXIF orientation (1..8) recorded in data, a whole
// image file of type mime, or 1 when there is none or it cannot be read. It
// looks in a JPEG's APP1 "Exif" segment, a PNG's eXIf chunk, a WebP's EXIF
// chunk and a TIFF's first IFD. It reads only what it needs, checks every
// offset, and never fails: a damaged EXIF block means "upright".
func Orientation(data []byte, mime string) int {
	var tiff []byte
	switch mime {
	case MIMEJPEG:
		tiff = jpegExif(data)
	case MIMEPNG:
		tiff = pngExif(data)
	case MIMEWebP:
		tiff = webpExif(data)
	case MIMETIFF:
		tiff = data
	}
	if tiff == nil {
		return 1
	}
	return tiffOrientation(tiff)
}

var exifHeader = []byte("Exif\x00\x00")

// jpegExif walks JPEG markers up to the start of scan and returns the TIFF
// block of the first APP1 Exif segment.
func jpegExif(d []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(d) {
		if d[i] != 0xff {
			return nil
		}
		m := d[i+1]
		if m == 0xff { // fill byte
			i++
			continue
		}
		if m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01 { // markers without length
			i += 2
			continue
		}
		if m == 0xda || m == 0xd9 { // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			return nil
		}
		seg := d[i+4 : i+2+n]
		if m == 0xe1 && bytes.HasPrefix(seg, exifHeader) {
			return seg[len(exifHeader):]
		}
		i += 2 + n
	}
	return nil
}

// pngExif returns the content of the eXIf chunk, if it comes before IDAT.
func pngExif(d []byte) []byte {
	i := 8
	for i+8 <= len(d) {
		n := int(binary.BigEndian.Uint32(d[i:]))
		typ := string(d[i+4 : i+8])
		if n < 0 || n > len(d)-i-12 {
			return nil
		}
		switch typ {
		case "eXIf":
			return d[i+8 : i+8+n]
		case "IDAT", "IEND":
			return nil
		}
		i += 12 + n
	}
	return nil
}

// webpExif returns the content of the EXIF chunk of an extended WebP file.
func webpExif(d []byte) []byte {
	i := 12
	for i+8 <= len(d) {
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		if n < 0 || n > len(d)-i-8 {
			return nil
		}
		if string(d[i:i+4]) == "EXIF" {
			return bytes.TrimPrefix(d[i+8:i+8+n], exifHeader)
		}
		i += 8 + n + n&1
	}
	return nil
}

// tiffOrientation reads tag 0x0112 from the first IFD of a TIFF structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 1
	}
	n := int64(bo.Uint16(t[off:]))
	for k := int64(0); k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, count := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if typ != 3 || count < 1 { // SHORT
			return 1
		}
		v := int(bo.Uint16(t[e+8:]))
		if v < 1 || v > 8 {
			return 1
		}
		return v
	}
	return 1
}
