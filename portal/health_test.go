package portal_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"wijkhelpt/portal"
)

func TestHealth(t *testing.T) {
	reg := prometheus.NewRegistry()
	sent := prometheus.NewCounter(prometheus.CounterOpts{Name: "wijkhelpt_test_sms_sent_total", Help: "test"})
	reg.MustRegister(sent)
	sent.Add(3)
	down := errors.New("database unreachable")
	ready := func(context.Context) error { return nil }
	f := NewFixture(t, func(d *portal.Deps) {
		d.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		d.Ready = func(ctx context.Context) error { return ready(ctx) }
	})
	get := func(path string) Response { return f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, path, nil)) }

	if got := get("/healthz").Status; got != 200 {
		t.Errorf("/healthz: %d", got)
	}
	if got := get("/readyz").Status; got != 200 {
		t.Errorf("/readyz when ready: %d", got)
	}
	m := get("/metrics")
	if m.Status != 200 || !strings.Contains(string(m.Body), "wijkhelpt_test_sms_sent_total 3") {
		t.Errorf("/metrics: %d\n%s", m.Status, m.Body)
	}
	ready = func(context.Context) error { return down }
	r := get("/readyz")
	if r.Status != 503 || strings.Contains(string(r.Body), down.Error()) {
		t.Errorf("/readyz when down: %d %s", r.Status, r.Body)
	}
	if got := get("/healthz").Status; got != 200 {
		t.Errorf("/healthz when not ready: %d, want 200", got)
	}
	// Probes need no session and get no cookie.
	if _, ok := get("/healthz").Cookie("wh-csrf"); ok {
		t.Error("/healthz set a cookie")
	}
}

// TestReadyPingsStore: without a Ready function, readiness is the store's ping.
func TestReadyPingsStore(t *testing.T) {
	f := NewFixture(t)
	if got := f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, "/readyz", nil)).Status; got != 200 {
		t.Errorf("/readyz: %d", got)
	}
	if got := f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, "/metrics", nil)).Status; got != 404 {
		t.Errorf("/metrics without a handler: %d, want 404", got)
	}
}
