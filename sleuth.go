// Package sleuth is the vocabulary of Sleuth, a self-hosted engine that finds
// copies of digital art wherever they were minted or published.
//
// This root package holds the domain types and the errors that every other
// package speaks; it has no dependencies beyond the standard library. The
// packages beside it each do one job:
//
//   - cid: the Nid of a file (Kubo's CIDv1 for `ipfs add --cid-version=1`), streamed.
//   - imaging: content sniffing and decoding of every supported image format,
//     EXIF orientation, alpha flattening and decompression-bomb limits.
//   - fingerprint: the fingerprints of a file and of its decoded pixels
//     (sha256, BLAKE3, pixel digest, PDQ with its dihedral variants, pHash).
//   - cmd/sleuth: the one binary; flags, configuration and wiring only.
//
// Data flows one way: media in, fingerprints, index, matches, verdicts,
// responses. See docs/ARCHITECTURE.md in the repository.
package sleuth
