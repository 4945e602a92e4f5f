// Package solana reads Metaplex NFTs from a Solana cluster over JSON-RPC
// and turns them into NFT records for ingest.Pipeline.
//
// It has what that needs and nothing more: base58 public keys and program
// derived addresses (find_program_address, with the ed25519 off-curve
// check done on math/big), a Borsh decoder of the Token Metadata account
// (DecodeMetadata), a JSON-RPC client with retries (Client), and a Reader
// that finds the metadata accounts of a mint, of a verified collection or
// of a first verified creator and builds their records.
//
// # Records
//
//   - chain: "solana:" + the first 32 characters of the cluster's genesis
//     hash (CAIP-2), read once with getGenesisHash; mainnet-beta is
//     "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp".
//   - contract: the verified collection's key (the collection NFT's mint)
//     when the metadata has one; otherwise the mint itself (a standalone
//     NFT is its own collection). An unverified collection claim is
//     ignored: anyone can write one.
//   - token_id: the mint address. nft_spec: "metaplex".
//   - creator: the first verified creator; empty when none is verified.
//   - token_uri: the metadata's uri, NUL padding removed; the Pipeline
//     fetches that JSON and its image.
//   - current_owner: the owner of the mint's largest token account with a
//     non-zero balance (getTokenLargestAccounts, then getAccountInfo of that
//     token account: 2 calls).
//   - created_at: the block time of the mint's oldest transaction signature
//     (getSignaturesForAddress, paged 1000 at a time back to the oldest).
//     A mint with more signatures than MaxSignaturePages × 1000 gets no
//     created_at rather than a wrong one, and so does a node that has
//     pruned the mint's first transactions (use an archive RPC).
//
// # Finding a collection
//
// getProgramAccounts cannot filter on a field that follows variable-length
// data, and the collection field of a Metadata account follows the
// creators (0 to 5 of 34 bytes each) and two optional one-byte fields.
// But the program pads name, symbol and uri to 32, 10 and 200 bytes, so
// every field has one of a few possible offsets. CollectionMembers asks for
// each possible position of the bytes [1 (Some), 1 (verified), key...]:
// offsets 326..328 without creators and 330+34·n..332+34·n with n
// creators, 21 filtered calls in all, each also filtered on the account
// key byte (MetadataV1). Every account returned is then decoded in full and
// kept only when its collection is the one asked for and verified, so a
// coincidental match at a wrong offset is dropped. Accounts whose strings
// are not padded (none made by the program's own instructions) are not
// found. CreatorMembers does the same with one call for the first
// creator's address and verified flag at offset 326.
//
// Public RPC endpoints often refuse getProgramAccounts on the Token
// Metadata program; use a provider that indexes it.
package solana

import "github.com/sleuthhq/sleuth"

// Stable error codes.
const (
	// CodeBadAddress: not a base58 Solana address.
	CodeBadAddress = "sleuth.solana.bad_address"
	// CodeBadAccount: account data that is not a valid Metadata account.
	CodeBadAccount = "sleuth.solana.bad_account"
	// CodeRPC: the JSON-RPC endpoint failed or answered an error (after
	// retries for transient failures).
	CodeRPC = "sleuth.solana.rpc"
	// CodeNotFound: the mint has no metadata account.
	CodeNotFound = "sleuth.solana.not_found"
)

// ErrNotFound is the sentinel of CodeNotFound, for errors.Is.
var ErrNotFound = &sleuth.Error{Code: CodeNotFound, Message: "metadata account not found"}

func short(s string) string {
	if len(s) > 64 {
		return s[:61] + "..."
	}
	return s
}
