package api

// The stolen registry: tokens reported stolen, listed, and resolved by an
// administrator, each change kept in an audit trail. Keys with the report
// scope report and read; only admin keys resolve (docs/SCAM.md).

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/report"
)

// Limits of stolen reports.
const (
	maxStolenNote = 4000 // characters of a note
	maxStolenTx   = 200  // characters of a transaction hash
)

// Resolutions an administrator may give.
var stolenResolutions = map[string]bool{"recovered": true, "false_report": true, "duplicate": true, "other": true}

// stolenKey reads the token of a stolen report: chain, contract and
// token_id; for Solana token_address (the mint) with an optional
// contract (the collection; the mint itself when not given).
func stolenKey(in *input) (sleuth.NFTKey, error) {
	var k sleuth.NFTKey
	chain, err := in.firstStr("chain")
	if err != nil {
		return k, err
	}
	contract, err := in.firstStr("contract", "address")
	if err != nil {
		return k, err
	}
	token, err := in.firstStr("token_id", "tokenId")
	if err != nil {
		return k, err
	}
	mint, err := in.firstStr("token_address", "tokenAddress", "mint")
	if err != nil {
		return k, err
	}
	if chain == "" && contract == "" && token == "" && mint == "" {
		return k, sleuth.Errorf(CodeNoInput, "no input: give chain + contract + token_id, or token_address (a Solana mint)")
	}
	if chain == "" {
		return k, sleuth.Errorf(report.CodeBadInput, "chain is required (ethereum, polygon, solana, an EVM chain id or a CAIP-2 id)")
	}
	if chain, err = report.ParseChain(chain); err != nil {
		return k, err
	}
	if strings.HasPrefix(chain, "solana:") {
		if token == "" {
			token = mint
		}
		if contract == "" {
			contract = token
		}
	}
	if contract == "" || token == "" {
		return k, sleuth.Errorf(report.CodeBadInput, "a token needs chain, contract and token_id")
	}
	if len(contract) > 200 || len(token) > 200 {
		return k, sleuth.Errorf(report.CodeBadInput, "contract or token_id over 200 bytes")
	}
	return sleuth.NFTKey{Chain: chain, Contract: sleuth.NormalizeContract(contract), TokenID: token}, nil
}

// textParam reads a free-text parameter of at most max characters.
func textParam(in *input, name string, max int) (string, error) {
	v, err := in.str(name)
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > max {
		return "", sleuth.Errorf(sleuth.CodeBadRequest, "%s is over %d characters", name, max)
	}
	return v, nil
}

// actor is who the caller is, for the audit trail.
func actor(c *call) sleuth.Actor {
	return sleuth.Actor{AccountID: c.key.AccountID, KeyID: c.key.ID}
}

// redact hides the accounts and keys of other accounts from a caller
// without the admin scope: reporters see their own actions in full, and
// only the fact of the others.
func redact(r *sleuth.StolenReport, c *call) *sleuth.StolenReport {
	if c.key.Has(sleuth.ScopeAdmin) {
		return r
	}
	out := *r
	mine := func(a sleuth.Actor) bool { return a.AccountID == c.key.AccountID }
	if !mine(out.ReportedBy) {
		out.ReportedBy = sleuth.Actor{}
	}
	if out.ResolvedBy != nil && !mine(*out.ResolvedBy) {
		out.ResolvedBy = &sleuth.Actor{}
	}
	if out.Events != nil {
		out.Events = append([]sleuth.StolenEvent(nil), r.Events...)
		for i := range out.Events {
			if !mine(out.Events[i].Actor) {
				out.Events[i].Actor = sleuth.Actor{}
			}
		}
	}
	return &out
}

// stolenReported is the answer to a report.
type stolenReported struct {
	*sleuth.StolenReport
	// Created is false when the token already had an open report, which
	// this report joined.
	Created bool `json:"created"`
}

// handleReportStolen answers POST /v1/stolen: {chain, contract, token_id
// (or token_address for a Solana mint), note, tx_hash}. 201 with the new
// report, or 200 with the open report this one joined.
func (s *Server) handleReportStolen(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	defer in.close()
	k, err := stolenKey(in)
	if err != nil {
		return err
	}
	note, err := textParam(in, "note", maxStolenNote)
	if err != nil {
		return err
	}
	tx, err := textParam(in, "tx_hash", maxStolenTx)
	if err != nil {
		return err
	}
	rep := &sleuth.StolenReport{Chain: k.Chain, Contract: k.Contract, TokenID: k.TokenID, Note: note, TxHash: tx}
	created, err := s.eng.Store().ReportStolen(r.Context(), rep, actor(c))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, stolenReported{StolenReport: redact(rep, c), Created: created})
	return nil
}

// handleListStolen answers GET /v1/stolen?chain=&contract=&token_id=
// &status=&after=&limit=: reports in ID order; next_after pages on.
func (s *Server) handleListStolen(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f := sleuth.StolenFilter{Contract: sleuth.NormalizeContract(q.Get("contract")), TokenID: strings.TrimSpace(q.Get("token_id")),
		Status: q.Get("status")}
	if ch := strings.TrimSpace(q.Get("chain")); ch != "" {
		chain, err := report.ParseChain(ch)
		if err != nil {
			return err
		}
		f.Chain = chain
	}
	if f.Status != "" && f.Status != sleuth.StolenOpen && f.Status != sleuth.StolenResolved {
		return sleuth.Errorf(sleuth.CodeBadRequest, "status must be %s or %s", sleuth.StolenOpen, sleuth.StolenResolved)
	}
	for _, p := range []struct {
		name string
		dst  *int64
		max  int64
	}{{"after", (*int64)(&f.After), 1 << 62}, {"limit", nil, 1000}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > p.max {
			return sleuth.Errorf(sleuth.CodeBadRequest, "%s must be an integer from 0 to %d", p.name, p.max)
		}
		if p.dst != nil {
			*p.dst = n
		} else {
			f.Limit = int(n)
		}
	}
	rs, err := s.eng.Store().ListStolen(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]*sleuth.StolenReport, 0, len(rs))
	for _, x := range rs {
		out = append(out, redact(x, c))
	}
	resp := map[string]any{"reports": out}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if len(rs) == limit {
		resp["next_after"] = rs[len(rs)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func stolenID(r *http.Request) (sleuth.StolenID, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, sleuth.Errorf(sleuth.CodeStolenNotFound, "stolen report %q not found", r.PathValue("id"))
	}
	return sleuth.StolenID(id), nil
}

// handleGetStolen answers GET /v1/stolen/{id}: the report and its audit
// trail.
func (s *Server) handleGetStolen(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := stolenID(r)
	if err != nil {
		return err
	}
	rep, err := s.eng.Store().StolenReport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, redact(rep, c))
	return nil
}

// handleResolveStolen answers POST /v1/stolen/{id}/resolve (admin):
// {resolution: recovered | false_report | duplicate | other, note}. 409
// when the report is not open.
func (s *Server) handleResolveStolen(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := stolenID(r)
	if err != nil {
		return err
	}
	in, err := s.parseInput(r)
	if err != nil {
		return err
	}
	defer in.close()
	resolution, err := textParam(in, "resolution", 64)
	if err != nil {
		return err
	}
	if !stolenResolutions[resolution] {
		return sleuth.Errorf(sleuth.CodeBadRequest, "resolution must be recovered, false_report, duplicate or other (got %q)", resolution)
	}
	note, err := textParam(in, "note", maxStolenNote)
	if err != nil {
		return err
	}
	rep, err := s.eng.Store().ResolveStolen(r.Context(), id, resolution, note, actor(c))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
