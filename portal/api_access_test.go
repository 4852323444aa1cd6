package portal_test

import (
	"net/http"
	"slices"
	"testing"

	"wijkhelpt"
)

// apiRow is one line of the API access table: a call, the status each
// caller gets, and the personal values each caller may see in the answer.
type apiRow struct {
	name   string
	method string
	path   string
	body   any
	want   map[string]int
	sees   map[string][]string
}

// apiPersonal is all personal data the API table looks for.
func apiPersonal(f *Fixture) []string {
	return slices.Concat(f.OpenPersonal, f.MatchedPersonal, []string{"+31611111111", "+31622222222"})
}

// apiRows lists every API route (TestEveryRouteHasAccessRows checks that
// none is missing) with what each caller gets. Calls that would change
// something are made so that they are refused, or change only what the
// table does not look at again.
func apiRows(f *Fixture) []apiRow {
	matchID := f.Matched.Matches[0].ID
	unknownMatch := f.Open.ID + "-9"
	staffSeeAll := func(extra map[string][]string, values ...string) map[string][]string {
		m := map[string][]string{"phone": values, "mediator": values, "admin": values}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	newOffer := map[string]any{"name": "Nieuwe Helper", "phone": "06-33333333", "postcode": "3962 BC",
		"houseNumber": "1", "categories": []string{"tuin"}}
	newRequest := map[string]any{"text": "Wie kan mijn heg snoeien?", "postcode": "3962 AA", "houseNumber": "4",
		"contact": map[string]any{"name": "Ans Post", "phone": "06-44444444"}, "consent": "web"}
	return []apiRow{
		{name: "list requests", method: "GET", path: "/api/v1/requests",
			want: codes(401, 403, 403, 200, 200, 200)},
		{name: "get open request", method: "GET", path: "/api/v1/requests/" + f.Open.ID,
			want: codes(401, 404, 404, 200, 200, 200),
			sees: staffSeeAll(nil, f.OpenPersonal...)},
		{name: "get matched request", method: "GET", path: "/api/v1/requests/" + f.Matched.ID,
			want: codes(401, 200, 404, 200, 200, 200),
			// The volunteer who accepted sees the phone, the question and the
			// address, but only the first name.
			sees: staffSeeAll(map[string][]string{"volunteer": {"+31618765432", "ziekenhuisopname", "3961 AD"}},
				f.MatchedPersonal...)},
		{name: "get unknown request", method: "GET", path: "/api/v1/requests/000000000000000000000000",
			want: codes(401, 404, 404, 404, 404, 404)},
		{name: "suggestions", method: "GET", path: "/api/v1/requests/" + f.Open.ID + "/suggestions",
			want: codes(401, 403, 403, 403, 200, 200)},
		{name: "get offer A", method: "GET", path: "/api/v1/offers/" + f.OfferA.ID,
			want: codes(401, 200, 404, 200, 200, 200),
			sees: staffSeeAll(map[string][]string{"volunteer": {"+31611111111"}}, "+31611111111")},
		{name: "create offer", method: "POST", path: "/api/v1/offers", body: newOffer,
			want: codes(401, 403, 403, 201, 201, 201)},
		{name: "create request", method: "POST", path: "/api/v1/requests", body: newRequest,
			want: codes(201, 201, 201, 201, 201, 201)},
		{name: "classify", method: "POST", path: "/api/v1/classify", body: map[string]any{"text": "boodschappen doen"},
			want: codes(200, 200, 200, 200, 200, 200)},
		// An empty choice gets past the role check only for mediators.
		{name: "propose", method: "POST", path: "/api/v1/matches",
			body: map[string]any{"requestId": f.Open.ID, "offerIds": []string{}},
			want: codes(401, 403, 403, 403, 422, 422)},
		// Accepting an accepted match changes nothing: 409 once allowed.
		{name: "accept match", method: "POST", path: "/api/v1/matches/" + matchID + "/accept",
			want: codes(401, 409, 404, 403, 409, 409)},
		{name: "decline unknown match", method: "POST", path: "/api/v1/matches/" + unknownMatch + "/decline",
			want: codes(401, 404, 404, 403, 404, 404)},
		// Completing needs the hours: refused before anything changes.
		{name: "complete without hours", method: "POST", path: "/api/v1/matches/" + matchID + "/complete",
			body: map[string]any{"hours": -1}, want: codes(401, 422, 404, 403, 422, 422)},
		{name: "complete unknown match", method: "POST", path: "/api/v1/matches/" + unknownMatch + "/complete",
			body: map[string]any{"hours": 1}, want: codes(401, 404, 404, 403, 404, 404)},
		{name: "cancel unknown match", method: "POST", path: "/api/v1/matches/" + unknownMatch + "/cancel",
			want: codes(401, 404, 404, 403, 404, 404)},
		{name: "callbacks", method: "GET", path: "/api/v1/callbacks",
			want: codes(401, 403, 403, 200, 200, 200)},
		{name: "unknown callback done", method: "POST", path: "/api/v1/callbacks/geen-taak/done",
			want: codes(401, 403, 403, 404, 404, 404)},
		{name: "unknown route", method: "GET", path: "/api/v1/nothing",
			want: codes(404, 404, 404, 404, 404, 404)},
	}
}

// TestAPIAccess calls every API route as every role (by session and by
// token) and anonymously, and checks the status and that no response holds
// personal data the caller may not see.
func TestAPIAccess(t *testing.T) {
	f := NewFixture(t)
	all := apiPersonal(f)
	for _, via := range []string{"session", "token"} {
		callers := f.Session
		if via == "token" {
			callers = f.Bearer
		}
		for _, r := range apiRows(f) {
			for _, who := range Callers {
				t.Run(via+"/"+r.name+"/"+who, func(t *testing.T) {
					resp := f.Do(t, callers[who], JSONRequest(t, r.method, r.path, r.body))
					if got, want := resp.Status, r.want[who]; got != want {
						t.Fatalf("status = %d, want %d\n%s", got, want, resp.Body)
					}
					var forbidden []string
					for _, p := range all {
						if !slices.Contains(r.sees[who], p) {
							forbidden = append(forbidden, p)
						}
					}
					AssertNoLeak(t, r.name, resp.Body, forbidden)
					if resp.Status >= 400 {
						var e struct {
							Error struct{ Code, Message string }
						}
						resp.JSON(t, &e)
						if e.Error.Code == "" || e.Error.Message == "" {
							t.Errorf("error body without code or message: %s", resp.Body)
						}
					}
				})
			}
		}
	}
}

// codes builds the expected status per caller, in the order of Callers.
func codes(anonymous, volunteer, volunteer2, phone, mediator, admin int) map[string]int {
	return map[string]int{"anonymous": anonymous, "volunteer": volunteer, "volunteer2": volunteer2,
		"phone": phone, "mediator": mediator, "admin": admin}
}

// TestAPIAuditsViews checks that every view of a request's or offer's
// personal data leaves a record of who looked.
func TestAPIAuditsViews(t *testing.T) {
	f := NewFixture(t)
	tests := []struct {
		who    string
		role   wijkhelpt.Role
		path   string
		action string
		object string
	}{
		{"mediator", wijkhelpt.RoleMediator, "/api/v1/requests/" + f.Open.ID, "view_request", f.Open.ID},
		{"phone", wijkhelpt.RolePhone, "/api/v1/requests/" + f.Matched.ID, "view_request", f.Matched.ID},
		{"volunteer", wijkhelpt.RoleVolunteer, "/api/v1/requests/" + f.Matched.ID, "view_request", f.Matched.ID},
		{"admin", wijkhelpt.RoleAdmin, "/api/v1/offers/" + f.OfferB.ID, "view_offer", f.OfferB.ID},
	}
	for _, tt := range tests {
		t.Run(tt.who+tt.path, func(t *testing.T) {
			resp := f.Do(t, f.Session[tt.who], JSONRequest(t, http.MethodGet, tt.path, nil))
			if resp.Status != http.StatusOK {
				t.Fatalf("status = %d\n%s", resp.Status, resp.Body)
			}
			actor := wijkhelpt.UserActor(tt.role, f.Users[tt.role].ID)
			if !f.Audited(t, actor, tt.action, tt.object) {
				t.Errorf("no audit record %s %s %s", actor, tt.action, tt.object)
			}
		})
	}
}
