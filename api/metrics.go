package api

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// metrics keeps request counters and latency histograms per route, and
// writes them in the Prometheus text exposition format.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // (route, status) -> count
	hist     map[string]*histogram
	start    time.Time
}

// Latency buckets in seconds.
var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, hist: map[string]*histogram{}, start: time.Now()}
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, fmt.Sprint(status)}]++
	h := m.hist[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[route] = h
	}
	sec := d.Seconds()
	for i, b := range buckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.n++
}

func quote(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) }

// write emits the metrics; gauges are extra lines computed by the caller.
func (m *metrics) write(w io.Writer, gauges map[string]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP sleuth_http_requests_total HTTP requests by route and status.")
	fmt.Fprintln(w, "# TYPE sleuth_http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "sleuth_http_requests_total{route=\"%s\",status=\"%s\"} %d\n", quote(k[0]), k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP sleuth_http_request_duration_seconds Time to answer a request, by route.")
	fmt.Fprintln(w, "# TYPE sleuth_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.hist[r]
		var cum uint64
		for i, b := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "sleuth_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %d\n", quote(r), b, cum)
		}
		fmt.Fprintf(w, "sleuth_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", quote(r), h.n)
		fmt.Fprintf(w, "sleuth_http_request_duration_seconds_sum{route=\"%s\"} %g\n", quote(r), h.sum)
		fmt.Fprintf(w, "sleuth_http_request_duration_seconds_count{route=\"%s\"} %d\n", quote(r), h.n)
	}
	names := make([]string, 0, len(gauges))
	for n := range gauges {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "# TYPE %s gauge\n%s %g\n", n, n, gauges[n])
	}
	fmt.Fprintf(w, "# TYPE sleuth_uptime_seconds gauge\nsleuth_uptime_seconds %g\n", time.Since(m.start).Seconds())
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request, _ *call) error {
	st := s.eng.Stats()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, map[string]float64{
		"sleuth_assets":            float64(st.Assets),
		"sleuth_pdq_index_entries": float64(st.PDQEntries),
		"sleuth_pdq_index_bytes":   float64(st.PDQIndexBytes),
	})
	return nil
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request, _ *call) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// handleReadyz answers 200 when the store answers, 503 otherwise.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request, _ *call) error {
	if _, err := s.eng.Store().CountAssets(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
