package report

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/jobs"
)

// KindCollection is the job kind of a collection report.
const KindCollection = "collection_report"

// Error codes of collection reports.
const (
	// CodeReportNotFound: no report has this id (or the secret part of the
	// id is wrong) (404).
	CodeReportNotFound = "sleuth.report.not_found"
	// CodeBadWebhook: webhook_url is not an http(s) URL the server may
	// call (400).
	CodeBadWebhook = "sleuth.report.bad_webhook"
	// CodeBadEmail: email is not one address (400).
	CodeBadEmail = "sleuth.report.bad_email"
)

// Verdicts of a token in a collection report.
const (
	VerdictRed      = "red"
	VerdictConsider = "consider"
	VerdictReliable = "reliable"
	// VerdictUnchecked: the token's media could not be read; it is not
	// counted in number_verified.
	VerdictUnchecked = "unchecked"
)

// Statuses of a collection report, as aiRight names them, plus failed.
const (
	StatusNA      = "N/A"
	StatusProcess = "process"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// pageSize is how many tokens the report reads from the store at a time.
const pageSize = 100

// CollectionRequest asks for the report of a contract.
type CollectionRequest struct {
	Chain      string `json:"chain"`
	Contract   string `json:"contract"`
	WebhookURL string `json:"webhook_url,omitempty"`
	Email      string `json:"email,omitempty"`
	// URL is where the report's status can be read; the API fills it in.
	URL string `json:"url,omitempty"`
}

// Submitted is the answer to a collection report request: a report to
// follow, or (for a verified collection) the verdict at once.
type Submitted struct {
	ID  string `json:"id,omitempty"`
	URL string `json:"url,omitempty"`
	// WebhookSecret signs this report's webhook (when the server has no
	// configured secret); it is shown once.
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// IsVerified and MarketName answer for a verified collection.
	IsVerified bool   `json:"isVerified,omitempty"`
	MarketName string `json:"marketName,omitempty"`
}

// Collections makes collection reports: Submit queues one, Run (a
// jobs.Handler for KindCollection) works on it, Status reads it.
type Collections struct {
	Reporter *Reporter
	Jobs     sleuth.JobStore
	// Notifier sends the webhook and the email when a report is done;
	// nil sends nothing.
	Notifier *Notifier
	// AllowHTTPWebhooks accepts http:// webhook URLs (https only
	// otherwise).
	AllowHTTPWebhooks bool
}

// collectionState is a report's running aggregate, committed with each
// token.
type collectionState struct {
	Red       int64 `json:"red"`
	Consider  int64 `json:"consider"`
	Reliable  int64 `json:"reliable"`
	Unchecked int64 `json:"unchecked"`
	// Announced: the start has been emailed (or there was nothing to
	// send). Checked: every token has been checked; Notified: the webhook and
	// email have been sent (or given up on).
	Announced bool `json:"announced"`
	Checked   bool `json:"checked"`
	Notified  bool `json:"notified"`
}

// TokenResult is one token's line in a collection report.
type TokenResult struct {
	TokenID string `json:"tokenId"`
	Verdict string `json:"verdict"`
	// Error says why an unchecked token could not be checked.
	Error string `json:"error,omitempty"`
	*NFTReport
}

// Submit validates req and queues its report for account, or answers at
// once for a verified collection. baseURL is the server's URL (the
// report's status URL is baseURL/v1/reports/collections/{id}).
//
// Errors: sleuth.report.bad_input without chain or contract;
// sleuth.report.bad_webhook; sleuth.report.bad_email;
// sleuth.collection.not_found when the index has neither the collection
// nor any of its tokens; the store's.
func (c *Collections) Submit(ctx context.Context, account sleuth.AccountID, req CollectionRequest, baseURL string, ownSecret bool) (*Submitted, error) {
	if strings.TrimSpace(req.Chain) == "" || strings.TrimSpace(req.Contract) == "" {
		return nil, sleuth.Errorf(CodeBadInput, "a collection report needs chain and contract")
	}
	chain, err := ParseChain(req.Chain)
	if err != nil {
		return nil, err
	}
	req.Chain, req.Contract = chain, NormalizeContract(req.Contract)
	if req.WebhookURL != "" {
		if err := checkWebhookURL(req.WebhookURL, c.AllowHTTPWebhooks); err != nil {
			return nil, err
		}
	}
	if req.Email != "" {
		a, err := mail.ParseAddress(req.Email)
		if err != nil || strings.ContainsAny(req.Email, "\r\n,;") {
			return nil, sleuth.Errorf(CodeBadEmail, "email %q is not one address", req.Email)
		}
		req.Email = a.Address
	}
	store := c.Reporter.Finder.Store
	col, err := store.Collection(ctx, req.Chain, req.Contract)
	if err != nil && sleuth.ErrorCode(err) != sleuth.CodeCollectionNotFound {
		return nil, err
	}
	if col != nil && col.Verified {
		return &Submitted{IsVerified: true, MarketName: col.MarketName}, nil
	}
	n, err := c.Jobs.CountContractNFTs(ctx, req.Chain, req.Contract)
	if err != nil {
		return nil, err
	}
	if n == 0 && col == nil {
		return nil, sleuth.Errorf(sleuth.CodeCollectionNotFound, "collection %s %s is not in the index (ingest it first)", req.Chain, req.Contract)
	}
	secret, err := randomString(8)
	if err != nil {
		return nil, err
	}
	j := &sleuth.Job{Kind: KindCollection, AccountID: account, Secret: secret, Total: n}
	// The job's id is known after it is created; the URL is filled in by
	// Status, and the params keep the base.
	req.URL = strings.TrimSuffix(baseURL, "/")
	if j.Params, err = json.Marshal(req); err != nil {
		return nil, err
	}
	if err := c.Jobs.CreateJob(ctx, j); err != nil {
		return nil, err
	}
	id := Ref(j)
	out := &Submitted{ID: id, URL: statusURL(req.URL, id)}
	if ownSecret && req.WebhookURL != "" {
		out.WebhookSecret = webhookSecret(j)
	}
	return out, nil
}

// Ref is a report's public id: the job id and its secret, "8-qw34rtab".
func Ref(j *sleuth.Job) string { return fmt.Sprintf("%d-%s", j.ID, j.Secret) }

// statusURL is where a report's status is read.
func statusURL(base, id string) string {
	return base + "/v1/reports/collections/" + id
}

// webhookSecret is the per-report secret: derived from the job's secret so
// that it is not stored twice.
func webhookSecret(j *sleuth.Job) string { return "whsec_" + j.Secret }

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", sleuth.Errorf(sleuth.CodeInternal, "random: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// checkWebhookURL accepts absolute https URLs (and http ones when allowed)
// without credentials. Where they may connect is checked when they are
// called (the fetcher's address policy).
func checkWebhookURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return sleuth.Errorf(CodeBadWebhook, "webhook_url %q is not an absolute URL without credentials", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowHTTP {
			return sleuth.Errorf(CodeBadWebhook, "webhook_url must be https")
		}
	default:
		return sleuth.Errorf(CodeBadWebhook, "webhook_url must be https, not %q", u.Scheme)
	}
	return nil
}

