// Package phishing finds links to phishing sites in NFT metadata.
//
// It has three parts:
//
//   - Detector (detector.go) is a faithful port of MetaMask's
//     eth-phishing-detect (src/detector.js of the npm package): a domain is
//     safe when it or a parent domain is on the whitelist, phishing when it
//     or a parent is on the blacklist, and phishing when, with its top-level
//     label and one "www." removed, it is within the configuration's
//     Levenshtein tolerance of a fuzzylist domain treated the same way.
//     Both configuration forms are supported: the legacy single
//     configuration (config.json: whitelist, blacklist, fuzzylist,
//     tolerance) and the current list of named configurations.
//   - Lists (lists.go) are the data: a snapshot of the package's
//     src/config.json is embedded in the binary (data/config.json.gz, the
//     version and date in data/SOURCE); `sleuth phishing update FILE`
//     installs a newer one in the data directory, which Load then prefers.
//   - Scanner (scan.go) extracts every URL and bare domain from a token's
//     name, description, attributes, external_url and animation_url
//     (extract.go), checks each domain with the Detector, and adds Sleuth's
//     own lure patterns (lure.go): a claim / airdrop / reward / mint-now
//     wording next to a link in the same field, and punycode (xn--) domains
//     whose Unicode form is a look-alike of a whitelisted or fuzzylist
//     domain.
//
// Everything here is pure and deterministic: no I/O except Load and Install,
// which read and write the lists file.
package phishing
