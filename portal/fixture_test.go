package portal_test

// The shared fixture of the portal's tests: the portal wired to the real
// adapters as cmd/wijkhelpt wires them (embedded store, offline geo locator,
// the search package's classifier, the matching engine), seeded with one
// user, one session and one API token per role and a few offers and
// requests. The pages' tests use it too.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/geo"
	"wijkhelpt/matching"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
	"wijkhelpt/portal"
	"wijkhelpt/search"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// TestMain shares one embedded store among all tests of the package; each
// test still gets a database of its own.
func TestMain(m *testing.M) { storetest.Main(m) }

// Fixed values of the fixture.
const (
	TestPublicURL = "http://wijkhelpt.test"
	TestPassword  = "een lang test-wachtwoord"
	TestDeskPhone = "0343 745 000"
)

// Caller is someone calling the portal in a test: anonymous (zero value),
// with a session cookie and its CSRF token, or with a bearer token.
type Caller struct {
	Name   string
	Cookie string // session cookie value (cookie "wh")
	CSRF   string // the session's CSRF token
	Token  string // bearer token
}

// Fixture is a portal on a fresh database with seeded data.
type Fixture struct {
	App    *fiber.App
	DB     store.Store
	Desk   *wijkhelpt.Desk
	Engine *matching.Engine
	// Notifier talks to Twilio, the local double Twilio. The notifier's
	// background work (Run) is not started: tests drive webhooks directly.
	Notifier *notify.Notifier
	Twilio   *twiliotest.Server
	Deps     portal.Deps

	// Users has one user per role; the volunteer owns OfferA. Volunteer2
	// is a second volunteer, owner of OfferB.
	Users      map[wijkhelpt.Role]*wijkhelpt.User
	Volunteer2 *wijkhelpt.User
	// Session and Bearer are callers per role, by session cookie and by
	// API token; "volunteer2" is Volunteer2.
	Session map[string]Caller
	Bearer  map[string]Caller

	OfferA, OfferB *wijkhelpt.Offer
	// Open is an open request nobody was asked for; Matched was accepted by
	// OfferA's volunteer.
	Open, Matched *wijkhelpt.Request
	// OpenPersonal and MatchedPersonal are personal data of the two
	// requests that must never appear where the caller may not see them.
	OpenPersonal, MatchedPersonal []string
}

// Callers lists the caller names used in access tables, anonymous first.
var Callers = []string{"anonymous", "volunteer", "volunteer2", "phone", "mediator", "admin"}

// NewFixture builds the portal with the test routes of export_test.go on a
// database of tb's own and seeds it. opts may change the Deps before the
// app is built.
func NewFixture(tb testing.TB, opts ...func(*portal.Deps)) *Fixture {
	tb.Helper()
	db := storetest.Open(tb)
	table, err := geo.LoadPC4()
	if err != nil {
		tb.Fatalf("load PC4 table: %v", err)
	}
	classifier, err := search.NewClassifier(search.DefaultVocabulary())
	if err != nil {
		tb.Fatalf("classifier: %v", err)
	}
	desk := &wijkhelpt.Desk{
		Locator:    geo.NewLocator(table),
		Classifier: classifier,
		Requests:   db,
		Offers:     db,
		PublicURL:  TestPublicURL,
	}
	f := &Fixture{
		DB:      db,
		Desk:    desk,
		Engine:  matching.NewEngine(matching.Weights{}),
		Users:   map[wijkhelpt.Role]*wijkhelpt.User{},
		Session: map[string]Caller{"anonymous": {Name: "anonymous"}},
		Bearer:  map[string]Caller{"anonymous": {Name: "anonymous"}},
	}
	f.Twilio = twiliotest.New(tb)
	f.Notifier, err = notify.New(notify.Config{
		AccountSID: f.Twilio.AccountSID,
		AuthToken:  f.Twilio.AuthToken,
		From:       twiliotest.FromNumber,
		APIBaseURL: f.Twilio.URL,
		PublicURL:  TestPublicURL,
		DeskPhone:  TestDeskPhone,
	}, db, nil)
	if err != nil {
		tb.Fatalf("notify: %v", err)
	}
	f.seed(tb)
	f.Deps = portal.Deps{
		Store:      db,
		Desk:       desk,
		Matcher:    f.Engine,
		Classifier: classifier,
		Notifier:   f.Notifier,
		PublicURL:  TestPublicURL,
		DeskPhone:  TestDeskPhone,
	}
	for _, o := range opts {
		o(&f.Deps)
	}
	if f.App, err = portal.NewWithTestRoutes(f.Deps); err != nil {
		tb.Fatalf("portal.New: %v", err)
	}
	tb.Cleanup(func() { f.WaitBackground(tb) })
	f.Sync(tb)
	return f
}