// job reads a report by its public id. Errors: sleuth.report.not_found.
func (c *Collections) job(ctx context.Context, ref string) (*sleuth.Job, error) {
	idStr, secret, ok := strings.Cut(strings.TrimSpace(ref), "-")
	id, err := strconv.ParseInt(idStr, 10, 64)
	notFound := sleuth.Errorf(CodeReportNotFound, "no collection report %q", ref)
	if !ok || err != nil || id <= 0 {
		return nil, notFound
	}
	j, err := c.Jobs.Job(ctx, sleuth.JobID(id))
	if sleuth.ErrorCode(err) == sleuth.CodeJobNotFound {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if j.Kind != KindCollection || j.Secret != secret {
		return nil, notFound
	}
	return j, nil
}

// Level is the reliable level of the summary: how many tokens, and their
// rate: Number over number_verified, in [0,1], four decimals.
type Level struct {
	Number int64   `json:"number"`
	Rate   float64 `json:"rate"`
}

// Bucket is a flagged level of the summary: a Level and its token ids, in
// the order checked (always a list, [] when none).
type Bucket struct {
	Level
	NFT []string `json:"nft"`
}

// Summary sorts the checked tokens.
type Summary struct {
	Red      Bucket `json:"red"`
	Consider Bucket `json:"consider"`
	Reliable Level  `json:"reliable"`
}

// Progress counts the tokens checked so far out of those indexed.
type Progress struct {
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
}

// CollectionStatus is aiRight's collection report, plus Sleuth's fields.
type CollectionStatus struct {
	ID             string  `json:"id"`
	URL            string  `json:"url"`
	Chain          string  `json:"chain"`
	Contract       string  `json:"contract"`
	Status         string  `json:"status"`
	TotalSupply    int64   `json:"total_supply"`
	NumberVerified int64   `json:"number_verified"`
	Summary        Summary `json:"summary"`
	// Detail has one entry per checked token (left out on request).
	Detail map[string]TokenResult `json:"detail,omitempty"`
	// Progress, Unchecked and Error are Sleuth's.
	Progress  Progress `json:"progress"`
	Unchecked []string `json:"unchecked,omitempty"`
	Error     string   `json:"error,omitempty"`
	// Notifications are the webhook deliveries and emails, each attempt.
	Notifications []sleuth.JobEvent `json:"notifications,omitempty"`
}

// Status reads a report by its public id, with the detail of each token
// when detail is set. Errors: sleuth.report.not_found; the store's.
func (c *Collections) Status(ctx context.Context, ref string, detail bool) (*CollectionStatus, error) {
	j, err := c.job(ctx, ref)
	if err != nil {
		return nil, err
	}
	return c.status(ctx, j, detail)
}

func (c *Collections) status(ctx context.Context, j *sleuth.Job, detail bool) (*CollectionStatus, error) {
	var p CollectionRequest
	if err := json.Unmarshal(j.Params, &p); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeInternal, "report %d: params: %w", j.ID, err)
	}
	var st collectionState
	if len(j.State) > 0 {
		if err := json.Unmarshal(j.State, &st); err != nil {
			return nil, sleuth.Errorf(sleuth.CodeInternal, "report %d: state: %w", j.ID, err)
		}
	}
	id := Ref(j)
	out := &CollectionStatus{
		ID: id, URL: statusURL(p.URL, id), Chain: p.Chain, Contract: p.Contract,
		Progress: Progress{Done: j.Done, Total: j.Total},
		Summary: Summary{
			Red:      Bucket{NFT: []string{}},
			Consider: Bucket{NFT: []string{}},
		},
	}
	switch {
	case j.Status == sleuth.JobFailed:
		out.Status, out.Error = StatusFailed, j.Error
	case j.Status == sleuth.JobDone || st.Checked:
		out.Status = StatusDone
	case j.Status == sleuth.JobQueued && j.Done == 0:
		out.Status = StatusNA
	default:
		out.Status = StatusProcess
	}
	out.TotalSupply = j.Total
	if col, err := c.Reporter.Finder.Store.Collection(ctx, p.Chain, p.Contract); err == nil && col.Supply > out.TotalSupply {
		out.TotalSupply = col.Supply
	}
	if detail {
		out.Detail = map[string]TokenResult{}
	}
	// The lists come from the committed items, in the order checked.
	var after int64
	for {
		items, err := c.Jobs.JobItems(ctx, j.ID, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			after = it.Seq
			var tr TokenResult
			if err := json.Unmarshal(it.Data, &tr); err != nil {
				return nil, sleuth.Errorf(sleuth.CodeInternal, "report %d item %s: %w", j.ID, it.Key, err)
			}
			switch tr.Verdict {
			case VerdictRed:
				out.Summary.Red.NFT = append(out.Summary.Red.NFT, tr.TokenID)
				out.Summary.Red.Number++
			case VerdictConsider:
				out.Summary.Consider.NFT = append(out.Summary.Consider.NFT, tr.TokenID)
				out.Summary.Consider.Number++
			case VerdictReliable:
				out.Summary.Reliable.Number++
			default:
				out.Unchecked = append(out.Unchecked, tr.TokenID)
				continue
			}
			if detail {
				out.Detail[tr.TokenID] = tr
			}
		}
	}
	evs, err := c.Jobs.JobEvents(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if e.Kind == "webhook" || e.Kind == "email" {
			out.Notifications = append(out.Notifications, e)
		}
	}
	out.NumberVerified = out.Summary.Red.Number + out.Summary.Consider.Number + out.Summary.Reliable.Number
	for _, b := range []*Level{&out.Summary.Red.Level, &out.Summary.Consider.Level, &out.Summary.Reliable} {
		if out.NumberVerified > 0 {
			b.Rate = math.Round(float64(b.Number)/float64(out.NumberVerified)*1e4) / 1e4
		}
	}
	return out, nil
}

