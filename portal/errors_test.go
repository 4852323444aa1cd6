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
		{"/api/v1/../../test/fail?token=geheim123", "connection reset by peer"},
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