// Sync brings the matching engine up to date with the store, as the
// follower and the store's publication do in the running service.
func (f *Fixture) Sync(tb testing.TB) {
	tb.Helper()
	if err := f.Engine.Load(tb.Context(), f.DB); err != nil {
		tb.Fatalf("matching load: %v", err)
	}
}

func (f *Fixture) seed(tb testing.TB) {
	tb.Helper()
	ctx := tb.Context()
	f.OfferA = f.offer(tb, "Piet Bakker", "06-11111111", "3961 AC", "3")
	f.OfferB = f.offer(tb, "Karin Smit", "06-22222222", "3962 AA", "8")
	for _, role := range wijkhelpt.Roles() {
		u := f.user(tb, string(role), role, "")
		f.Users[role] = u
	}
	f.Volunteer2 = f.user(tb, "volunteer2", wijkhelpt.RoleVolunteer, f.OfferB.ID)
	if _, err := f.DB.UpdateUser(ctx, f.Users[wijkhelpt.RoleVolunteer].ID, func(u *wijkhelpt.User) error {
		u.OfferID = f.OfferA.ID
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	f.Users[wijkhelpt.RoleVolunteer].OfferID = f.OfferA.ID
	for _, o := range []struct {
		offer *wijkhelpt.Offer
		user  *wijkhelpt.User
	}{{f.OfferA, f.Users[wijkhelpt.RoleVolunteer]}, {f.OfferB, f.Volunteer2}} {
		if _, err := f.DB.UpdateOffer(ctx, o.offer.ID, func(of *wijkhelpt.Offer) error {
			of.UserID = o.user.ID
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	for _, role := range wijkhelpt.Roles() {
		f.Session[string(role)] = f.NewSession(tb, f.Users[role])
		f.Bearer[string(role)] = f.NewToken(tb, f.Users[role])
	}
	f.Session["volunteer2"] = f.NewSession(tb, f.Volunteer2)
	f.Bearer["volunteer2"] = f.NewToken(tb, f.Volunteer2)

	f.Open = f.request(tb, "Mevrouw Jansen zoekt hulp met boodschappen, haar heup is net geopereerd",
		"Els Jansen", "06-12345678", "3961 AB", "12")
	f.OpenPersonal = []string{"+31612345678", "heup is net geopereerd", "Jansen", "3961 AB"}
	m := f.request(tb, "Graag iemand voor de boodschappen na mijn ziekenhuisopname",
		"Henk de Vries", "06-18765432", "3961 AD", "7")
	f.MatchedPersonal = []string{"+31618765432", "ziekenhuisopname", "Vries", "3961 AD"}
	now := time.Now()
	r, err := f.DB.UpdateRequest(ctx, m.ID, func(r *wijkhelpt.Request) error {
		if err := r.Propose([]wijkhelpt.Proposal{{Offer: f.OfferA, DistanceKm: 0.4, Score: 0.8}},
			wijkhelpt.UserActor(wijkhelpt.RoleMediator, f.Users[wijkhelpt.RoleMediator].ID), now, time.Hour); err != nil {
			return err
		}
		return r.Accept(r.Matches[0].ID, wijkhelpt.SMSActor(f.OfferA.ID), now)
	})
	if err != nil {
		tb.Fatalf("seed matched request: %v", err)
	}
	f.Matched = r
}

func (f *Fixture) offer(tb testing.TB, name, phone, postcode, house string) *wijkhelpt.Offer {
	tb.Helper()
	o, _, err := f.Desk.RegisterOffer(tb.Context(), wijkhelpt.OfferInput{
		Name: name, Phone: phone, Postcode: postcode, HouseNumber: house,
		Categories: []string{"boodschappen", "vervoer"},
	}, wijkhelpt.ActorImport, "")
	if err != nil {
		tb.Fatalf("seed offer: %v", err)
	}
	return o
}

func (f *Fixture) user(tb testing.TB, name string, role wijkhelpt.Role, offerID string) *wijkhelpt.User {
	tb.Helper()
	hash, err := portal.HashPassword(TestPassword)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	u := &wijkhelpt.User{ID: wijkhelpt.NewID(), Email: name + "@wijkhelpt.test", Name: "Test " + name,
		Role: role, PasswordHash: hash, OfferID: offerID, CreatedAt: now, UpdatedAt: now}
	if err := f.DB.CreateUser(tb.Context(), u); err != nil {
		tb.Fatalf("seed user: %v", err)
	}
	return u
}

func (f *Fixture) request(tb testing.TB, text, name, phone, postcode, house string) *wijkhelpt.Request {
	tb.Helper()
	r, _, _, err := f.Desk.SubmitRequest(tb.Context(), wijkhelpt.RequestInput{
		Text: text, Categories: []string{"boodschappen"}, Postcode: postcode, HouseNumber: house,
		Contact: wijkhelpt.Contact{Name: name, Phone: phone}, Consent: wijkhelpt.ConsentWeb,
	}, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	if err != nil {
		tb.Fatalf("seed request: %v", err)
	}
	return r
}

// NewSession stores a live session for u, as a login would, and returns
// the caller holding its cookie.
func (f *Fixture) NewSession(tb testing.TB, u *wijkhelpt.User) Caller {
	tb.Helper()
	raw, now := wijkhelpt.NewToken(), time.Now()
	s := &wijkhelpt.Session{ID: wijkhelpt.HashToken(raw), UserID: u.ID, Role: u.Role, CSRF: wijkhelpt.NewToken(),
		Lang: "nl", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(30 * time.Minute)}
	if err := f.DB.SaveSession(tb.Context(), s); err != nil {
		tb.Fatalf("seed session: %v", err)
	}
	return Caller{Name: string(u.Role) + " session", Cookie: raw, CSRF: s.CSRF}
}

// NewToken stores an API token for u and returns the caller using it.
func (f *Fixture) NewToken(tb testing.TB, u *wijkhelpt.User) Caller {
	tb.Helper()
	raw := wijkhelpt.NewToken()
	t := &wijkhelpt.APIToken{Hash: wijkhelpt.HashToken(raw), Name: "test " + u.Name, Role: u.Role, UserID: u.ID, CreatedAt: time.Now()}
	if err := f.DB.CreateToken(tb.Context(), t); err != nil {
		tb.Fatalf("seed token: %v", err)
	}
	return Caller{Name: string(u.Role) + " token", Token: raw}
}

// Response is what a test call returned.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("response %d is not JSON: %v\n%s", r.Status, err, r.Body)
	}
}

// Cookie returns the value of the cookie the response set, and whether it
// set one.
func (r Response) Cookie(name string) (*http.Cookie, bool) {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Do sends req as caller c: a session caller sends the cookie, the CSRF
// header and our own Origin; a token caller the bearer token.
func (f *Fixture) Do(tb testing.TB, c Caller, req *http.Request) Response {
	tb.Helper()
	if c.Cookie != "" {
		req.AddCookie(&http.Cookie{Name: "wh", Value: c.Cookie})
		if req.Header.Get("Origin") == "" {
			req.Header.Set("Origin", TestPublicURL)
		}
		if _, ok := req.Header["X-Csrf-Token"]; !ok {
			req.Header.Set("X-CSRF-Token", c.CSRF)
		}
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := f.App.Test(req, -1)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// JSONRequest builds a request with a JSON body (none when body is nil).
func JSONRequest(tb testing.TB, method, path string, body any) *http.Request {
	tb.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, TestPublicURL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// FormRequest builds a POST with a urlencoded form.
func FormRequest(path string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, TestPublicURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// RawRequest builds a request with the body as it is.
func RawRequest(method, path, body, contentType string) *http.Request {
	req := httptest.NewRequest(method, TestPublicURL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// AssertNoLeak fails when body contains any of the personal values.
func AssertNoLeak(tb testing.TB, what string, body []byte, personal []string) {
	tb.Helper()
	for _, p := range personal {
		if bytes.Contains(body, []byte(p)) {
			tb.Errorf("%s: response contains personal data %q", what, p)
		}
	}
}

// CountRequests is how many requests the store holds.
func (f *Fixture) CountRequests(tb testing.TB) int64 {
	tb.Helper()
	n, err := f.DB.CountRequests(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// Audited reports whether the store's audit log has a record of actor
// doing action on objectID. The store has no reader for the log yet (it is
// written for the record), so the test reads it through Dump.
func (f *Fixture) Audited(tb testing.TB, actor wijkhelpt.Actor, action, objectID string) bool {
	tb.Helper()
	found := false
	err := f.DB.Dump(tb.Context(), "audit", func(raw bson.Raw) error {
		var e store.AuditEntry
		if err := bson.Unmarshal(raw, &e); err != nil {
			return err
		}
		found = found || (e.Actor == actor && e.Action == action && e.ObjectID == objectID)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return found
}

// WaitBackground waits until the work the portal does after answering
// (sending login codes) is done.
func (f *Fixture) WaitBackground(tb testing.TB) {
	tb.Helper()
	if r := f.Do(tb, Caller{}, httptest.NewRequest(http.MethodGet, "/test/background", nil)); r.Status != http.StatusNoContent {
		tb.Fatalf("GET /test/background: %d", r.Status)
	}
}
