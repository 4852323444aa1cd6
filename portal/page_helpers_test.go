package portal_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
	"wijkhelpt/portal"
	"wijkhelpt/store"
)

// Helpers of the page tests, on top of the core's fixture.

// DoPage sends req as the named caller of the fixture. Session callers send
// their cookie and CSRF token (Do does that); an anonymous caller first
// picks up the CSRF cookie a browser would have from an earlier page, and
// echoes it, so that its POSTs pass the CSRF check as a browser's do.
func (f *Fixture) DoPage(tb testing.TB, who string, req *http.Request) Response {
	tb.Helper()
	if who == "anonymous" && req.Method == http.MethodPost {
		tok := f.AnonymousCSRF(tb)
		req.AddCookie(&http.Cookie{Name: "wh-csrf", Value: tok})
		req.Header.Set("X-CSRF-Token", tok)
		req.Header.Set("Origin", TestPublicURL)
	}
	return f.Do(tb, f.Session[who], req)
}

// StoppedClock stops the portal's clock at the moment the fixture is
// built. Rate limits count in fixed windows (a minute, an hour): a test
// that counts up to a limit on the running clock fails when a window ends
// halfway.
func StoppedClock(d *portal.Deps) {
	now := time.Now()
	d.Now = func() time.Time { return now }
}

// ManualClock is a portal clock that tests move by hand.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock starts a clock at the current time.
func NewManualClock() *ManualClock { return &ManualClock{now: time.Now()} }

// Now is the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock on.
func (c *ManualClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Use makes the clock the portal's.
func (c *ManualClock) Use(d *portal.Deps) { d.Now = c.Now }

// User is the fixture's user behind a caller name of Callers (not
// "anonymous").
func (f *Fixture) User(who string) *wijkhelpt.User {
	if who == "volunteer2" {
		return f.Volunteer2
	}
	return f.Users[wijkhelpt.Role(who)]
}

// AnonymousCSRF returns the CSRF token a visitor's browser gets with its
// first page.
func (f *Fixture) AnonymousCSRF(tb testing.TB) string {
	tb.Helper()
	resp := f.Do(tb, Caller{}, httptest.NewRequest(http.MethodGet, TestPublicURL+"/inloggen", nil))
	c, ok := resp.Cookie("wh-csrf")
	if !ok || c.Value == "" {
		tb.Fatalf("no CSRF cookie for an anonymous visitor; headers %v", resp.Header)
	}
	return c.Value
}

// ResidentRequest submits a request as a resident on the web would, and
// returns it with the token of its private status link.
func (f *Fixture) ResidentRequest(tb testing.TB, text, name, phone, postcode, house string) (*wijkhelpt.Request, string) {
	tb.Helper()
	r, token, _, err := f.Desk.SubmitRequest(tb.Context(), wijkhelpt.RequestInput{
		Text: text, Postcode: postcode, HouseNumber: house,
		Contact: wijkhelpt.Contact{Name: name, Phone: phone}, Consent: wijkhelpt.ConsentWeb,
	}, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	if err != nil {
		tb.Fatalf("submit request: %v", err)
	}
	return r, token
}

var stylesheetHref = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`)

// AssetURL returns the content-hashed URL of the stylesheet as the pages
// link it.
func (f *Fixture) AssetURL(tb testing.TB, name string) string {
	tb.Helper()
	resp := f.Do(tb, Caller{}, httptest.NewRequest(http.MethodGet, TestPublicURL+"/", nil))
	m := stylesheetHref.FindSubmatch(resp.Body)
	if m == nil || name != "app.css" {
		tb.Fatalf("no stylesheet link for %s on the home page", name)
	}
	return string(m[1])
}

// WithNotifier wires the real notify package into the portal, sending
// through the Twilio double tw, as cmd/wijkhelpt wires it. When out is not
// nil it receives the notifier, for running its background work.
func WithNotifier(tb testing.TB, tw *twiliotest.Server, out **notify.Notifier) func(*portal.Deps) {
	return func(d *portal.Deps) {
		tb.Helper()
		db, ok := d.Store.(store.Store)
		if !ok {
			tb.Fatalf("fixture store is %T, want a store.Store", d.Store)
		}
		n, err := notify.New(notify.Config{
			AccountSID: tw.AccountSID,
			AuthToken:  tw.AuthToken,
			From:       twiliotest.FromNumber,
			APIBaseURL: tw.URL,
			PublicURL:  d.PublicURL,
			DeskPhone:  d.DeskPhone,
			// Tests wait for messages; look for work often.
			PollInterval: 100 * time.Millisecond,
		}, db, nil)
		if err != nil {
			tb.Fatalf("notify.New: %v", err)
		}
		d.Notifier = n
		if out != nil {
			*out = n
		}
	}
}
