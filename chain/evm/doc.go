// Package evm indexes the NFTs of one contract on an EVM chain (Ethereum,
// Polygon, Base, a devnet...) through any JSON-RPC provider, and hands each
// token to an ingest.Pipeline, which resolves its metadata and media.
//
// An Ingester reads the contract's ERC-721 Transfer and ERC-1155
// TransferSingle / TransferBatch logs with eth_getLogs in pages of blocks,
// detects the standard with ERC-165 supportsInterface, reads name() and
// symbol() into the collection record, and for every token touched in a
// page calls tokenURI (ERC-721) or uri (ERC-1155, "{id}" replaced by the
// id as 64 lower-case hex digits) and ownerOf (ERC-721) or balanceOf
// (ERC-1155), in JSON-RPC batches of up to 100 calls. Mint block times come
// from eth_getBlockByNumber, once per block.
//
// # Records
//
// Each token becomes a sleuth.NFTRecord:
//
//   - Chain "eip155:<chain id>"; Contract the lower-case 0x address;
//     TokenID the decimal token id; NFTSpec "erc721" or "erc1155".
//   - Creator is the minter, taken as the recipient of the mint: the "to"
//     address of the first transfer from the zero address. (The
//     transaction sender may be a marketplace or a relayer; the first
//     holder is the account the token was created for. Reading the
//     sender would also cost one more call per token.)
//   - CreatedAt is the timestamp of the mint block. Tokens whose mint is
//     before the first block scanned keep an empty Creator and CreatedAt
//     unless the store already has them.
//   - CurrentOwner: ERC-721 ownerOf at the latest block (the zero address
//     for a burned token); ERC-1155, whose tokens may have many holders,
//     the recipient of the latest transfer while it still holds a balance.
//   - TokenURI as the contract returns it; Metadata, ImageURL,
//     AnimationURL and AssetCids are filled by the pipeline.
//
// # Resuming and provider limits
//
// After every page the last block of the page is written as the
// checkpoint of (chain, contract) (sleuth.CheckpointStore), only once
// every record of the page is stored. A restart resumes after the
// checkpoint; a re-run over blocks already done stores nothing twice (the
// pipeline skips complete, unchanged records). Transient failures
// (network, HTTP 429 and 5xx, rate-limit answers) are retried with
// exponential backoff (250 ms doubling to 5 s, 5 retries). A provider that
// refuses a range ("query returned more than 10000 results", "block range
// too large", a response over 64 MiB...) gets the same range in halves,
// down to one block; the page grows back after each page that passes.
// With Follow the Ingester polls for new blocks every PollInterval until
// its context ends.
//
// Contract answers are decoded by hand (DecodeString, DecodeLog...),
// bounded (strings up to 8 MiB, 10000 ids per TransferBatch) and fuzzed.
package evm
