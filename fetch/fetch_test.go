package fetch

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// hangGuard bounds how long a stalled handler waits for the client to go:
// only a hang guard, far above anything a passing test needs.
const hangGuard = 30 * time.Second

// local returns a Fetcher allowed to reach the test servers on loopback.
func local(t *testing.T, cfg Config) *Fetcher {
	t.Helper()
	cfg.AllowPrivate = true
	cfg.AllowHTTP = true
	f := New(cfg)
	t.Cleanup(f.CloseIdleConnections)
	return f
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// stall blocks until the client goes away.
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(hangGuard):
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, code)
		return
	}
	if got := sleuth.ErrorCode(err); got != code {
		t.Errorf("%s: %s (%v), want %s", what, got, err, code)
	}
}

func TestFetchHTTP(t *testing.T) {
	var ua atomic.Value
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		switch r.URL.Path {
		case "/img.png":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "PNGDATA")
		case "/moved":
			http.Redirect(w, r, "/img.png", http.StatusMovedPermanently)
		case "/missing":
			http.NotFound(w, r)
		}
	})
	f := local(t, Config{})
	ctx := context.Background()

	res, err := f.Fetch(ctx, srv.URL+"/moved")
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Body) != "PNGDATA" || res.MIME != "image/png" || res.Size != 7 || res.URL != srv.URL+"/img.png" {
		t.Errorf("Fetch = %+v", res)
	}
	if got := ua.Load().(string); !strings.HasPrefix(got, "Sleuth/") || !strings.Contains(got, "github.com/sleuthhq/sleuth") {
		t.Errorf("User-Agent %q", got)
	}
	_, err = f.Fetch(ctx, srv.URL+"/missing")
	wantCode(t, "404", err, CodeUpstreamStatus)

	custom := local(t, Config{UserAgent: "test-agent"})
	if _, err := custom.Fetch(ctx, srv.URL+"/img.png"); err != nil || ua.Load().(string) != "test-agent" {
		t.Errorf("custom User-Agent: %v, sent %q", err, ua.Load())
	}

	noHTTP := New(Config{AllowPrivate: true})
	_, err = noHTTP.Fetch(ctx, srv.URL+"/img.png")
	wantCode(t, "http with AllowHTTP false", err, CodeUnsupportedScheme)
}

func TestFetchTLS(t *testing.T) {
	plain := serve(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "plain") })
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-http":
			http.Redirect(w, r, plain.URL+"/", http.StatusFound)
		default:
			fmt.Fprint(w, "secure")
		}
	}))
	t.Cleanup(srv.Close)
	f := New(Config{AllowPrivate: true}) // AllowHTTP false
	t.Cleanup(f.CloseIdleConnections)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	f.tr.TLSClientConfig.RootCAs = pool

	res, err := f.Fetch(context.Background(), srv.URL+"/")
	if err != nil || string(res.Body) != "secure" {
		t.Fatalf("Fetch over TLS = %+v, %v", res, err)
	}
	_, err = f.Fetch(context.Background(), srv.URL+"/to-http")
	wantCode(t, "redirect https to http", err, CodeUnsupportedScheme)
}

func TestFetchToStreams(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Write(body) // chunked: no Content-Length
	})
	f := local(t, Config{MaxBytes: int64(len(body))})
	file, err := os.Create(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	res, err := f.FetchTo(context.Background(), srv.URL+"/v.mp4", file)
	if err != nil {
		t.Fatal(err)
	}
	if res.Body != nil || res.Size != int64(len(body)) || res.MIME != "video/mp4" {
		t.Errorf("FetchTo = %+v", res)
	}
	got, err := os.ReadFile(file.Name())
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("spooled %d bytes, %v; want the %d bytes served", len(got), err, len(body))
	}
}

func TestSizeLimit(t *testing.T) {
	const limit = 1 << 20
	var sent atomic.Int64
	done := make(chan struct{}, 1)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/declared": // Content-Length over the limit, then nothing
			w.Header().Set("Content-Length", strconv.Itoa(10*limit))
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			stall(r)
		case "/exact":
			w.Write(make([]byte, limit))
		case "/endless": // chunked, up to 1 GiB unless the client goes
			defer func() { done <- struct{}{} }()
			chunk := make([]byte, 32<<10)
			for sent.Load() < 1<<30 {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	})
	f := local(t, Config{MaxBytes: limit})
	ctx := context.Background()

	_, err := f.Fetch(ctx, srv.URL+"/declared")
	wantCode(t, "Content-Length over MaxBytes", err, CodeTooLarge)

	res, err := f.Fetch(ctx, srv.URL+"/exact")
	if err != nil || res.Size != limit {
		t.Errorf("body of exactly MaxBytes: %v", err)
	}

	_, err = f.Fetch(ctx, srv.URL+"/endless")
	wantCode(t, "endless chunked body", err, CodeTooLarge)
	f.CloseIdleConnections()
	<-done
	if n := sent.Load(); n >= 64<<20 {
		t.Errorf("the server wrote %d bytes before the client gave up", n)
	}

	var spool bytes.Buffer
	_, err = f.FetchTo(ctx, srv.URL+"/endless", &spool)
	wantCode(t, "FetchTo endless chunked body", err, CodeTooLarge)
	<-done
	if spool.Len() > limit {
		t.Errorf("FetchTo wrote %d bytes, over MaxBytes %d", spool.Len(), limit)
	}
}

