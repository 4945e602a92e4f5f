package sleuth

import (
	"context"
	"strings"
	"time"
)

// StolenID identifies a report in the stolen registry.
type StolenID int64

// States of a stolen report.
const (
	// StolenOpen: reported and not resolved; the token is flagged STOLEN
	// by the scam check.
	StolenOpen = "open"
	// StolenResolved: an administrator closed the report (the token was
	// recovered, or the report was wrong); the token is no longer flagged.
	StolenResolved = "resolved"
)

// Actions recorded in a stolen report's audit trail.
const (
	StolenActionReport  = "report"  // a new report, or another report of a token already open
	StolenActionResolve = "resolve" // open -> resolved
)

// Actor is who did something: an account and the key it used ("" for an
// operator's local command).
type Actor struct {
	AccountID AccountID `json:"account_id"`
	KeyID     string    `json:"key_id,omitempty"`
}

// StolenReport is one entry of the stolen registry: a token reported
// stolen, its state, and (from StolenReport) every change made to it.
type StolenReport struct {
	ID       StolenID `json:"id"`
	Chain    string   `json:"chain"`
	Contract string   `json:"contract"`
	TokenID  string   `json:"token_id"`
	Status   string   `json:"status"`
	// Note is the first reporter's account of the theft; TxHash the theft
	// transaction when known.
	Note   string `json:"note,omitempty"`
	TxHash string `json:"tx_hash,omitempty"`
	// ReportedBy is the first reporter; Reports counts every report.
	ReportedBy Actor `json:"reported_by"`
	Reports    int   `json:"reports"`
	// Resolution says why a resolved report was closed ("recovered",
	// "false_report", ...).
	Resolution string     `json:"resolution,omitempty"`
	ResolvedBy *Actor     `json:"resolved_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// Events is the audit trail, oldest first; filled by
	// StolenStore.StolenReport, left empty in lists.
	Events []StolenEvent `json:"events,omitempty"`
}

// Key returns the reported token.
func (r *StolenReport) Key() NFTKey { return NFTKey{r.Chain, r.Contract, r.TokenID} }

// StolenEvent is one entry of a report's audit trail. Events are only
// ever appended.
type StolenEvent struct {
	ID       int64    `json:"id"`
	ReportID StolenID `json:"report_id"`
	Action   string   `json:"action"`
	// FromStatus is "" for the event that created the report.
	FromStatus string    `json:"from_status"`
	ToStatus   string    `json:"to_status"`
	Actor      Actor     `json:"actor"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
}

// StolenFilter selects reports. Empty fields match everything; Contract
// is compared exactly (normalise it with NormalizeContract first).
type StolenFilter struct {
	Chain, Contract, TokenID string
	// Status is StolenOpen, StolenResolved or "" for both.
	Status string
	// After and Limit page through the reports in ID order (Limit <= 0
	// means 100, capped at 1000).
	After StolenID
	Limit int
}

// NormalizeContract returns the form of a contract address that the
// stolen registry keeps and compares: EVM addresses (0x and 40 hex digits)
// in lower case, anything else (Solana's base58) as given, trimmed.
func NormalizeContract(c string) string {
	c = strings.TrimSpace(c)
	if len(c) == 42 && (c[:2] == "0x" || c[:2] == "0X") {
		for _, r := range c[2:] {
			if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
				return c
			}
		}
		return strings.ToLower(c)
	}
	return c
}

// StolenStore keeps the stolen registry.
type StolenStore interface {
	// ReportStolen records a report of r's token by who. When the token
	// has no open report, r is stored as a new open report (ID, Status,
	// ReportedBy, Reports, CreatedAt, UpdatedAt set) with a "report" event,
	// and created is true. When it has one, a "report" event with r.Note
	// is appended to that report, its Reports count grows, r is filled
	// from it and created is false. One transaction either way.
	// Errors: sleuth.store.invalid when Chain, Contract or TokenID is empty.
	ReportStolen(ctx context.Context, r *StolenReport, by Actor) (created bool, err error)
	// StolenReport returns a report with its events, or
	// sleuth.stolen.not_found.
	StolenReport(ctx context.Context, id StolenID) (*StolenReport, error)
	// OpenStolen returns the open report of a token (without events), or
	// sleuth.stolen.not_found when it has none.
	OpenStolen(ctx context.Context, k NFTKey) (*StolenReport, error)
	// ListStolen returns the reports f selects, in ID order, without
	// events.
	ListStolen(ctx context.Context, f StolenFilter) ([]*StolenReport, error)
	// ResolveStolen closes an open report with a resolution and note, and
	// appends a "resolve" event, in one transaction; it returns the report
	// with its events. Errors: sleuth.stolen.not_found;
	// sleuth.stolen.state when the report is not open (nothing changes);
	// sleuth.store.invalid for an empty resolution.
	ResolveStolen(ctx context.Context, id StolenID, resolution, note string, by Actor) (*StolenReport, error)
}

// TokenIndex finds tokens by their id alone. A Solana token is named by its
// mint address, unique on its chain whatever its collection, and the scam
// check is asked about a mint without its collection.
type TokenIndex interface {
	// NFTsByTokenID returns the records of chain whose TokenID is tokenID,
	// in any contract, oldest CreatedAt first (ties by contract); none (and
	// no error) for an unknown id.
	NFTsByTokenID(ctx context.Context, chain, tokenID string) ([]*NFTRecord, error)
}
