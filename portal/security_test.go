package portal_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wijkhelpt"
	"wijkhelpt/portal"
)

func TestCSRFOnForms(t *testing.T) {
	f := NewFixture(t)
	anon := anonymousCSRF(t, f)
	sess := f.Session["mediator"]
	tests := []struct {
		name    string
		cookie  Caller // session, if any
		anonCk  string // anonymous CSRF cookie sent
		field   string // _csrf form field
		header  string // X-CSRF-Token
		origin  string
		referer string
		want    int
	}{
		{name: "anonymous with token", anonCk: anon, field: anon, origin: TestPublicURL, want: 204},
		{name: "anonymous without origin or referer", anonCk: anon, field: anon, want: 204},
		{name: "anonymous with our referer", anonCk: anon, field: anon, referer: TestPublicURL + "/hulpvraag", want: 204},
		{name: "anonymous without token", anonCk: anon, origin: TestPublicURL, want: 403},
		{name: "anonymous without cookie", field: anon, origin: TestPublicURL, want: 403},
		{name: "anonymous token of another cookie", anonCk: wijkhelpt.NewToken(), field: anon, origin: TestPublicURL, want: 403},
		{name: "anonymous other origin", anonCk: anon, field: anon, origin: "https://evil.example", want: 403},
		{name: "anonymous null origin", anonCk: anon, field: anon, origin: "null", want: 403},
		{name: "anonymous other referer", anonCk: anon, field: anon, referer: "https://evil.example/x", want: 403},
		{name: "anonymous origin with other port", anonCk: anon, field: anon, origin: TestPublicURL + ":8080", want: 403},
		{name: "session token in field", cookie: sess, field: sess.CSRF, origin: TestPublicURL, want: 204},
		{name: "session token in header", cookie: sess, header: sess.CSRF, origin: TestPublicURL, want: 204},
		{name: "session without token", cookie: sess, origin: TestPublicURL, want: 403},
		{name: "session with anonymous token", cookie: sess, anonCk: anon, field: anon, origin: TestPublicURL, want: 403},
		{name: "session other origin", cookie: sess, field: sess.CSRF, origin: "https://evil.example", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			if tt.field != "" {
				form.Set("_csrf", tt.field)
			}
			req := FormRequest("/test/form", form)
			if tt.cookie.Cookie != "" {
				req.AddCookie(&http.Cookie{Name: "wh", Value: tt.cookie.Cookie})
			}
			if tt.anonCk != "" {
				req.AddCookie(&http.Cookie{Name: "wh-csrf", Value: tt.anonCk})
			}
			if tt.header != "" {
				req.Header.Set("X-CSRF-Token", tt.header)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.referer != "" {
				req.Header.Set("Referer", tt.referer)
			}
			if got := f.Do(t, Caller{}, req).Status; got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}

// TestCSRFChangesNothing posts the real forms and API calls without a valid
// token or from another site and checks that nothing was stored.
func TestCSRFChangesNothing(t *testing.T) {
	f := NewFixture(t)
	anon := anonymousCSRF(t, f)
	mediator := f.Session["mediator"]
	matchID := f.Matched.Matches[0].ID
	request := map[string]any{"text": "Hulp bij de tuin", "postcode": "3962 AA", "houseNumber": "4",
		"contact": map[string]any{"name": "Ans Post", "phone": "06-44444444"}, "consent": "web"}
	form := url.Values{"text": {"Hulp bij de tuin"}, "postcode": {"3962 AA"}, "houseNumber": {"4"},
		"name": {"Ans Post"}, "phone": {"06-44444444"}, "consent": {"web"}}
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"request form without token", func() *http.Request {
			r := FormRequest("/hulpvraag", form)
			r.AddCookie(&http.Cookie{Name: "wh-csrf", Value: anon})
			r.Header.Set("Origin", TestPublicURL)
			return r
		}},
		{"request form from another site", func() *http.Request {
			fm := url.Values{"_csrf": {anon}}
			for k, v := range form {
				fm[k] = v
			}
			r := FormRequest("/hulpvraag", fm)
			r.AddCookie(&http.Cookie{Name: "wh-csrf", Value: anon})
			r.Header.Set("Origin", "https://evil.example")
			return r
		}},
		// A mediator's own form: cancelling the matched request would change
		// it, so the check below sees any slip.
		{"mediator form without token", func() *http.Request {
			r := FormRequest("/bemiddeling/"+f.Matched.ID+"/annuleren", url.Values{"cancelReason": {"test"}})
			r.AddCookie(&http.Cookie{Name: "wh", Value: mediator.Cookie})
			r.Header.Set("Origin", TestPublicURL)
			return r
		}},
		{"mediator form from another site", func() *http.Request {
			r := FormRequest("/bemiddeling/"+f.Matched.ID+"/annuleren", url.Values{"cancelReason": {"test"}, "_csrf": {mediator.CSRF}})
			r.AddCookie(&http.Cookie{Name: "wh", Value: mediator.Cookie})
			r.Header.Set("Referer", "https://evil.example/bemiddeling")
			return r
		}},
		{"API with cookie, no token", func() *http.Request {
			r := JSONRequest(t, http.MethodPost, "/api/v1/requests", request)
			r.AddCookie(&http.Cookie{Name: "wh", Value: mediator.Cookie})
			r.Header.Set("Origin", TestPublicURL)
			return r
		}},
		{"API with cookie, wrong token", func() *http.Request {
			r := JSONRequest(t, http.MethodPost, "/api/v1/matches/"+matchID+"/cancel", nil)
			r.AddCookie(&http.Cookie{Name: "wh", Value: mediator.Cookie})
			r.Header.Set("Origin", TestPublicURL)
			r.Header.Set("X-CSRF-Token", anon)
			return r
		}},
		{"API with cookie from another site", func() *http.Request {
			r := JSONRequest(t, http.MethodPost, "/api/v1/matches/"+matchID+"/cancel", nil)
			r.AddCookie(&http.Cookie{Name: "wh", Value: mediator.Cookie})
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("X-CSRF-Token", mediator.CSRF)
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.CountRequests(t)
			resp := f.Do(t, Caller{}, tt.req())
			if resp.Status != http.StatusForbidden {
				t.Fatalf("status %d, want 403\n%s", resp.Status, resp.Body)
			}
			if after := f.CountRequests(t); after != before {
				t.Errorf("requests: %d before, %d after", before, after)
			}
			r, err := f.DB.FindRequest(t.Context(), f.Matched.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Revision != f.Matched.Revision || r.Status != wijkhelpt.RequestMatched {
				t.Errorf("matched request changed: revision %d -> %d, status %s", f.Matched.Revision, r.Revision, r.Status)
			}
		})
	}
	// The same call with the token goes through: the refusals above were
	// about the token.
	resp := f.Do(t, mediator, JSONRequest(t, http.MethodPost, "/api/v1/matches/"+matchID+"/cancel", nil))
	if resp.Status != http.StatusOK {
		t.Errorf("with the token: status %d, want 200\n%s", resp.Status, resp.Body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		f := NewFixture(t, func(d *portal.Deps) {
			d.SecureCookies = secure
			if secure {
				d.PublicURL = "https://wijkhelpt.test"
			}
		})
		for _, path := range []string{"/healthz", "/api/v1/requests", "/test/viewer", "/geen-pagina", "/", "/hulpvraag",
			"/webhooks/twilio/sms"} {
			resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, path, nil))
			h := resp.Header
			checks := map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
				"Cache-Control":          "no-store",
			}
			for k, want := range checks {
				if got := h.Get(k); got != want {
					t.Errorf("secure=%v %s: %s = %q, want %q", secure, path, k, got, want)
				}
			}
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("secure=%v %s: CSP %q", secure, path, csp)
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != secure {
				t.Errorf("secure=%v %s: HSTS sent = %v", secure, path, got)
			}
		}
		resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, "/test/viewer", nil))
		name := "wh-csrf"
		if secure {
			name = "__Host-wh-csrf"
		}
		ck, ok := resp.Cookie(name)
		if !ok || ck.Secure != secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("secure=%v: CSRF cookie %s = %+v", secure, name, ck)
		}
	}
}

