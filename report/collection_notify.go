package report

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/jobs"
)

// SignatureHeader carries a webhook's signature:
//
//	Sleuth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//
// keyed with the server's configured webhook secret, or the report's own
// secret (returned once as webhook_secret when the report is requested).
const SignatureHeader = "Sleuth-Signature"

// Defaults of NotifierConfig.
const (
	DefaultWebhookAttempts = 5
	DefaultWebhookBackoff  = 2 * time.Second
	DefaultWebhookTimeout  = 10 * time.Second
)

// SMTPConfig is where emails go. Host empty: no email.
type SMTPConfig struct {
	Host     string
	Port     int // 587 when 0
	From     string
	User     string // with Password, PLAIN auth (only over TLS or to localhost)
	Password string
}

// NotifierConfig configures a Notifier. Zero fields take the defaults.
type NotifierConfig struct {
	// Secret signs every webhook; "" signs each with its report's own
	// secret.
	Secret string
	// Transport makes the webhook's connections: the fetcher's
	// (fetch.Fetcher.Transport), so that webhooks obey the same address
	// policy (no loopback or private address unless the fetcher allows it).
	// Required for webhooks.
	Transport http.RoundTripper
	// Attempts bounds the deliveries of one webhook (5); Backoff is the
	// wait after the first failure, doubled after each (2 s); Timeout
	// bounds one attempt (10 s).
	Attempts int
	Backoff  time.Duration
	Timeout  time.Duration
	SMTP     SMTPConfig
}

// Notifier tells the requester that a collection report is done: a signed
// webhook and an email.
type Notifier struct {
	cfg    NotifierConfig
	client *http.Client
}

