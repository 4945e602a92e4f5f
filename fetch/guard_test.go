package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sleuthhq/sleuth"
)

func TestForbiddenReason(t *testing.T) {
	forbidden := []string{
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255",
		"172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255",
		"169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255",
		"224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
		"192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
		"::", "::1", "fc00::1", "fd00::2", "fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		"::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
		"2002:7f00:1::1", "2002:a00:1::", "2001::1", "2001:db8::1", "100::1",
	}
	for _, s := range forbidden {
		if why := forbiddenReason(netip.MustParseAddr(s)); why == "" {
			t.Errorf("forbiddenReason(%s) = \"\", want a reason", s)
		}
	}
	allowed := []string{
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "172.15.255.255", "172.32.0.1",
		"100.63.255.255", "100.128.0.1", "169.253.255.255", "192.167.1.1", "11.0.0.1",
		"2606:4700:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8",
		"64:ff9b::808:808", "2002:808:808::1",
	}
	for _, s := range allowed {
		if why := forbiddenReason(netip.MustParseAddr(s)); why != "" {
			t.Errorf("forbiddenReason(%s) = %q, want \"\"", s, why)
		}
	}
	if forbiddenReason(netip.Addr{}) == "" {
		t.Error("the zero Addr is allowed")
	}
}

func TestCheckAddrPorts(t *testing.T) {
	f := New(Config{})
	for _, tc := range []struct {
		ap string
		ok bool
	}{
		{"8.8.8.8:80", true},
		{"8.8.8.8:443", true},
		{"[2606:4700:4700::1111]:443", true},
		{"8.8.8.8:8080", false},
		{"8.8.8.8:22", false},
		{"127.0.0.1:443", false},
	} {
		err := f.check(netip.MustParseAddrPort(tc.ap))
		if tc.ok != (err == nil) || err != nil && sleuth.ErrorCode(err) != CodeForbiddenAddress {
			t.Errorf("check(%s) = %v, want ok=%v", tc.ap, err, tc.ok)
		}
	}
	// The dialer's Control hook applies the same policy.
	if err := f.control("tcp4", "127.0.0.1:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("control(127.0.0.1:80) = %v", err)
	}
	if err := f.control("tcp4", "8.8.8.8:443", nil); err != nil {
		t.Errorf("control(8.8.8.8:443) = %v", err)
	}
	if New(Config{AllowPrivate: true}).check(netip.MustParseAddrPort("127.0.0.1:8080")) != nil {
		t.Error("AllowPrivate does not allow 127.0.0.1:8080")
	}
	if f.tr.Proxy != nil {
		t.Error("the transport uses a proxy")
	}
}

// TestRefusesInternalAddresses uses the real policy and resolver: none of
// these URLs may reach the network, so no server is needed.
func TestRefusesInternalAddresses(t *testing.T) {
	f := New(Config{AllowHTTP: true})
	for _, u := range []string{
		"http://127.0.0.1/",
		"http://127.0.0.1:8080/",
		"http://[::1]/",
		"http://10.0.0.1/",
		"http://192.168.1.1/",
		"http://172.16.0.1/",
		"http://100.64.0.1/",
		"http://0.0.0.0/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:127.0.0.1]/",
		"http://[::ffff:169.254.169.254]/",
		"http://[::ffff:7f00:1]/",
		"http://[fd00::1]/",
		"http://[fe80::1]/",
		"http://localhost/",
		"https://localhost/",
		"http://8.8.8.8:8080/", // public, but not port 80 or 443
	} {
		_, err := f.Fetch(context.Background(), u)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Fetch(%s) = %v, want %s", u, err, CodeForbiddenAddress)
		}
	}
}

// guarded returns a Fetcher with the real policy, except that 127.0.0.1 is
// taken for a public address (on any port) so that test servers can stand
// for the Internet, and a resolver that knows:
//
//	public.test   127.0.0.1
//	internal.test 127.0.0.2
//	mixed.test    127.0.0.1 and 127.0.0.2
//	rebind.test   127.0.0.1 on the first lookup, 127.0.0.2 after
func guarded(t *testing.T, cfg Config) *Fetcher {
	t.Helper()
	cfg.AllowPrivate = false
	f := New(cfg)
	public := netip.MustParseAddr("127.0.0.1")
	internal := netip.MustParseAddr("127.0.0.2")
	f.check = func(ap netip.AddrPort) error {
		if ap.Addr() == public {
			return nil
		}
		return f.checkAddr(ap)
	}
	var mu sync.Mutex
	rebinds := 0
	f.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "public.test":
			return []netip.Addr{public}, nil
		case "internal.test":
			return []netip.Addr{internal}, nil
		case "mixed.test":
			return []netip.Addr{public, internal}, nil
		case "rebind.test":
			mu.Lock()
			defer mu.Unlock()
			rebinds++
			if rebinds == 1 {
				return []netip.Addr{public}, nil
			}
			return []netip.Addr{internal}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	t.Cleanup(f.CloseIdleConnections)
	return f
}

// internalServer starts a server on 127.0.0.2 that counts its requests.
func internalServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "secret")
	}))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestGuardEndToEnd(t *testing.T) {
	internal, hits := internalServer(t)
	_, iport, _ := net.SplitHostPort(internal.Listener.Addr().String())
	redirects := map[string]string{
		"/to-ip":       "http://127.0.0.2:" + iport + "/secret",
		"/to-name":     "http://internal.test:" + iport + "/secret",
		"/to-mapped":   "http://[::ffff:127.0.0.2]:" + iport + "/secret",
		"/to-metadata": "http://169.254.169.254/latest/meta-data/",
	}
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to, ok := redirects[r.URL.Path]; ok {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Header().Set("Connection", "close") // every fetch dials afresh
		fmt.Fprint(w, "public")
	}))
	t.Cleanup(public.Close)
	_, pport, _ := net.SplitHostPort(public.Listener.Addr().String())

	f := guarded(t, Config{AllowHTTP: true})
	ctx := context.Background()
	for _, u := range []string{"http://public.test:" + pport + "/", public.URL + "/"} {
		res, err := f.Fetch(ctx, u)
		if err != nil || string(res.Body) != "public" {
			t.Fatalf("Fetch(%s) = %+v, %v", u, res, err)
		}
	}

	refused := []string{
		"http://internal.test:" + iport + "/secret",
		"http://mixed.test:" + pport + "/",
		internal.URL + "/secret",
	}
	for path := range redirects {
		refused = append(refused, "http://public.test:"+pport+path)
	}
	for _, u := range refused {
		_, err := f.Fetch(ctx, u)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Fetch(%s) = %v, want %s", u, err, CodeForbiddenAddress)
		}
	}

	// DNS rebinding: the second connection to rebind.test finds it internal.
	if _, err := f.Fetch(ctx, "http://rebind.test:"+pport+"/"); err != nil {
		t.Fatalf("first fetch of rebind.test: %v", err)
	}
	f.CloseIdleConnections()
	_, err := f.Fetch(ctx, "http://rebind.test:"+pport+"/")
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "127.0.0.2") {
		t.Errorf("second fetch of rebind.test = %v, want %s naming 127.0.0.2", err, CodeForbiddenAddress)
	}

	if n := hits.Load(); n != 0 {
		t.Errorf("the internal server was reached %d times", n)
	}
}