func TestBodyLimitsAndMalformedJSON(t *testing.T) {
	f := NewFixture(t)
	tests := []struct {
		name        string
		body        string
		contentType string
		want        int
		code        string
	}{
		{"not JSON", `{"text":`, "application/json", 400, "malformed"},
		{"form instead of JSON", `text=hallo`, "application/x-www-form-urlencoded", 400, "malformed"},
		{"wrong type", `{"text": 12}`, "application/json", 422, "invalid"},
		{"empty text", `{"text": "  "}`, "application/json; charset=utf-8", 422, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.Do(t, Caller{}, RawRequest(http.MethodPost, "/api/v1/classify", tt.body, tt.contentType))
			if resp.Status != tt.want {
				t.Fatalf("status %d, want %d\n%.200s", resp.Status, tt.want, resp.Body)
			}
			var e struct{ Error struct{ Code string } }
			resp.JSON(t, &e)
			if e.Error.Code != tt.code {
				t.Errorf("code %q, want %q", e.Error.Code, tt.code)
			}
		})
	}
}

// TestBodyLimit runs the portal on a real listener: app.Test reports an
// oversized body as its own error instead of showing the answer.
func TestBodyLimit(t *testing.T) {
	f := NewFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.App.Listener(ln) }()
	t.Cleanup(func() { _ = f.App.Shutdown() })
	body := `{"text":"` + strings.Repeat("a", portal.BodyLimit) + `"}`
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/classify", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}