// NewNotifier returns a Notifier for cfg.
func NewNotifier(cfg NotifierConfig) *Notifier {
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultWebhookAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultWebhookBackoff
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	if cfg.SMTP.Port == 0 {
		cfg.SMTP.Port = 587
	}
	n := &Notifier{cfg: cfg}
	if cfg.Transport != nil {
		n.client = &http.Client{
			Transport: cfg.Transport,
			Timeout:   cfg.Timeout,
			// A webhook answers where it was sent; redirects are not followed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return n
}

// OwnSecrets reports whether each report signs with its own secret (no
// configured secret).
func (n *Notifier) OwnSecrets() bool { return n == nil || n.cfg.Secret == "" }

// Notify sends the webhook (with retries) and the email of a finished
// report, recording every attempt as a job event. Failures are recorded,
// not returned: the report itself is done.
func (n *Notifier) Notify(ctx context.Context, w *jobs.Work, p CollectionRequest, status *CollectionStatus) {
	body, err := json.Marshal(status)
	if err != nil {
		w.Event(ctx, "webhook", false, "encoding: "+err.Error())
		return
	}
	if p.WebhookURL != "" {
		secret := n.cfg.Secret
		if secret == "" {
			secret = webhookSecret(w.Job)
		}
		n.deliver(ctx, w, p.WebhookURL, secret, body)
	}
	if p.Email != "" {
		if n.cfg.SMTP.Host == "" {
			w.Event(ctx, "email", false, "no SMTP server configured")
			return
		}
		err := n.email(p.Email, status, body)
		detail := "sent to " + p.Email
		if err != nil {
			detail = err.Error()
		}
		w.Event(ctx, "email", err == nil, detail)
	}
}

// deliver POSTs body to target until a 2xx answer or Attempts tries,
// waiting Backoff, 2*Backoff, ... between them.
func (n *Notifier) deliver(ctx context.Context, w *jobs.Work, target, secret string, body []byte) {
	if n.client == nil {
		w.Event(ctx, "webhook", false, "webhooks are not configured on this server")
		return
	}
	wait := n.cfg.Backoff
	for attempt := 1; attempt <= n.cfg.Attempts; attempt++ {
		err := n.post(ctx, target, secret, body, fmt.Sprintf("%d-%d", w.Job.ID, attempt))
		detail := fmt.Sprintf("attempt %d: ", attempt)
		if err == nil {
			w.Event(ctx, "webhook", true, detail+"delivered to "+target)
			return
		}
		w.Event(ctx, "webhook", false, detail+err.Error())
		if attempt == n.cfg.Attempts {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (n *Notifier) post(ctx context.Context, target, secret string, body []byte, delivery string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Sleuth-Webhook")
	req.Header.Set("Sleuth-Event", "collection_report.done")
	req.Header.Set("Sleuth-Delivery", delivery)
	req.Header.Set(SignatureHeader, Sign(secret, time.Now(), body))
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// Sign returns the Sleuth-Signature value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a Sleuth-Signature header against body: the HMAC must
// match, and its time be within tolerance of now (0: not checked).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("malformed signature header")
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return errors.New("signature timestamp outside tolerance")
		}
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("signature mismatch")
}

// Announce emails the requester, when the report starts, the URL where
// its progress can be followed (as aiRight does). The attempt is recorded;
// without an email address or an SMTP server nothing is sent or recorded.
func (n *Notifier) Announce(ctx context.Context, w *jobs.Work, p CollectionRequest, s *CollectionStatus) {
	if p.Email == "" || n.cfg.SMTP.Host == "" {
		return
	}
	text := fmt.Sprintf("Sleuth is checking every token of %s %s (%d indexed).\r\n\r\nFollow the report as it runs: %s\r\n"+
		"Another email will bring the full report when it is done.\r\n", s.Chain, s.Contract, s.Progress.Total, s.URL)
	err := n.send(p.Email, fmt.Sprintf("Sleuth collection report %s: started", s.ID), text, nil)
	detail := "started: sent to " + p.Email
	if err != nil {
		detail = "started: " + err.Error()
	}
	w.Event(ctx, "email", err == nil, detail)
}

// email sends the finished report's summary and URL, with the full report
// attached as JSON.
func (n *Notifier) email(to string, s *CollectionStatus, body []byte) error {
	var text bytes.Buffer
	fmt.Fprintf(&text, "The collection report of %s %s is %s.\r\n\r\n", s.Chain, s.Contract, s.Status)
	fmt.Fprintf(&text, "Tokens checked: %d of %d (total supply %d)\r\n", s.NumberVerified, s.Progress.Total, s.TotalSupply)
	fmt.Fprintf(&text, "Red flags: %d\r\nConsider: %d\r\nReliable: %d\r\n\r\n", s.Summary.Red.Number, s.Summary.Consider.Number, s.Summary.Reliable.Number)
	fmt.Fprintf(&text, "Report: %s\r\nThe full report is attached (report.json).\r\n", s.URL)
	return n.send(to, fmt.Sprintf("Sleuth collection report %s: %s", s.ID, s.Status), text.String(), body)
}

// send sends one message through the configured SMTP server.
func (n *Notifier) send(to, subject, text string, attachment []byte) error {
	c := n.cfg.SMTP
	msg, err := emailMessage(c.From, to, subject, text, attachment)
	if err != nil {
		return err
	}
	var auth smtp.Auth
	if c.User != "" {
		auth = smtp.PlainAuth("", c.User, c.Password, c.Host)
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	if err := smtp.SendMail(addr, auth, c.From, []string{to}, msg); err != nil {
		return sleuth.Errorf(sleuth.CodeInternal, "smtp %s: %w", addr, err)
	}
	return nil
}

// emailMessage builds the MIME message: a text part and, when attachment
// is set, report.json.
func emailMessage(from, to, subject, text string, attachment []byte) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", to)
	h("Subject", subject)
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("MIME-Version", "1.0")
	h("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	buf.WriteString("\r\n")
	tp, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	if err != nil {
		return nil, err
	}
	io.WriteString(tp, text)
	if attachment != nil {
		att, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {"application/json"},
			"Content-Disposition":       {`attachment; filename="report.json"`},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(attachment)
		for len(enc) > 76 {
			io.WriteString(att, enc[:76]+"\r\n")
			enc = enc[76:]
		}
		io.WriteString(att, enc+"\r\n")
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
