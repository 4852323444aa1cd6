package portal_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/portal"
)

// viewerOf asks the test route who the portal thinks the caller is.
func viewerOf(t *testing.T, f *Fixture, c Caller) map[string]any {
	t.Helper()
	resp := f.Do(t, c, JSONRequest(t, http.MethodGet, "/test/viewer", nil))
	if resp.Status != http.StatusOK {
		t.Fatalf("viewer: status %d\n%s", resp.Status, resp.Body)
	}
	var v map[string]any
	resp.JSON(t, &v)
	return v
}

// anonymousCSRF fetches a page as a new visitor and returns the CSRF cookie
// the portal gave them.
func anonymousCSRF(t *testing.T, f *Fixture) string {
	t.Helper()
	resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodGet, "/test/viewer", nil))
	ck, ok := resp.Cookie("wh-csrf")
	if !ok || ck.Value == "" {
		t.Fatalf("no CSRF cookie for an anonymous visitor; headers %v", resp.Header)
	}
	var v map[string]any
	resp.JSON(t, &v)
	if v["csrf"] != ck.Value {
		t.Fatalf("viewer CSRF %v differs from the cookie %q", v["csrf"], ck.Value)
	}
	return ck.Value
}

// login posts the test login form as an anonymous visitor.
func login(t *testing.T, f *Fixture, email, password string) Response {
	t.Helper()
	csrf := anonymousCSRF(t, f)
	req := FormRequest("/test/login", url.Values{"email": {email}, "password": {password}, "_csrf": {csrf}})
	req.AddCookie(&http.Cookie{Name: "wh-csrf", Value: csrf})
	req.Header.Set("Origin", TestPublicURL)
	return f.Do(t, Caller{}, req)
}

func TestLoginStartsFreshSession(t *testing.T) {
	f := NewFixture(t)
	u := f.Users[wijkhelpt.RoleMediator]

	// A session ID planted before login (fixation) must be worth nothing.
	// The form was rendered for that session, so it carries its CSRF token.
	planted := f.Session["mediator"]
	req := FormRequest("/test/login", url.Values{"email": {"  Mediator@WijkHelpt.test "}, "password": {TestPassword}, "_csrf": {planted.CSRF}})
	req.AddCookie(&http.Cookie{Name: "wh", Value: planted.Cookie})
	req.Header.Set("Origin", TestPublicURL)
	resp := f.Do(t, Caller{}, req)
	if resp.Status != http.StatusNoContent {
		t.Fatalf("login: status %d\n%s", resp.Status, resp.Body)
	}
	ck, ok := resp.Cookie("wh")
	if !ok || ck.Value == "" || ck.Value == planted.Cookie {
		t.Fatalf("login set session cookie %+v, want a new one", ck)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Errorf("session cookie flags: HttpOnly %v SameSite %v Path %q", ck.HttpOnly, ck.SameSite, ck.Path)
	}
	if got := viewerOf(t, f, Caller{Cookie: planted.Cookie}); got["loggedIn"] != false {
		t.Errorf("the session presented at login still works: %v", got)
	}
	got := viewerOf(t, f, Caller{Cookie: ck.Value})
	want := map[string]any{"loggedIn": true, "userId": u.ID, "role": "mediator", "offerId": "", "lang": "nl"}
	delete(got, "csrf")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("viewer after login (-want +got):\n%s", diff)
	}
	if !f.Audited(t, wijkhelpt.UserActor(u.Role, u.ID), "login", u.ID) {
		t.Error("login not audited")
	}

	// Logout ends the session in the store, not only in the browser.
	s, err := f.DB.FindSession(t.Context(), wijkhelpt.HashToken(ck.Value))
	if err != nil {
		t.Fatal(err)
	}
	out := f.Do(t, Caller{Cookie: ck.Value, CSRF: s.CSRF}, FormRequest("/test/logout", url.Values{}))
	if out.Status != http.StatusNoContent {
		t.Fatalf("logout: status %d\n%s", out.Status, out.Body)
	}
	if got := viewerOf(t, f, Caller{Cookie: ck.Value}); got["loggedIn"] != false {
		t.Errorf("session still works after logout: %v", got)
	}
}

func TestLoginRefused(t *testing.T) {
	f := NewFixture(t)
	if _, err := f.DB.UpdateUser(t.Context(), f.Users[wijkhelpt.RoleAdmin].ID, func(u *wijkhelpt.User) error {
		u.Disabled = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, email, password string }{
		{"wrong password", "phone@wijkhelpt.test", "niet het wachtwoord"},
		{"unknown account", "niemand@wijkhelpt.test", TestPassword},
		{"disabled account", "admin@wijkhelpt.test", TestPassword},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := login(t, f, tt.email, tt.password)
			if resp.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401\n%s", resp.Status, resp.Body)
			}
			if _, ok := resp.Cookie("wh"); ok {
				t.Error("a refused login set a session cookie")
			}
			// One answer for every refusal: no hint which accounts exist.
			if !strings.Contains(string(resp.Body), "Het e-mailadres of het wachtwoord klopt niet.") {
				t.Errorf("refusal without the one login message:\n%s", resp.Body)
			}
		})
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	for i := 1; i <= 5; i++ {
		if resp := login(t, f, "phone@wijkhelpt.test", "fout wachtwoord"); resp.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, resp.Status)
		}
	}
	// Even the right password is refused now: the account is being guessed.
	resp := login(t, f, "phone@wijkhelpt.test", TestPassword)
	if resp.Status != http.StatusTooManyRequests {
		t.Fatalf("6th attempt: status %d, want 429\n%s", resp.Status, resp.Body)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Another account from the same address is not locked out.
	if resp := login(t, f, "mediator@wijkhelpt.test", TestPassword); resp.Status != http.StatusNoContent {
		t.Errorf("other account: status %d, want 204\n%s", resp.Status, resp.Body)
	}
}

