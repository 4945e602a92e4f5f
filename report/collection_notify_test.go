package report

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth/fetch"
)

// hookServer records the webhooks it receives and fails the first
// `failures` of them with 500.
type hookServer struct {
	*httptest.Server
	mu       sync.Mutex
	failures int
	got      []hookCall
}

type hookCall struct {
	header http.Header
	body   []byte
}

func newHookServer(t *testing.T, failures int) *hookServer {
	h := &hookServer{failures: failures}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got = append(h.got, hookCall{r.Header.Clone(), b})
		if len(h.got) <= h.failures {
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func TestWebhook(t *testing.T) {
	e := openEnv(t)
	collectionFixture(e, 3, 2)
	hook := newHookServer(t, 2)
	c := e.collections()
	c.Notifier = NewNotifier(NotifierConfig{
		Transport: fetch.New(fetch.Config{AllowPrivate: true}).Transport(),
		Backoff:   time.Millisecond, Attempts: 4,
	})
	ctx := context.Background()
	sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xcopy", WebhookURL: hook.URL + "/hook"}, "http://sleuth.test", c.Notifier.OwnSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if sub.WebhookSecret == "" {
		t.Fatal("no webhook_secret returned")
	}
	runAll(t, newRunner(e, c))

	hook.mu.Lock()
	calls := append([]hookCall(nil), hook.got...)
	hook.mu.Unlock()
	if len(calls) != 3 {
		t.Fatalf("the hook got %d calls, want 3 (two failures, then success)", len(calls))
	}
	last := calls[2]
	sig := last.header.Get(SignatureHeader)
	if err := Verify(sub.WebhookSecret, sig, last.body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature %q does not verify: %v", sig, err)
	}
	if err := Verify("wrong", sig, last.body, time.Now(), 0); err == nil {
		t.Error("a wrong secret verifies")
	}
	if err := Verify(sub.WebhookSecret, sig, append(last.body, ' '), time.Now(), 0); err == nil {
		t.Error("a changed body verifies")
	}
	if err := Verify(sub.WebhookSecret, sig, last.body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Error("an old signature verifies within 5 minutes")
	}
	if last.header.Get("Content-Type") != "application/json" || last.header.Get("Sleuth-Event") != "collection_report.done" {
		t.Errorf("headers %v", last.header)
	}
	var body CollectionStatus
	if err := json.Unmarshal(last.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ID != sub.ID || body.Status != StatusDone || body.Summary.Red.Number != 2 || len(body.Detail) != 3 {
		t.Errorf("webhook body = %s", last.body)
	}
	st, err := c.Status(ctx, sub.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var oks []bool
	for _, n := range st.Notifications {
		if n.Kind == "webhook" {
			oks = append(oks, n.OK)
		}
	}
	if len(oks) != 3 || oks[0] || oks[1] || !oks[2] {
		t.Errorf("recorded deliveries = %+v", st.Notifications)
	}
}

// TestWebhookGuard: without AllowPrivate, a webhook to loopback is refused
// by the fetcher's address policy, and every attempt is recorded.
func TestWebhookGuard(t *testing.T) {
	e := openEnv(t)
	collectionFixture(e, 1, 1)
	hook := newHookServer(t, 0)
	c := e.collections()
	c.Notifier = NewNotifier(NotifierConfig{Transport: fetch.New(fetch.Config{}).Transport(), Backoff: time.Millisecond, Attempts: 2, Secret: "shared"})
	ctx := context.Background()
	sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xcopy", WebhookURL: hook.URL}, "http://x", c.Notifier.OwnSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if sub.WebhookSecret != "" {
		t.Error("a per-report secret was returned though the server has a shared one")
	}
	runAll(t, newRunner(e, c))
	if len(hook.got) != 0 {
		t.Fatalf("the loopback hook was called %d times", len(hook.got))
	}
	st, err := c.Status(ctx, sub.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != StatusDone || len(st.Notifications) != 2 || st.Notifications[0].OK || !strings.Contains(st.Notifications[0].Detail, "loopback") {
		t.Errorf("status = %s", mustJSON(t, st))
	}
}

// smtpServer is a tiny SMTP server (RFC 5321's commands, no extensions)
// that keeps the messages it receives.
type smtpServer struct {
	addr string
	mu   sync.Mutex
	msgs []smtpMessage
}

type smtpMessage struct {
	from string
	to   []string
	data []byte
}

func newSMTPServer(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 localhost test SMTP")
	var m smtpMessage
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		switch cmd {
		case "EHLO", "HELO":
			tp.PrintfLine("250 localhost")
		case "MAIL":
			m = smtpMessage{from: strings.TrimPrefix(line, "MAIL FROM:")}
			tp.PrintfLine("250 OK")
		case "RCPT":
			m.to = append(m.to, strings.TrimPrefix(line, "RCPT TO:"))
			tp.PrintfLine("250 OK")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.data = data
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			tp.PrintfLine("250 OK queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func TestEmail(t *testing.T) {
	e := openEnv(t)
	collectionFixture(e, 2, 1)
	srv := newSMTPServer(t)
	host, port, _ := net.SplitHostPort(srv.addr)
	portN, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	c := e.collections()
	c.Notifier = NewNotifier(NotifierConfig{SMTP: SMTPConfig{Host: host, Port: portN, From: "sleuth@example.com"}})
	ctx := context.Background()
	sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xcopy", Email: "ann@example.com"}, "http://sleuth.test", true)
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, newRunner(e, c))
	srv.mu.Lock()
	msgs := append([]smtpMessage(nil), srv.msgs...)
	srv.mu.Unlock()
	if len(msgs) != 2 {
		t.Fatalf("the SMTP server got %d messages, want 2 (started, done)", len(msgs))
	}
	started, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(string(msgs[0].data))))
	if err != nil {
		t.Fatal(err)
	}
	if sb, _ := io.ReadAll(started.Body); !strings.Contains(started.Header.Get("Subject"), "started") || !strings.Contains(string(sb), sub.URL) {
		t.Errorf("the first message does not announce the report: %s", msgs[0].data)
	}
	m := msgs[1]
	if m.from != "<sleuth@example.com>" || len(m.to) != 1 || m.to[0] != "<ann@example.com>" {
		t.Errorf("envelope from %q to %q", m.from, m.to)
	}
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(string(m.data))))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("To") != "ann@example.com" || !strings.Contains(msg.Header.Get("Subject"), sub.ID) {
		t.Errorf("headers %v", msg.Header)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	text, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := io.ReadAll(text)
	if !strings.Contains(string(tb), sub.URL) || !strings.Contains(string(tb), "Red flags: 1") {
		t.Errorf("text part: %s", tb)
	}
	att, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if att.FileName() != "report.json" {
		t.Errorf("attachment %q", att.FileName())
	}
	raw, _ := io.ReadAll(att) // multipart decodes quoted-printable only; base64 is ours to undo
	var body CollectionStatus
	dec := json.NewDecoder(base64Reader(string(raw)))
	if err := dec.Decode(&body); err != nil || body.ID != sub.ID || body.Summary.Red.Number != 1 {
		t.Errorf("attachment: %+v, %v", body, err)
	}
	st, err := c.Status(ctx, sub.ID, false)
	if err != nil || len(st.Notifications) != 2 || !st.Notifications[0].OK || !st.Notifications[1].OK ||
		st.Notifications[0].Kind != "email" || !strings.HasPrefix(st.Notifications[0].Detail, "started") {
		t.Errorf("notifications = %+v, %v", st, err)
	}
}

func base64Reader(s string) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(s)))
}
