package fetch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// gatewayServer is a test gateway that serves one file at one path and
// counts its requests; fail, when set, answers instead.
type gatewayServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newGateway(t *testing.T, servePath, body string, fail func(w http.ResponseWriter, r *http.Request)) *gatewayServer {
	t.Helper()
	g := &gatewayServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.hits.Add(1)
		if fail != nil {
			fail(w, r)
			return
		}
		if r.URL.Path != servePath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(g.Close)
	return g
}

func status(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, http.StatusText(code), code) }
}

func hang(w http.ResponseWriter, r *http.Request) { stall(r) }

func TestIPFSFailover(t *testing.T) {
	const file = "/ipfs/" + cidV1 + "/dir/a b.png"
	ctx := context.Background()

	t.Run("500 then served", func(t *testing.T) {
		g1 := newGateway(t, "", "", status(http.StatusInternalServerError))
		g2 := newGateway(t, file, "IMG", nil)
		f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL}})
		res, err := f.Fetch(ctx, "ipfs://"+cidV1+"/dir/a%20b.png")
		if err != nil {
			t.Fatal(err)
		}
		want := g2.URL + "/ipfs/" + cidV1 + "/dir/a%20b.png"
		if string(res.Body) != "IMG" || res.URL != want || res.MIME != "image/png" {
			t.Errorf("Fetch = %+v, want body IMG from %s", res, want)
		}
		if g1.hits.Load() != 1 || g2.hits.Load() != 1 {
			t.Errorf("hits %d, %d; want 1, 1", g1.hits.Load(), g2.hits.Load())
		}
	})

	t.Run("hang past GatewayTimeout", func(t *testing.T) {
		g1 := newGateway(t, "", "", hang)
		g2 := newGateway(t, file, "IMG", nil)
		f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL}, GatewayTimeout: 200 * time.Millisecond})
		res, err := f.Fetch(ctx, "ipfs://"+cidV1+"/dir/a%20b.png")
		if err != nil || string(res.Body) != "IMG" {
			t.Fatalf("Fetch = %+v, %v", res, err)
		}
	})

	t.Run("429 and 404 then served, other spellings", func(t *testing.T) {
		g1 := newGateway(t, "", "", status(http.StatusTooManyRequests))
		g2 := newGateway(t, "", "", status(http.StatusNotFound))
		g3 := newGateway(t, file, "IMG", nil)
		f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL, g3.URL}})
		for _, u := range []string{
			"https://ipfs.io/ipfs/" + cidV1 + "/dir/a%20b.png", // fetched through the configured gateways
			"/ipfs/" + cidV1 + "/dir/x/../a b.png",
			cidV1 + "/dir/a%20b.png",
		} {
			res, err := f.Fetch(ctx, u)
			if err != nil || string(res.Body) != "IMG" {
				t.Errorf("Fetch(%s) = %+v, %v", u, res, err)
			}
		}
	})

	t.Run("404 from all", func(t *testing.T) {
		g1 := newGateway(t, "", "", status(http.StatusNotFound))
		g2 := newGateway(t, "", "", status(http.StatusNotFound))
		f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL}})
		_, err := f.Fetch(ctx, "ipfs://"+cidV0)
		wantCode(t, "404 from all", err, CodeUpstreamStatus)
		if g1.hits.Load() != 1 || g2.hits.Load() != 1 {
			t.Errorf("hits %d, %d; want 1, 1", g1.hits.Load(), g2.hits.Load())
		}
		if !strings.Contains(err.Error(), g1.URL) || !strings.Contains(err.Error(), g2.URL) {
			t.Errorf("error does not name every gateway: %v", err)
		}
	})

	t.Run("all hang", func(t *testing.T) {
		g1 := newGateway(t, "", "", hang)
		g2 := newGateway(t, "", "", hang)
		f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL}, GatewayTimeout: 100 * time.Millisecond})
		_, err := f.Fetch(ctx, "ipfs://"+cidV0)
		wantCode(t, "all hang", err, CodeTimeout)
	})

	t.Run("too large stops", func(t *testing.T) {
		g1 := newGateway(t, file, strings.Repeat("x", 100), nil)
		g2 := newGateway(t, file, "IMG", nil)
		f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL}, MaxBytes: 10})
		_, err := f.Fetch(ctx, "ipfs://"+cidV1+"/dir/a%20b.png")
		wantCode(t, "too large", err, CodeTooLarge)
		if g2.hits.Load() != 0 {
			t.Error("the next gateway was tried after a body over MaxBytes")
		}
	})

	t.Run("bad gateway config skipped", func(t *testing.T) {
		g := newGateway(t, file, "IMG", nil)
		f := local(t, Config{IPFSGateways: []string{"ftp://gw.example", "::bad", g.URL}})
		if res, err := f.Fetch(ctx, "ipfs://"+cidV1+"/dir/a%20b.png"); err != nil || string(res.Body) != "IMG" {
			t.Errorf("Fetch = %+v, %v", res, err)
		}
	})

	t.Run("gateway base with a path", func(t *testing.T) {
		g := newGateway(t, "/prefix"+file, "IMG", nil)
		f := local(t, Config{IPFSGateways: []string{g.URL + "/prefix/"}})
		if res, err := f.Fetch(ctx, "ipfs://"+cidV1+"/dir/a%20b.png"); err != nil || string(res.Body) != "IMG" {
			t.Errorf("Fetch = %+v, %v", res, err)
		}
	})

	t.Run("gateways are checked by the guard", func(t *testing.T) {
		g := newGateway(t, file, "IMG", nil)
		f := New(Config{IPFSGateways: []string{g.URL}}) // AllowPrivate false
		t.Cleanup(f.CloseIdleConnections)
		_, err := f.Fetch(ctx, "ipfs://"+cidV1+"/dir/a%20b.png")
		wantCode(t, "loopback gateway without AllowPrivate", err, CodeForbiddenAddress)
		if g.hits.Load() != 0 {
			t.Error("the loopback gateway was reached")
		}
	})
}

