package portal_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"wijkhelpt/portal"
)

// syncBuffer is a log sink that handlers running in other goroutines may
// write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestInternalErrors: an unexpected failure is logged once, with the route
// and not the URL, and the caller sees only a generic message.
func TestInternalErrors(t *testing.T) {
	var logs syncBuffer
	f := NewFixture(t, func(d *portal.Deps) { d.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	tests := []struct {
		path, logged string
	}{
		{"/test/fail?token=geheim123", "connection reset by peer"},
		{"/test/panic?token=geheim123", "assignment to entry in nil map"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			before := strings.Count(logs.String(), "\n")
			resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, tt.path, nil))
			if resp.Status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500\n%s", resp.Status, resp.Body)
			}
			body := string(resp.Body)
			if strings.Contains(body, tt.logged) || strings.Contains(body, "1234") {
				t.Errorf("internal detail shown to the caller:\n%s", body)
			}
			if !strings.Contains(body, "Er ging iets mis aan onze kant") {
				t.Errorf("no generic message:\n%s", body)
			}
			got := logs.String()
			if n := strings.Count(got, "\n") - before; n != 1 {
				t.Errorf("%d log lines, want 1:\n%s", n, got)
			}
			if !strings.Contains(got, tt.logged) {
				t.Errorf("log lacks the cause %q:\n%s", tt.logged, got)
			}
			if strings.Contains(got, "geheim123") {
				t.Errorf("log holds the query string:\n%s", got)
			}
		})
	}
}

// TestDotSegmentsStayInPath: Fiber routes on the path as it was sent and
// does not resolve "." and ".." (browsers resolve them before sending, so
// only a hand-made request has them). Routing, the role checks of the
// groups and the handlers all see the same path, so a dot segment can
// neither reach another route nor slip past a group's role check: it is a
// 404 in the format of the prefix it starts with, and no handler runs.
func TestDotSegmentsStayInPath(t *testing.T) {
	var logs syncBuffer
	f := NewFixture(t, func(d *portal.Deps) { d.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	tests := []struct {
		caller string
		path   string
		status int
		json   bool
	}{
		{"anonymous", "/api/v1/../../test/fail", http.StatusNotFound, true},
		{"anonymous", "/static/../test/fail", http.StatusNotFound, false},
		{"anonymous", "/hulpvraag/../test/panic", http.StatusNotFound, false},
		{"anonymous", "/test/./fail", http.StatusNotFound, false},
		// Inside a group the role check comes first, on the path as sent.
		{"volunteer", "/bemiddeling/../beheer", http.StatusForbidden, false},
		{"mediator", "/bemiddeling/../beheer", http.StatusNotFound, false},
		{"volunteer", "/api/v1/offers/../requests", http.StatusNotFound, true},
	}
	for _, tt := range tests {
		t.Run(tt.caller+tt.path, func(t *testing.T) {
			before := logs.String()
			resp := f.Do(t, f.Session[tt.caller], JSONRequest(t, http.MethodGet, tt.path, nil))
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.Status, tt.status, resp.Body)
			}
			if isJSON := strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"); isJSON != tt.json {
				t.Errorf("Content-Type %q, want JSON: %v", resp.Header.Get("Content-Type"), tt.json)
			}
			if got := strings.TrimPrefix(logs.String(), before); strings.Contains(got, "connection reset") ||
				strings.Contains(got, "nil map") {
				t.Errorf("a test handler ran:\n%s", got)
			}
			for _, p := range append(append([]string{}, f.OpenPersonal...), f.MatchedPersonal...) {
				if strings.Contains(string(resp.Body), p) {
					t.Errorf("response holds personal data %q", p)
				}
			}
		})
	}
}
