package report

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: any header and body give an answer, never a panic; only the
// right signature verifies.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1700000000, 0)
	f.Add(Sign("k", now, []byte(`{"a":1}`)), []byte(`{"a":1}`))
	f.Add("t=1,v1=zz,v1=", []byte(""))
	f.Add("t=,v1", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if Verify("k", header, body, now, time.Hour) != nil {
			return
		}
		// A header that verifies carries the HMAC of this body: no other
		// body verifies with it.
		if Verify("k", header, append(body, 'x'), now, time.Hour) == nil {
			t.Errorf("header %q verifies two bodies", header)
		}
	})
}

// FuzzParseChain: a chain either parses to a CAIP-2 id or fails with
// sleuth.report.bad_input.
func FuzzParseChain(f *testing.F) {
	for _, s := range []string{"ethereum", "137", "eip155:1", "solana", "eip155:0", "narnia", "cosmos:hub-4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChain(s)
		if err != nil {
			return
		}
		if !caip2.MatchString(c) {
			t.Errorf("ParseChain(%q) = %q, not CAIP-2", s, c)
		}
		if again, err := ParseChain(c); err != nil || again != c {
			t.Errorf("ParseChain(%q) = %q, then %q, %v", s, c, again, err)
		}
	})
}

// FuzzReportRef: any report id is found or not found, never a panic.
func FuzzReportRef(f *testing.F) {
	e := openEnv(f)
	collectionFixture(e, 1, 0)
	c := e.collections()
	sub, err := c.Submit(context.Background(), 1, CollectionRequest{Chain: chain, Contract: "0xcopy"}, "http://x", false)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{sub.ID, "1-", "-1", "99999999999999999999-x", "1-x-y", " 1-a "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		st, err := c.Status(context.Background(), ref, false)
		if err == nil && strings.TrimSpace(ref) != sub.ID {
			t.Errorf("Status(%q) found %s", ref, st.ID)
		}
		if err != nil && ref == sub.ID {
			t.Errorf("Status(%q): %v", ref, err)
		}
	})
}
