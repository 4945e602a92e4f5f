package report

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// SolanaMainnet is the CAIP-2 id of Solana's mainnet.
const SolanaMainnet = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"

// chainNames maps the chain names clients send (aiRight's "ethereum",
// "polygon", ...) to CAIP-2 ids, as the JSONL importer does.
var chainNames = map[string]string{
	"ethereum": "eip155:1", "eth": "eip155:1", "eth-mainnet": "eip155:1", "mainnet": "eip155:1",
	"polygon": "eip155:137", "matic": "eip155:137", "polygon-mainnet": "eip155:137",
	"optimism": "eip155:10", "arbitrum": "eip155:42161", "base": "eip155:8453",
	"bsc": "eip155:56", "avalanche": "eip155:43114", "zora": "eip155:7777777",
	"sepolia": "eip155:11155111",
	"solana":  SolanaMainnet, "sol": SolanaMainnet, "solana-mainnet": SolanaMainnet,
	"solana:mainnet": SolanaMainnet, "solana:mainnet-beta": SolanaMainnet,
}

var caip2 = regexp.MustCompile(`^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$`)

// ParseChain turns a chain as clients give it (a name such as "ethereum",
// an EVM chain id such as "137", or a CAIP-2 id) into the CAIP-2 id the
// index uses. Errors: sleuth.report.bad_input.
func ParseChain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if c, ok := chainNames[strings.ToLower(s)]; ok {
		return c, nil
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil && n > 0 {
		return "eip155:" + strconv.FormatUint(n, 10), nil
	}
	if caip2.MatchString(s) {
		if ref, ok := strings.CutPrefix(s, "eip155:"); ok {
			n, err := strconv.ParseUint(ref, 10, 64)
			if err != nil || n == 0 {
				return "", sleuth.Errorf(CodeBadInput, "chain %q: not a positive EVM chain id", s)
			}
			return "eip155:" + strconv.FormatUint(n, 10), nil
		}
		return s, nil
	}
	return "", sleuth.Errorf(CodeBadInput, "chain %q is neither a known chain name (ethereum, polygon, solana, ...), an EVM chain id nor a CAIP-2 id", s)
}

// NormalizeContract writes an EVM address (0x...) in lower case, as the
// index keeps it; other addresses (Solana's base58) are case-sensitive and
// kept as they are.
func NormalizeContract(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		return strings.ToLower(s)
	}
	return s
}