// Run is the jobs.Handler of KindCollection: it checks the contract's
// tokens in token order from where the job stopped, committing each
// token's result with the running summary in one transaction, then sends
// the notifications once.
func (c *Collections) Run(ctx context.Context, w *jobs.Work) error {
	j := w.Job
	var p CollectionRequest
	if err := json.Unmarshal(j.Params, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("report %d: params: %w", j.ID, err))
	}
	var st collectionState
	if len(j.State) > 0 {
		if err := json.Unmarshal(j.State, &st); err != nil {
			return jobs.Permanent(fmt.Errorf("report %d: state: %w", j.ID, err))
		}
	}
	if !st.Announced {
		if c.Notifier != nil && p.Email != "" {
			status, err := c.status(ctx, w.Job, false)
			if err != nil {
				return err
			}
			c.Notifier.Announce(ctx, w, p, status)
		}
		st.Announced = true
		if err := c.commit(ctx, w, &st, nil); err != nil {
			return err
		}
	}
	for !st.Checked {
		page, err := c.Jobs.ContractNFTs(ctx, p.Chain, p.Contract, j.Cursor, pageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			st.Checked = true
			if err := c.commit(ctx, w, &st, nil); err != nil {
				return err
			}
			break
		}
		for _, rec := range page {
			tr, err := c.check(ctx, rec)
			if err != nil {
				return err
			}
			switch tr.Verdict {
			case VerdictRed:
				st.Red++
			case VerdictConsider:
				st.Consider++
			case VerdictReliable:
				st.Reliable++
			default:
				st.Unchecked++
			}
			if err := c.commit(ctx, w, &st, tr); err != nil {
				return err
			}
		}
	}
	if !st.Notified {
		if c.Notifier != nil {
			status, err := c.status(ctx, w.Job, true)
			if err != nil {
				return err
			}
			c.Notifier.Notify(ctx, w, p, status)
		}
		st.Notified = true
		if err := c.commit(ctx, w, &st, nil); err != nil {
			return err
		}
	}
	return nil
}

