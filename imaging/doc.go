// Package imaging turns the bytes of any supported image file into one
// canonical picture: an opaque, upright *image.RGBA. Every fingerprint in
// Sleuth is computed from that picture, so two files that show the same
// pixels give the same pixel digest whatever their format.
//
// Supported formats, sniffed from content (never from a file name): JPEG
// (baseline, progressive, grayscale, CMYK/YCCK), PNG (all bit depths,
// palette, alpha), GIF (first frame), WebP (lossy, lossless, alpha), BMP,
// TIFF, SVG (rasterized), AVIF and HEIC.
//
// Canonicalisation, in this order:
//
//  1. Decode the first (or primary) image of the file.
//  2. Apply the EXIF orientation (tag 0x0112) found in a JPEG APP1 segment,
//     a PNG eXIf chunk, a WebP EXIF chunk or a TIFF's own first IFD. HEIC
//     and AVIF rotations (irot/imir boxes) are applied by their decoders.
//  3. Flatten alpha over opaque white: each channel becomes
//     c*a + 255*(1-a), computed on premultiplied 8-bit values (16-bit
//     sources are reduced to 8 bits first), so the result has alpha 255
//     everywhere. Transparent regions therefore read as white.
//  4. SVG documents are rasterized (before flattening) so that their longest
//     side is SVGSize pixels (default 1024), keeping the aspect ratio of the
//     viewBox, or of width and height when there is no viewBox. The
//     rasterizer ignores masks and fill-rule (every path is filled by the
//     nonzero rule): see docs/FINGERPRINTS.md.
//
// Limits are explicit (see Limits): the file size, the pixel count declared
// by the header (checked before any pixel buffer is allocated, which stops
// decompression bombs) and the size of SVG documents. Every failure is a
// *sleuth.Error with a stable code: sleuth.image.unsupported,
// sleuth.image.corrupt, sleuth.image.too_large, sleuth.image.empty or
// sleuth.file.too_large. Decoders never panic through this package: a panic
// inside a third-party decoder is recovered and reported as corrupt input.
package imaging
