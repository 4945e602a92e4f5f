// Package contracts holds the Solidity test contracts of Sleuth and their
// compiled artefacts, embedded: SleuthERC721 (ERC-721 with metadata, each
// token its own URI) and SleuthERC1155 (ERC-1155 with a "{id}" URI
// template). The .sol files are the source; scripts/contracts rebuilds the
// .json artefacts from them with solc from npm at a pinned version. Package
// chain/chaintest deploys them on a simulated chain for tests and `sleuth
// devnet`.
package contracts

import (
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed *.json *.sol
var files embed.FS

// Artefact is one compiled contract as scripts/contracts writes it.
type Artefact struct {
	ContractName string          `json:"contractName"`
	Source       string          `json:"source"`
	Compiler     string          `json:"compiler"`
	EVMVersion   string          `json:"evmVersion"`
	ABI          json.RawMessage `json:"abi"`
	Bytecode     string          `json:"bytecode"` // creation code, 0x-prefixed hex
}

// Names of the contracts.
const (
	ERC721  = "SleuthERC721"
	ERC1155 = "SleuthERC1155"
)

// Load returns the artefact of the named contract.
func Load(name string) (*Artefact, error) {
	b, err := files.ReadFile(name + ".json")
	if err != nil {
		return nil, fmt.Errorf("contracts: %s: %w", name, err)
	}
	var a Artefact
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("contracts: %s: %w", name, err)
	}
	return &a, nil
}

// Source returns the Solidity source of the named contract.
func Source(name string) ([]byte, error) { return files.ReadFile(name + ".sol") }