// TestFailoverAfterPartialBody: a gateway that dies mid-body is left for the
// next by Fetch (nothing was handed out yet) but not by FetchTo once bytes
// reached its writer.
func TestFailoverAfterPartialBody(t *testing.T) {
	const file = "/ipfs/" + cidV0
	g1 := newGateway(t, "", "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection
	})
	g2 := newGateway(t, file, "IMG", nil)
	f := local(t, Config{IPFSGateways: []string{g1.URL, g2.URL}})
	ctx := context.Background()

	res, err := f.Fetch(ctx, "ipfs://"+cidV0)
	if err != nil || string(res.Body) != "IMG" {
		t.Fatalf("Fetch = %+v, %v", res, err)
	}
	var buf bytes.Buffer
	_, err = f.FetchTo(ctx, "ipfs://"+cidV0, &buf)
	wantCode(t, "FetchTo after a partial body", err, CodeFailed)
	if buf.String() != "partial" || g2.hits.Load() != 1 {
		t.Errorf("FetchTo wrote %q, second gateway hit %d times; want \"partial\", 1 (from Fetch)", buf.String(), g2.hits.Load())
	}

	// With nothing written yet, FetchTo fails over too.
	g0 := newGateway(t, "", "", status(http.StatusBadGateway))
	f = local(t, Config{IPFSGateways: []string{g0.URL, g2.URL}})
	buf.Reset()
	if res, err := f.FetchTo(ctx, "ipfs://"+cidV0, &buf); err != nil || buf.String() != "IMG" || res.Size != 3 {
		t.Errorf("FetchTo = %+v, %v, wrote %q", res, err, buf.String())
	}
}

func TestArweave(t *testing.T) {
	g1 := newGateway(t, "", "", status(http.StatusServiceUnavailable))
	g2 := newGateway(t, "/"+arID+"/img/1.png", "AR", nil)
	f := local(t, Config{ArweaveGateways: []string{g1.URL, g2.URL}})
	res, err := f.Fetch(context.Background(), "ar://"+arID+"/img/1.png")
	if err != nil || string(res.Body) != "AR" || res.URL != g2.URL+"/"+arID+"/img/1.png" {
		t.Fatalf("Fetch = %+v, %v", res, err)
	}
	_, err = f.Fetch(context.Background(), "ar://"+arID+"/missing")
	wantCode(t, "missing ar", err, CodeUpstreamStatus)
}