func TestTimeout(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("0123456789"))
			w.(http.Flusher).Flush()
		}
		stall(r)
	})
	f := local(t, Config{Timeout: 200 * time.Millisecond})
	for _, p := range []string{"/slow-headers", "/slow-body"} {
		_, err := f.Fetch(context.Background(), srv.URL+p)
		wantCode(t, p, err, CodeTimeout)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v does not wrap context.DeadlineExceeded", p, err)
		}
	}

	// The caller's own deadline and cancellation are honored too.
	f = local(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.Fetch(ctx, srv.URL+"/slow-headers")
	wantCode(t, "caller deadline", err, CodeTimeout)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = f.Fetch(ctx, srv.URL+"/slow-headers")
	wantCode(t, "caller cancel", err, CodeFailed)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v does not wrap context.Canceled", err)
	}
}

func TestRedirects(t *testing.T) {
	var hits atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case strings.HasPrefix(r.URL.Path, "/r/"): // /r/N redirects N more times
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
			if n > 0 {
				http.Redirect(w, r, "/r/"+strconv.Itoa(n-1), http.StatusFound)
				return
			}
			fmt.Fprint(w, "end")
		case r.URL.Path == "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case r.URL.Path == "/to-gopher":
			http.Redirect(w, r, "gopher://example.com/", http.StatusFound)
		case r.URL.Path == "/to-numeric":
			http.Redirect(w, r, "http://2130706433/", http.StatusFound)
		case r.URL.Path == "/to-creds":
			http.Redirect(w, r, "http://user:pw@"+r.Host+"/r/0", http.StatusFound)
		}
	})
	ctx := context.Background()
	f := local(t, Config{MaxRedirects: 3})

	if res, err := f.Fetch(ctx, srv.URL+"/r/3"); err != nil || string(res.Body) != "end" {
		t.Errorf("3 redirects with MaxRedirects 3: %v", err)
	}
	hits.Store(0)
	_, err := f.Fetch(ctx, srv.URL+"/r/100")
	wantCode(t, "endless redirects", err, CodeTooManyRedirects)
	if n := hits.Load(); n != 4 {
		t.Errorf("%d requests, want 4 (the first and 3 redirects)", n)
	}

	hits.Store(0)
	_, err = local(t, Config{MaxRedirects: -1}).Fetch(ctx, srv.URL+"/r/1")
	wantCode(t, "MaxRedirects -1", err, CodeTooManyRedirects)
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests with redirects off, want 1", n)
	}

	_, err = f.Fetch(ctx, srv.URL+"/to-file")
	wantCode(t, "redirect to file://", err, CodeUnsupportedScheme)
	_, err = f.Fetch(ctx, srv.URL+"/to-gopher")
	wantCode(t, "redirect to gopher://", err, CodeUnsupportedScheme)
	_, err = f.Fetch(ctx, srv.URL+"/to-numeric")
	wantCode(t, "redirect to a numeric host", err, CodeBadURL)
	_, err = f.Fetch(ctx, srv.URL+"/to-creds")
	wantCode(t, "redirect with credentials", err, CodeBadURL)
}

func TestFetchWriteError(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "data") })
	f := local(t, Config{})
	_, err := f.FetchTo(context.Background(), srv.URL+"/", failingWriter{})
	wantCode(t, "failing writer", err, CodeFailed)
	if !errors.Is(err, errWrite) {
		t.Errorf("%v does not wrap the writer's error", err)
	}
}

var errWrite = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

var _ io.Writer = failingWriter{}

func TestHeaderLimit(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("x", 2*maxHeaderBytes))
		fmt.Fprint(w, "body")
	})
	_, err := local(t, Config{}).Fetch(context.Background(), srv.URL+"/")
	wantCode(t, "huge response headers", err, CodeFailed)
}

func TestCanceledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Config{}).Fetch(ctx, "data:,x")
	wantCode(t, "canceled context", err, CodeFailed)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not wrap context.Canceled", err)
	}
}
