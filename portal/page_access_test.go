package portal_test

import (
	"cmp"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"wijkhelpt"
	"wijkhelpt/notify/twiliotest"
)

// pageRow is one line of the page access table: a request, the status
// each caller gets, and the personal values each caller may see in the
// answer (everything else of the fixture's personal data must not show).
type pageRow struct {
	name   string
	method string
	path   string
	form   url.Values
	want   map[string]int
	sees   map[string][]string
	// redirect is where a 303 leads logged-in callers; anonRedirect where
	// it leads anonymous visitors: the login page when empty.
	redirect, anonRedirect string
	// fresh sends a logged-in caller with a session of its own, for rows
	// that end the session.
	fresh bool
}

// pagePersonal is all personal data the page table looks for: the
// fixture's two requests, the offers' phone numbers and a resident's own
// request made through the web (see pageRows).
func pagePersonal(f *Fixture, own []string) []string {
	return slices.Concat(f.OpenPersonal, f.MatchedPersonal, []string{"+31611111111", "+31622222222"}, own)
}

// pageRows lists every page route (TestEveryRouteHasAccessRows checks that
// none is missing) with what each caller gets. token is the status link
// of a resident's request whose personal data is own.
func pageRows(t *testing.T, f *Fixture, token string, own []string) []pageRow {
	t.Helper()
	const (
		ok    = http.StatusOK
		login = http.StatusSeeOther // to /inloggen, or to redirect
		moved = http.StatusSeeOther // Post/Redirect/Get after a POST
		no    = http.StatusForbidden
		gone  = http.StatusNotFound
		bad   = http.StatusUnprocessableEntity
		clash = http.StatusConflict
	)
	mediators := func(values ...string) map[string][]string {
		return map[string][]string{"mediator": values, "admin": values}
	}
	// The volunteer who accepted the matched request sees what the task
	// needs: the phone, the question and the address, not the surname.
	volunteerTask := []string{"+31618765432", "ziekenhuisopname", "3961 AD"}
	// The queue shows the beginning of each question (which here names the
	// resident: "Mevrouw Jansen zoekt ..."), never the contact or address.
	queueSees := mediators("heup is net geopereerd", "Jansen", "ziekenhuisopname", "slecht ter been")
	everyone := codes(ok, ok, ok, ok, ok, ok)
	volunteers := codes(login, ok, ok, no, no, no)
	staff := codes(login, no, no, ok, ok, ok)
	mediation := codes(login, no, no, no, ok, ok)
	admins := codes(login, no, no, no, no, ok)
	unknownMatch := f.Open.ID + "-9"
	return []pageRow{
		{name: "home", method: "GET", path: "/", want: everyone},
		{name: "privacy", method: "GET", path: "/privacy", want: everyone},
		{name: "request form", method: "GET", path: "/hulpvraag", want: everyone},
		{name: "request sent without cookie", method: "GET", path: "/hulpvraag/verzonden", want: everyone},
		// The status link is the resident's key: whoever holds it sees that
		// request, and only that one.
		{name: "status page", method: "GET", path: "/r/" + token, want: everyone,
			sees: map[string][]string{"anonymous": {own[0]}, "volunteer": {own[0]},
				"volunteer2": {own[0]}, "phone": {own[0]}, "mediator": {own[0]}, "admin": {own[0]}}},
		{name: "status page unknown token", method: "GET", path: "/r/" + strings.Repeat("ab", 16), want: codes(gone, gone, gone, gone, gone, gone)},
		{name: "status page malformed token", method: "GET", path: "/r/x", want: codes(gone, gone, gone, gone, gone, gone)},
		{name: "offer form", method: "GET", path: "/aanbod", want: everyone},
		{name: "login", method: "GET", path: "/inloggen", want: everyone},
		{name: "login by sms code", method: "GET", path: "/inloggen/sms", want: everyone},
		{name: "logout page", method: "GET", path: "/uitloggen", want: everyone},
		{name: "static css", method: "GET", path: f.AssetURL(t, "app.css"), want: everyone},
		{name: "static with old hash", method: "GET", path: "/static/app.000000000000.css", want: codes(gone, gone, gone, gone, gone, gone)},

		{name: "volunteer page", method: "GET", path: "/vrijwilliger", want: volunteers,
			sees: map[string][]string{"volunteer": volunteerTask}},

		{name: "phone intake", method: "GET", path: "/telefoon", want: staff},
		{name: "address lookup", method: "GET", path: "/telefoon/adres?postcode=3962CD&houseNumber=12", want: staff},

		{name: "queue", method: "GET", path: "/bemiddeling", want: mediation, sees: queueSees},
		{name: "plain list", method: "GET", path: "/bemiddeling/lijst", want: mediation},
		{name: "plain list text", method: "GET", path: "/bemiddeling/lijst.txt", want: mediation},
		{name: "open request", method: "GET", path: "/bemiddeling/" + f.Open.ID, want: mediation,
			sees: mediators(f.OpenPersonal...)},
		{name: "matched request", method: "GET", path: "/bemiddeling/" + f.Matched.ID, want: mediation,
			sees: mediators(f.MatchedPersonal...)},
		{name: "request state", method: "GET", path: "/bemiddeling/" + f.Open.ID + "/stand", want: mediation},
		{name: "edit request", method: "GET", path: "/bemiddeling/" + f.Open.ID + "/bewerken", want: mediation,
			sees: mediators("heup is net geopereerd", "Jansen")},
		{name: "unknown request", method: "GET", path: "/bemiddeling/000000000000000000000000", want: codes(login, no, no, no, gone, gone)},

		{name: "admin", method: "GET", path: "/beheer", want: admins,
			sees: map[string][]string{"admin": {}}},

		// POSTs with input that is refused, or that changes nothing, so that
		// the table leaves the fixture as it was and each caller meets the
		// role check first.
		{name: "post request form", method: "POST", path: "/hulpvraag", form: url.Values{"text": {""}},
			want: codes(bad, bad, bad, bad, bad, bad)},
		{name: "post cancel unknown status", method: "POST", path: "/r/" + strings.Repeat("cd", 16) + "/annuleren",
			want: codes(gone, gone, gone, gone, gone, gone)},
		{name: "post offer form", method: "POST", path: "/aanbod", form: url.Values{"name": {""}},
			want: codes(bad, login, login, bad, bad, bad), redirect: "/vrijwilliger"},
		{name: "post login", method: "POST", path: "/inloggen", form: url.Values{"email": {""}},
			want: codes(bad, bad, bad, bad, bad, bad)},
		{name: "post sms code without number", method: "POST", path: "/inloggen/sms", form: url.Values{"phone": {""}},
			want: codes(bad, bad, bad, bad, bad, bad)},
		{name: "post login code without code", method: "POST", path: "/inloggen/code",
			form: url.Values{"phone": {"+31699999999"}, "code": {""}}, want: codes(bad, bad, bad, bad, bad, bad)},
		{name: "post logout", method: "POST", path: "/uitloggen", want: codes(moved, moved, moved, moved, moved, moved),
			redirect: "/?klaar=loggedout", anonRedirect: "/?klaar=loggedout", fresh: true},

		{name: "post answer unknown match", method: "POST", path: "/vrijwilliger/antwoord",
			form: url.Values{"match": {unknownMatch}, "answer": {"ja"}}, want: codes(login, gone, gone, no, no, no)},
		// Someone else's match is "not found" for a volunteer.
		{name: "post answer other's match", method: "POST", path: "/vrijwilliger/antwoord",
			form: url.Values{"match": {f.Matched.Matches[0].ID}, "answer": {"nee"}}, want: codes(login, clash, gone, no, no, no),
			sees: map[string][]string{"volunteer": volunteerTask}},
		{name: "post hours unknown match", method: "POST", path: "/vrijwilliger/uren",
			form: url.Values{"match": {unknownMatch}, "hours": {"2"}}, want: codes(login, gone, gone, no, no, no)},
		{name: "post hours not a number", method: "POST", path: "/vrijwilliger/uren",
			form: url.Values{"match": {f.Matched.Matches[0].ID}, "hours": {"twee"}}, want: codes(login, bad, gone, no, no, no),
			sees: map[string][]string{"volunteer": volunteerTask}},
		{name: "post withdraw other's match", method: "POST", path: "/vrijwilliger/kan-niet",
			form: url.Values{"match": {unknownMatch}}, want: codes(login, gone, gone, no, no, no)},
		{name: "post resume while active", method: "POST", path: "/vrijwilliger/pauze", form: url.Values{"active": {"1"}},
			want: codes(login, moved, moved, no, no, no), redirect: "/vrijwilliger?klaar=resumed"},
		{name: "post away without dates", method: "POST", path: "/vrijwilliger/afwezig", want: codes(login, bad, bad, no, no, no),
			sees: map[string][]string{"volunteer": volunteerTask}},
		{name: "post remove unknown away", method: "POST", path: "/vrijwilliger/afwezig/weg",
			form: url.Values{"from": {"2030-01-01"}, "to": {"2030-01-02"}},
			want: codes(login, moved, moved, no, no, no), redirect: "/vrijwilliger?klaar=awayremoved"},

		{name: "post phone intake", method: "POST", path: "/telefoon", form: url.Values{"text": {""}}, want: codes(login, no, no, bad, bad, bad)},
		{name: "post unknown call-back done", method: "POST", path: "/telefoon/terugbellen/geen-taak",
			want: codes(login, no, no, gone, gone, gone)},

		{name: "post note", method: "POST", path: "/bemiddeling/" + f.Open.ID + "/notitie", form: url.Values{"note": {" "}},
			want: codes(login, no, no, no, bad, bad), sees: mediators(f.OpenPersonal...)},
		{name: "post confirm nobody", method: "POST", path: "/bemiddeling/" + f.Open.ID + "/bevestigen",
			want: codes(login, no, no, no, bad, bad), sees: mediators(f.OpenPersonal...)},
		{name: "post refer matched", method: "POST", path: "/bemiddeling/" + f.Matched.ID + "/doorverwijzen",
			form: url.Values{"organisation": {"Wijkteam"}}, want: codes(login, no, no, no, clash, clash),
			sees: mediators(f.MatchedPersonal...)},
		{name: "post cancel reason too long", method: "POST", path: "/bemiddeling/" + f.Open.ID + "/annuleren",
			form: url.Values{"cancelReason": {strings.Repeat("lang ", 500)}}, want: codes(login, no, no, no, bad, bad),
			sees: mediators(f.OpenPersonal...)},
		{name: "post withdraw unknown match", method: "POST", path: "/bemiddeling/" + f.Open.ID + "/intrekken",
			form: url.Values{"match": {unknownMatch}}, want: codes(login, no, no, no, gone, gone)},
		{name: "post block nobody", method: "POST", path: "/bemiddeling/" + f.Open.ID + "/uitsluiten",
			want: codes(login, no, no, no, bad, bad), sees: mediators(f.OpenPersonal...)},
		{name: "post edit empty", method: "POST", path: "/bemiddeling/" + f.Open.ID + "/bewerken", form: url.Values{"text": {""}},
			want: codes(login, no, no, no, bad, bad)},

		{name: "post new user empty", method: "POST", path: "/beheer/gebruikers", want: codes(login, no, no, no, no, bad),
			sees: map[string][]string{"admin": {}}},
		{name: "post user without role", method: "POST", path: "/beheer/gebruikers/" + f.Users[wijkhelpt.RolePhone].ID,
			form: url.Values{"role": {"baas"}}, want: codes(login, no, no, no, no, bad), sees: map[string][]string{"admin": {}}},
		{name: "post vog bad date", method: "POST", path: "/beheer/vog/" + f.OfferA.ID, form: url.Values{"vogDate": {"2099-01-01"}},
			want: codes(login, no, no, no, no, bad)},
	}
}

