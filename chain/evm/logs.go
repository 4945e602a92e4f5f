package evm

import (
	"math/big"
	"strings"
)

// Log is an eth_getLogs entry, as JSON-RPC gives it.
type Log struct {
	Address     string   `json:"address"`
	Topics      []string `json:"topics"`
	Data        string   `json:"data"`
	BlockNumber string   `json:"blockNumber"`
	TxHash      string   `json:"transactionHash"`
	LogIndex    string   `json:"logIndex"`
	Removed     bool     `json:"removed"`
}

// Transfer is one token moving, decoded from a log. An ERC-1155
// TransferBatch gives one Transfer per id.
type Transfer struct {
	Spec     string // SpecERC721 or SpecERC1155
	Block    uint64
	LogIndex uint64
	From, To string // lower-case 0x addresses; ZeroAddress for a mint or burn
	// Operator is the sender of an ERC-1155 transfer; "" for ERC-721.
	Operator string
	TokenID  *big.Int
	// Value is the amount moved (1 for ERC-721).
	Value *big.Int
}

// NFT standards, as NFTRecord.NFTSpec spells them.
const (
	SpecERC721  = "erc721"
	SpecERC1155 = "erc1155"
)

// MaxBatchItems bounds the ids of one TransferBatch log.
const MaxBatchItems = 10000

// DecodeLog decodes an ERC-721 Transfer (four topics), an ERC-1155
// TransferSingle or an ERC-1155 TransferBatch log. Any other log, an
// ERC-20 Transfer (three topics) included, gives ErrNotNFTEvent; a log
// that claims to be one of these but is malformed gives an abi: error.
func DecodeLog(l *Log) ([]Transfer, error) {
	if len(l.Topics) == 0 {
		return nil, ErrNotNFTEvent
	}
	block, err := ParseQuantity(l.BlockNumber)
	if err != nil {
		return nil, err
	}
	idx, err := ParseQuantity(l.LogIndex)
	if err != nil {
		return nil, err
	}
	topics := make([][]byte, len(l.Topics))
	for i, t := range l.Topics {
		b, err := DecodeHex(t)
		if err != nil {
			return nil, err
		}
		if len(b) != 32 {
			return nil, errABI("topic %d: %d bytes, want 32", i, len(b))
		}
		topics[i] = b
	}
	data, err := DecodeHex(l.Data)
	if err != nil {
		return nil, err
	}
	addr := func(i int) (string, error) { return DecodeAddress(topics[i]) }
	switch strings.ToLower(l.Topics[0]) {
	case TopicTransfer:
		if len(l.Topics) != 4 {
			return nil, ErrNotNFTEvent // ERC-20: the amount is in data
		}
		t := Transfer{Spec: SpecERC721, Block: block, LogIndex: idx, Value: big.NewInt(1)}
		if t.From, err = addr(1); err != nil {
			return nil, err
		}
		if t.To, err = addr(2); err != nil {
			return nil, err
		}
		t.TokenID, _ = DecodeUint256(topics[3])
		return []Transfer{t}, nil
	case TopicTransferSingle, TopicTransferBatch:
		if len(l.Topics) != 4 {
			return nil, errABI("ERC-1155 transfer with %d topics, want 4", len(l.Topics))
		}
		base := Transfer{Spec: SpecERC1155, Block: block, LogIndex: idx}
		if base.Operator, err = addr(1); err != nil {
			return nil, err
		}
		if base.From, err = addr(2); err != nil {
			return nil, err
		}
		if base.To, err = addr(3); err != nil {
			return nil, err
		}
		if strings.ToLower(l.Topics[0]) == TopicTransferSingle {
			if len(data) != 64 {
				return nil, errABI("TransferSingle data: %d bytes, want 64", len(data))
			}
			t := base
			t.TokenID, _ = DecodeUint256(data[:32])
			t.Value, _ = DecodeUint256(data[32:])
			return []Transfer{t}, nil
		}
		ids, err := decodeUintArray(data, 0, MaxBatchItems)
		if err != nil {
			return nil, errABI("TransferBatch ids: %v", err)
		}
		values, err := decodeUintArray(data, 32, MaxBatchItems)
		if err != nil {
			return nil, errABI("TransferBatch values: %v", err)
		}
		if len(ids) != len(values) {
			return nil, errABI("TransferBatch: %d ids and %d values", len(ids), len(values))
		}
		out := make([]Transfer, len(ids))
		for i := range ids {
			out[i] = base
			out[i].TokenID, out[i].Value = ids[i], values[i]
		}
		return out, nil
	}
	return nil, ErrNotNFTEvent
}
