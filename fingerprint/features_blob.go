package fingerprint

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"math"

	"github.com/sleuthhq/sleuth"
)

// The stored form of Features (kind "features" in an asset's perceptual
// fingerprints): unpadded standard base64 of
//
//	byte    version (3; version 1 has no thumbnail, version 2 no colour grid)
//	uint16  frame width, frame height (big-endian, 1..FeatureSide)
//	uint16  number of keypoints (0..MaxStoredFeatures)
//	per keypoint, 38 bytes:
//	  uint16 x, y   position as a fraction of the picture, times 65535
//	  byte   level  pyramid level (0..7)
//	  byte   angle  orientation in 1/256 turns
//	  32 bytes      descriptor, as 4 little-endian uint64
//	1,024 bytes the thumbnail (ThumbSide x ThumbSide luma, row by row)
//	768 bytes   the colour grid (ColorSide x ColorSide cells of R, G, B,
//	            row by row)
//
// 192 keypoints take 9,095 bytes, 12,127 characters of base64. Features
// parsed from a version 2 blob (no Color) are written back as version 2.

const (
	featuresVersion   = 3
	featuresHeader    = 7
	featurePointBytes = 38
	// MaxStoredFeatures bounds the keypoints a stored blob may hold.
	MaxStoredFeatures = 4096
	colorBytes        = ColorSide * ColorSide * 3
)

// MarshalBinary encodes f in the stored form (without base64).
func (f *Features) MarshalBinary() ([]byte, error) {
	if len(f.Points) > MaxStoredFeatures {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: %d keypoints, over the limit of %d", len(f.Points), MaxStoredFeatures)
	}
	if f.Width < 1 || f.Width > FeatureSide || f.Height < 1 || f.Height > FeatureSide {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: frame %dx%d out of range", f.Width, f.Height)
	}
	if len(f.Thumb) != ThumbSide*ThumbSide {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: thumbnail of %d bytes, want %d", len(f.Thumb), ThumbSide*ThumbSide)
	}
	version := byte(featuresVersion)
	switch len(f.Color) {
	case 0:
		version = 2
	case colorBytes:
	default:
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: colour grid of %d bytes, want %d", len(f.Color), colorBytes)
	}
	b := make([]byte, featuresHeader, featuresHeader+featurePointBytes*len(f.Points)+len(f.Thumb)+len(f.Color))
	b[0] = version
	binary.BigEndian.PutUint16(b[1:], uint16(f.Width))
	binary.BigEndian.PutUint16(b[3:], uint16(f.Height))
	binary.BigEndian.PutUint16(b[5:], uint16(len(f.Points)))
	for _, p := range f.Points {
		b = binary.BigEndian.AppendUint16(b, fracToU16(p.X))
		b = binary.BigEndian.AppendUint16(b, fracToU16(p.Y))
		b = append(b, p.Level, p.Angle)
		for _, d := range p.Desc {
			b = binary.LittleEndian.AppendUint64(b, d)
		}
	}
	return append(append(b, f.Thumb...), f.Color...), nil
}

func fracToU16(v float32) uint16 {
	return uint16(math.Round(float64(min(max(v, 0), 1)) * 65535))
}

// String returns the stored form: base64 of MarshalBinary, or "" when f
// cannot be encoded.
func (f *Features) String() string {
	b, err := f.MarshalBinary()
	if err != nil {
		return ""
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

// UnmarshalBinary decodes the stored form (without base64). Errors have
// code sleuth.fingerprint.invalid.
func (f *Features) UnmarshalBinary(b []byte) error {
	bad := func(format string, args ...any) error {
		return sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: "+format, args...)
	}
	if len(b) < featuresHeader {
		return bad("%d bytes, shorter than the header", len(b))
	}
	thumb, color := 0, 0
	switch b[0] {
	case 1:
	case 2:
		thumb = ThumbSide * ThumbSide
	case 3:
		thumb, color = ThumbSide*ThumbSide, colorBytes
	default:
		return bad("unknown version %d", b[0])
	}
	w, h := int(binary.BigEndian.Uint16(b[1:])), int(binary.BigEndian.Uint16(b[3:]))
	n := int(binary.BigEndian.Uint16(b[5:]))
	if w < 1 || w > FeatureSide || h < 1 || h > FeatureSide {
		return bad("frame %dx%d out of range", w, h)
	}
	if n > MaxStoredFeatures {
		return bad("%d keypoints, over the limit of %d", n, MaxStoredFeatures)
	}
	if want := featuresHeader + n*featurePointBytes + thumb + color; len(b) != want {
		return bad("%d bytes for %d keypoints, want %d", len(b), n, want)
	}
	pts := make([]Keypoint, n)
	for i := range pts {
		o := b[featuresHeader+i*featurePointBytes : featuresHeader+(i+1)*featurePointBytes]
		p := &pts[i]
		p.X = float32(binary.BigEndian.Uint16(o)) / 65535
		p.Y = float32(binary.BigEndian.Uint16(o[2:])) / 65535
		p.Level, p.Angle = o[4], o[5]
		if p.Level > 7 {
			return bad("keypoint %d: level %d over 7", i, p.Level)
		}
		for k := range p.Desc {
			p.Desc[k] = binary.LittleEndian.Uint64(o[6+8*k:])
		}
	}
	*f = Features{Width: w, Height: h, Points: pts}
	if thumb > 0 {
		f.Thumb = bytes.Clone(b[len(b)-thumb-color : len(b)-color])
	}
	if color > 0 {
		f.Color = bytes.Clone(b[len(b)-color:])
	}
	return nil
}

// ParseFeatures decodes the stored form (base64). Errors have code
// sleuth.fingerprint.invalid.
func ParseFeatures(s string) (*Features, error) {
	if len(s) > base64.RawStdEncoding.EncodedLen(featuresHeader+MaxStoredFeatures*featurePointBytes+ThumbSide*ThumbSide+colorBytes) {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: %d characters, over the limit", len(s))
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "features: not base64: %w", err)
	}
	f := new(Features)
	if err := f.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return f, nil
}
