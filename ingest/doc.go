// Package ingest completes NFT records read from a chain (or a file) and
// stores them: it resolves each token's metadata JSON, fetches the media it
// points to through the safe fetcher, fingerprints and registers that media
// as assets, links the assets to the record (AssetCids) and writes the
// record. Chain readers (chain/evm, chain/solana, chain/jsonl) produce
// records; a Pipeline finishes them.
//
// # Metadata
//
// When a record has no Metadata and has a TokenURI, the TokenURI is
// resolved: ipfs:// (and the other IPFS spellings fetch.Normalize accepts),
// ar://, https:// (http:// when the fetcher allows it), data: URIs (base64
// or percent-encoded, application/json or text/plain), and on-chain JSON
// (a TokenURI that is itself a JSON object). The document must be a JSON
// object of at most MaxMetadataBytes. From it come ImageURL ("image", else
// "image_url", else "image_data": an inline SVG document, kept as a
// data:image/svg+xml;base64 URI) and AnimationURL ("animation_url"), unless
// the record already has them.
//
// # Media and the cache
//
// ImageURL and AnimationURL are fetched through the Fetcher (never any
// other way), registered with engine.Register (an image is fingerprinted in
// full; other media, such as video, get exact fingerprints only), and their
// Nids become AssetCids, image first. When Options.CacheDir is set, fetched
// bytes are kept there by Nid (CacheDir/blobs/<nid>) and every URL is
// mapped to the Nid of its bytes (CacheDir/urls/<sha256 of the URL>), so a
// URL is fetched once: media URLs of NFTs are treated as immutable (ipfs://
// and ar:// are by construction; delete the cache to fetch https:// URLs
// again).
//
// # Failures
//
// Media or metadata that cannot be fetched or decoded is not fatal: the
// record is stored with what was resolved (AssetCids holds the media that
// succeeded), and the failure is listed in Result (MetadataErr, and Err of
// each Media entry) and counted in Stats.Failed. A later run retries it,
// because a record is only skipped when it is complete (see Record).
// Record returns an error only when the record cannot be stored or ctx
// ends.
package ingest