// TestPageAccess opens every page route as every role and anonymously: who
// gets the page, who is sent to the login page, who gets 403 or 404, and
// that no page shows personal data to someone who may not see it.
func TestPageAccess(t *testing.T) {
	f := NewFixture(t)
	_, token := f.ResidentRequest(t, "Wie helpt mij met mijn tuin? Ik ben slecht ter been.", "Joke Visser", "06-55554444", "3962 AB", "21")
	own := []string{"slecht ter been", "+31655554444", "Visser", "3962 AB"}
	all := pagePersonal(f, own)
	for _, r := range pageRows(t, f, token, own) {
		for _, who := range Callers {
			t.Run(r.name+"/"+who, func(t *testing.T) {
				var req *http.Request
				if r.method == http.MethodPost {
					form := r.form
					if form == nil {
						form = url.Values{}
					}
					req = FormRequest(r.path, form)
				} else {
					req = httptest.NewRequest(r.method, TestPublicURL+r.path, nil)
				}
				var resp Response
				if r.fresh && who != "anonymous" {
					resp = f.Do(t, f.NewSession(t, f.User(who)), req)
				} else {
					resp = f.DoPage(t, who, req)
				}
				if got, want := resp.Status, r.want[who]; got != want {
					t.Fatalf("status = %d, want %d\n%.2000s", got, want, resp.Body)
				}
				if resp.Status == http.StatusSeeOther {
					loc, want := resp.Header.Get("Location"), r.redirect
					if who == "anonymous" {
						want = cmp.Or(r.anonRedirect, "/inloggen?next=")
					}
					if !strings.HasPrefix(loc, want) {
						t.Errorf("Location = %q, want %s", loc, want)
					}
				}
				var forbidden []string
				for _, p := range all {
					if !slices.Contains(r.sees[who], p) {
						forbidden = append(forbidden, p)
					}
				}
				AssertNoLeak(t, r.name, []byte(geoExamples.Replace(string(resp.Body))), forbidden)
				AssertNoLeak(t, r.name+" (headers)", []byte(fmt.Sprint(resp.Header)), forbidden)
				// Every HTML page says its language.
				if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") &&
					!strings.Contains(string(resp.Body), `<html lang="nl">`) {
					t.Errorf("page without <html lang=\"nl\">")
				}
			})
		}
	}
}

