// Package fingerprint computes every fingerprint Sleuth keeps for a file.
//
// Exact fingerprints come from the file's bytes: the Nid (package cid),
// sha256 and BLAKE3 (256-bit). Pixel fingerprints come from the canonical
// picture that package imaging decodes (upright, alpha flattened over
// white):
//
//   - pixel_sha256: sha256 of the 8-byte header width, height (each a
//     big-endian uint32) followed by the RGBA bytes row by row, top to
//     bottom (alpha is always 255). Two files with the same pixels have the
//     same digest whatever their format or metadata.
//   - PDQ: Meta's 256-bit perceptual hash with its quality metric (0..100,
//     below 50 means the hash should not be trusted alone) and the hashes of
//     the 8 dihedral transforms of the picture, derived from the DCT.
//   - pHash: a 64-bit DCT hash; see PHash for the exact variant.
//
// For the edited-copy tier, on request (Options.Trim, Options.Features):
//
//   - the PDQ of the picture inside a uniform border (TrimBorders, TrimOf;
//     kind KindTrimmedPDQ when stored);
//   - local features (ExtractFeatures): ORB-like keypoints with 256-bit
//     rotated BRIEF descriptors and a 32x32 luma thumbnail, stored as a
//     base64 blob of kind KindFeatures (ParseFeatures reads it back);
//     for a query (Options.Captions, ExtractQueryFeatures) also the
//     captions written over the picture (Features.Captions), not stored;
//   - for a query (Options.Speckles), whether it looks sprinkled with salt
//     and pepper (Pixels.Speckled, Speckled), not stored; DespeckledBytes
//     then fingerprints it with its speckles taken out (Despeckle).
//
// All fingerprints are comparable value types with String and Parse
// functions, usable as map keys. Every function here is pure apart from
// reading the file it is given.
package fingerprint