func TestLoginThrottledPerAddress(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	emails := []string{"a", "b", "c", "d", "e", "f", "g"}
	n := 0
	for n < 30 {
		for _, e := range emails {
			if n == 30 {
				break
			}
			n++
			if resp := login(t, f, e+"@elders.test", "fout wachtwoord"); resp.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status %d, want 401", n, resp.Status)
			}
		}
	}
	if resp := login(t, f, "mediator@wijkhelpt.test", TestPassword); resp.Status != http.StatusTooManyRequests {
		t.Fatalf("31st attempt from one address: status %d, want 429", resp.Status)
	}
}

func TestSessionEnds(t *testing.T) {
	f := NewFixture(t)
	ctx := t.Context()
	tests := []struct {
		name   string
		change func(t *testing.T, c Caller)
	}{
		{"expired", func(t *testing.T, c Caller) {
			s, err := f.DB.FindSession(ctx, wijkhelpt.HashToken(c.Cookie))
			if err != nil {
				t.Fatal(err)
			}
			s.ExpiresAt = time.Now().Add(-time.Second)
			if err := f.DB.SaveSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}},
		{"user disabled", func(t *testing.T, c Caller) {
			if _, err := f.DB.UpdateUser(ctx, f.Users[wijkhelpt.RolePhone].ID, func(u *wijkhelpt.User) error {
				u.Disabled = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"role changed", func(t *testing.T, c Caller) {
			if _, err := f.DB.UpdateUser(ctx, f.Users[wijkhelpt.RolePhone].ID, func(u *wijkhelpt.User) error {
				u.Role = wijkhelpt.RoleVolunteer
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"unknown cookie", func(t *testing.T, c Caller) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.DB.UpdateUser(ctx, f.Users[wijkhelpt.RolePhone].ID, func(u *wijkhelpt.User) error {
				u.Disabled, u.Role = false, wijkhelpt.RolePhone
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			c := f.NewSession(t, f.Users[wijkhelpt.RolePhone])
			if tt.name == "unknown cookie" {
				c.Cookie = wijkhelpt.NewToken()
			} else if got := viewerOf(t, f, c); got["loggedIn"] != true {
				t.Fatalf("fresh session not logged in: %v", got)
			}
			tt.change(t, c)
			resp := f.Do(t, c, JSONRequest(t, http.MethodGet, "/api/v1/requests", nil))
			if resp.Status != http.StatusUnauthorized {
				t.Errorf("API with ended session: status %d, want 401", resp.Status)
			}
			page := f.Do(t, c, JSONRequest(t, http.MethodGet, "/test/staff", nil))
			if page.Status != http.StatusSeeOther || page.Header.Get("Location") != "/inloggen?next=%2Ftest%2Fstaff" {
				t.Errorf("page with ended session: status %d Location %q, want 303 to the login page",
					page.Status, page.Header.Get("Location"))
			}
			if ck, ok := page.Cookie("wh"); !ok || ck.Value != "" {
				t.Errorf("ended session's cookie not cleared: %+v", ck)
			}
		})
	}
}

func TestRequireRoleOnPages(t *testing.T) {
	f := NewFixture(t)
	tests := []struct {
		who  string
		want int
	}{
		{"anonymous", http.StatusSeeOther},
		{"volunteer", http.StatusForbidden},
		{"phone", http.StatusNoContent},
		{"mediator", http.StatusNoContent},
		{"admin", http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			if got := f.Do(t, f.Session[tt.who], JSONRequest(t, http.MethodGet, "/test/staff?x=1", nil)).Status; got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBearerTokens(t *testing.T) {
	f := NewFixture(t)
	revoked := Caller{Name: "revoked token", Token: wijkhelpt.NewToken()}
	admin := f.Users[wijkhelpt.RoleAdmin]
	if err := f.DB.CreateToken(t.Context(), &wijkhelpt.APIToken{Hash: wijkhelpt.HashToken(revoked.Token), Name: "revoked",
		Role: admin.Role, UserID: admin.ID, CreatedAt: time.Now(), Revoked: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"valid", "Bearer " + f.Bearer["admin"].Token, http.StatusOK},
		{"unknown", "Bearer " + wijkhelpt.NewToken(), http.StatusUnauthorized},
		{"revoked", "Bearer " + revoked.Token, http.StatusUnauthorized},
		{"not bearer", "Basic " + f.Bearer["admin"].Token, http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := JSONRequest(t, http.MethodGet, "/api/v1/requests", nil)
			req.Header.Set("Authorization", tt.header)
			if got := f.Do(t, Caller{}, req).Status; got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}

// TestSessionIdleTimeout: a staff session ends after 30 minutes without
// use, and every use moves that end on; a volunteer's lasts longer. The
// portal's clock is moved by hand; the session lives in the store.
func TestSessionIdleTimeout(t *testing.T) {
	clock := NewManualClock()
	f := NewFixture(t, clock.Use)
	loggedIn := func(t *testing.T, cookie string) bool {
		t.Helper()
		return viewerOf(t, f, Caller{Cookie: cookie})["loggedIn"] == true
	}
	sessionOf := func(t *testing.T, email string) string {
		t.Helper()
		resp := login(t, f, email, TestPassword)
		ck, ok := resp.Cookie("wh")
		if resp.Status != http.StatusNoContent || !ok {
			t.Fatalf("login %s: status %d, cookie %v", email, resp.Status, ok)
		}
		return ck.Value
	}
	steps := []struct {
		after time.Duration
		staff bool // still logged in
		vol   bool
	}{
		{29 * time.Minute, true, true},
		{29 * time.Minute, true, true}, // 58 minutes after login, 29 after the last use
		{31 * time.Minute, false, true},
		{8 * time.Hour, false, false},
	}
	staff, vol := sessionOf(t, "mediator@wijkhelpt.test"), sessionOf(t, "volunteer@wijkhelpt.test")
	for i, st := range steps {
		clock.Add(st.after)
		if got := loggedIn(t, staff); got != st.staff {
			t.Errorf("step %d (+%v): staff logged in = %v, want %v", i, st.after, got, st.staff)
		}
		if got := loggedIn(t, vol); got != st.vol {
			t.Errorf("step %d (+%v): volunteer logged in = %v, want %v", i, st.after, got, st.vol)
		}
	}
	// An ended session is gone from the store, not only refused.
	if _, err := f.DB.FindSession(t.Context(), wijkhelpt.HashToken(staff)); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("ended staff session still stored: %v", err)
	}
}

// TestSecureSessionCookie: behind HTTPS the session cookie is
// __Host-wh: Secure, HttpOnly, SameSite=Lax, for the whole site and no
// other domain. The store keeps only the hash of its value, and a cookie
// without the prefix is not accepted in its place.
func TestSecureSessionCookie(t *testing.T) {
	const public = "https://wijkhelpt.test"
	f := NewFixture(t, func(d *portal.Deps) { d.SecureCookies, d.PublicURL = true, public })
	first := f.Do(t, Caller{}, httptest.NewRequest(http.MethodGet, public+"/test/viewer", nil))
	csrf, ok := first.Cookie("__Host-wh-csrf")
	if !ok || !csrf.Secure {
		t.Fatalf("no secure __Host-wh-csrf cookie: %+v", csrf)
	}
	req := httptest.NewRequest(http.MethodPost, public+"/test/login", strings.NewReader(url.Values{
		"email": {"phone@wijkhelpt.test"}, "password": {TestPassword}, "_csrf": {csrf.Value}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", public)
	req.AddCookie(&http.Cookie{Name: "__Host-wh-csrf", Value: csrf.Value})
	resp := f.Do(t, Caller{}, req)
	if resp.Status != http.StatusNoContent {
		t.Fatalf("login: status %d\n%s", resp.Status, resp.Body)
	}
	ck, ok := resp.Cookie("__Host-wh")
	if !ok || ck.Value == "" {
		t.Fatalf("no __Host-wh cookie; headers %v", resp.Header)
	}
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("session cookie %+v, want Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain", ck)
	}
	if _, ok := resp.Cookie("wh"); ok {
		t.Error("a cookie without the __Host- prefix was set too")
	}
	if _, err := f.DB.FindSession(t.Context(), ck.Value); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("the store finds the session by the cookie's own value (%v): it must keep only the hash", err)
	}
	if _, err := f.DB.FindSession(t.Context(), wijkhelpt.HashToken(ck.Value)); err != nil {
		t.Errorf("session not stored under the cookie's hash: %v", err)
	}
	viewer := func(name string) map[string]any {
		req := httptest.NewRequest(http.MethodGet, public+"/test/viewer", nil)
		req.AddCookie(&http.Cookie{Name: name, Value: ck.Value})
		var v map[string]any
		f.Do(t, Caller{}, req).JSON(t, &v)
		return v
	}
	if v := viewer("__Host-wh"); v["loggedIn"] != true || v["role"] != "phone" {
		t.Errorf("with __Host-wh: %v", v)
	}
	if v := viewer("wh"); v["loggedIn"] != false {
		t.Errorf("the same value in a cookie without the prefix logs in: %v", v)
	}
}
