// Package report turns matches into the verdicts users pay for.
//
// Finder (copies.go) is the shared core: for a query picture it returns the
// NFT records whose media are copies of it, best first, each with the match
// evidence. On top of it:
//
//   - the single-NFT report (nft*.go): aiRight's exact_match / near_exact /
//     semantic lists of tokens of other contracts, flag_red and
//     flag_consider, plus Sleuth's tier evidence and first use (which copy
//     was minted first);
//   - the collection report (collection*.go): the NFT report for every
//     token of a contract, summarised as red / consider / reliable, run as
//     a resumable background job (package jobs) that posts a signed webhook
//     and sends an email when done;
//   - the scam check (scam*.go).
//
// Everything here reads the store and the engine; nothing here writes
// assets or NFT records.
package report
