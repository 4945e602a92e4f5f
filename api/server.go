// Package api is Sleuth's HTTP API: the endpoints of the four services it
// replaces (Numbers Protocol, aiRight, SolCheck, Verbitas) with their field
// names and shapes, plus Sleuth's own, described by the OpenAPI document
// served at /openapi.json.
//
// Handlers are thin: they decode the request, call one engine or accounts
// method, and encode the answer. Around them, in this order: a request id
// (X-Request-Id, in every response and log line), panic recovery, a
// structured access log and metrics, authentication (every one of
// "Authorization: token K", "Authorization: Bearer K", "api-key: K",
// "x-api-key: K"), the key's scope, its rate limit (token bucket: 429 with
// Retry-After), and for billable calls the credits (reserved before the
// work, refunded when it fails, 402 when the balance is short).
//
// Errors have one JSON shape, {"error": {"code", "message", "request_id"}},
// and each stable code maps to one status in errors.go.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/phishing"
)

// Config tunes the server. Zero fields take the defaults in parentheses.
type Config struct {
	// Prices of the billable operations (accounts.DefaultPrices()).
	Prices accounts.Prices
	// RatePerSecond and Burst are a key's token bucket unless the key has
	// its own (10 requests/s, burst 20).
	RatePerSecond float64
	Burst         int
	// MaxUploadBytes bounds an uploaded file (64 MiB); MemoryUploadBytes
	// is how much of an upload is kept in memory before it is spooled to a
	// temporary file in TempDir (8 MiB; TempDir "" is os.TempDir()).
	MaxUploadBytes    int64
	MemoryUploadBytes int64
	TempDir           string
	// RequestTimeout bounds one request's work (60 s).
	RequestTimeout time.Duration
	// Logger receives the access log and errors (discarded when nil).
	Logger *slog.Logger
	// Reports configures the report endpoints (reports.go).
	Reports ReportsConfig
	// Phishing is the phishing lists of the scam check (nil: the snapshot
	// embedded in the binary; see phishing.Load).
	Phishing *phishing.Lists
}

func (c Config) withDefaults() Config {
	if c.Prices == nil {
		c.Prices = accounts.DefaultPrices()
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = 10
	}
	if c.Burst <= 0 {
		c.Burst = 20
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 64 << 20
	}
	if c.MemoryUploadBytes <= 0 {
		c.MemoryUploadBytes = 8 << 20
	}
	// An upload kept in memory is not checked against MaxUploadBytes.
	c.MemoryUploadBytes = min(c.MemoryUploadBytes, c.MaxUploadBytes)
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Server serves the API. Create it with New; it is safe for concurrent use.
type Server struct {
	eng     *engine.Engine
	acc     *accounts.Service
	fetcher *fetch.Fetcher
	cfg     Config
	log     *slog.Logger
	limits  *rateLimiter
	metrics *metrics
	mux     *http.ServeMux
	ready   func(context.Context) error
}

// New returns a server over an engine, an account store and a fetcher
// (for fileURL inputs).
func New(eng *engine.Engine, acc sleuth.AccountStore, fetcher *fetch.Fetcher, cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		eng:     eng,
		acc:     &accounts.Service{Store: acc, Prices: cfg.Prices},
		fetcher: fetcher,
		cfg:     cfg,
		log:     cfg.Logger,
		limits:  newRateLimiter(cfg.RatePerSecond, cfg.Burst),
		metrics: newMetrics(),
		mux:     http.NewServeMux(),
	}
	s.routes()
	return s
}

// Handler returns the server's root handler with every middleware.
func (s *Server) Handler() http.Handler {
	return s.withRequestID(s.withRecover(s.withAccessLog(s.mux)))
}

// handlerFunc is an endpoint: it returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

// call is what the middleware learned about the request.
type call struct {
	key *sleuth.APIKey
}

// route registers an authenticated endpoint that needs scope.
func (s *Server) route(pattern string, scope sleuth.Scope, h handlerFunc) {
	s.mux.Handle(pattern, s.authenticated(scope, h))
}

// routeCodes registers an authenticated endpoint whose errors are reported
// under the compatible service's own codes (names maps Sleuth's codes to
// them), from authentication on.
func (s *Server) routeCodes(pattern string, scope sleuth.Scope, names map[string]string, h handlerFunc) {
	inner := s.authenticated(scope, h)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), codeMapKey, names)))
	}))
}

// public registers an endpoint without authentication.
func (s *Server) public(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, &call{}); err != nil {
			writeError(w, r, err)
		}
	})
}

// billed runs work as a billable operation: it reserves the price on the
// caller's account (402 when short), runs work, and completes the order or,
// when work fails, refunds it. work receives the order ID to put in its
// answer and returns a short JSON detail for the order record.
func (s *Server) billed(ctx context.Context, c *call, op string, work func(orderID string) (detail string, err error)) error {
	o, err := s.acc.Charge(ctx, c.key, op)
	if err != nil {
		return err
	}
	detail, err := work(o.ID)
	if serr := s.acc.Settle(o, detail, err); serr != nil {
		s.log.Error("settling order", "order", o.ID, "err", serr)
	}
	return err
}