// commit writes the state and, when tr is set, one more token.
func (c *Collections) commit(ctx context.Context, w *jobs.Work, st *collectionState, tr *TokenResult) error {
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	p := sleuth.JobProgress{Total: w.Job.Total, Done: w.Job.Done, Cursor: w.Job.Cursor, State: state}
	if tr != nil {
		data, err := json.Marshal(tr)
		if err != nil {
			return err
		}
		p.Done++
		p.Total = max(p.Total, p.Done) // tokens indexed since the report began
		p.Cursor = tr.TokenID
		p.Items = []sleuth.JobItem{{Key: tr.TokenID, Data: data}}
	}
	return w.Commit(ctx, p)
}

// check makes one token's line. A token whose media cannot be read is
// unchecked; a failure of the store or the engine is returned (the job is
// retried).
func (c *Collections) check(ctx context.Context, rec *sleuth.NFTRecord) (*TokenResult, error) {
	rep, err := c.Reporter.Token(ctx, rec)
	if err != nil {
		switch sleuth.ErrorCode(err) {
		case sleuth.CodeInternal, sleuth.CodeStoreFailed:
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return &TokenResult{TokenID: rec.TokenID, Verdict: VerdictUnchecked, Error: err.Error()}, nil
	}
	return &TokenResult{TokenID: rec.TokenID, Verdict: Verdict(rep), NFTReport: rep}, nil
}

// Verdict sorts a token's report: red when flag_red, consider when
// flag_consider, reliable otherwise.
func Verdict(r *NFTReport) string {
	switch {
	case r.FlagRed:
		return VerdictRed
	case r.FlagConsider:
		return VerdictConsider
	}
	return VerdictReliable
}