// geoExamples removes the geo package's example postcode from its error
// messages, which happens to be the fixture's first resident's postcode.
var geoExamples = strings.NewReplacer("bijvoorbeeld 3961 AB", "", "zoals 3961 AB", "")

// TestPageAudits checks that the pages that show a request's personal data
// record who looked, as the API does.
func TestPageAudits(t *testing.T) {
	f := NewFixture(t, WithNotifier(t, twiliotest.New(t), nil))
	tests := []struct {
		who    string
		role   wijkhelpt.Role
		path   string
		action string
		object string
	}{
		{"mediator", wijkhelpt.RoleMediator, "/bemiddeling/" + f.Open.ID, "view_request", f.Open.ID},
		{"admin", wijkhelpt.RoleAdmin, "/bemiddeling/" + f.Matched.ID + "/bewerken", "view_request", f.Matched.ID},
		{"phone", wijkhelpt.RolePhone, "/telefoon", "view_callbacks", ""},
		{"admin", wijkhelpt.RoleAdmin, "/beheer", "view_users", ""},
	}
	for _, tt := range tests {
		t.Run(tt.who+tt.path, func(t *testing.T) {
			resp := f.DoPage(t, tt.who, httptest.NewRequest(http.MethodGet, TestPublicURL+tt.path, nil))
			if resp.Status != http.StatusOK {
				t.Fatalf("status = %d\n%.2000s", resp.Status, resp.Body)
			}
			actor := wijkhelpt.UserActor(tt.role, f.Users[tt.role].ID)
			if !f.Audited(t, actor, tt.action, tt.object) {
				t.Errorf("no audit record %s %s %q", actor, tt.action, tt.object)
			}
		})
	}
}
