package portal_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

type matchesAnswer struct {
	Matches []struct {
		ID      string `json:"id"`
		OfferID string `json:"offerId"`
		Status  string `json:"status"`
	} `json:"matches"`
}

type actionAnswer struct {
	Match struct {
		ID     string  `json:"id"`
		Status string  `json:"status"`
		Hours  float64 `json:"hours"`
	} `json:"match"`
	RequestStatus string `json:"requestStatus"`
}

func TestSuggestions(t *testing.T) {
	f := NewFixture(t)
	resp := f.Do(t, f.Bearer["mediator"], JSONRequest(t, http.MethodGet, "/api/v1/requests/"+f.Open.ID+"/suggestions?limit=5", nil))
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	var got struct {
		Suggestions []struct {
			OfferID string  `json:"offerId"`
			Score   float64 `json:"score"`
			Reasons []any   `json:"reasons"`
		} `json:"suggestions"`
		Excluded map[string]int `json:"excluded"`
	}
	resp.JSON(t, &got)
	var ids []string
	for _, s := range got.Suggestions {
		ids = append(ids, s.OfferID)
		if s.Score <= 0 || len(s.Reasons) == 0 {
			t.Errorf("suggestion %s without score or reasons: %+v", s.OfferID, s)
		}
	}
	if len(ids) != 2 || !(ids[0] == f.OfferA.ID || ids[0] == f.OfferB.ID) || ids[0] == ids[1] {
		t.Errorf("suggested %v, want offers A and B", ids)
	}
	if _, ok := got.Excluded["distance"]; !ok {
		t.Errorf("no exclusion counts: %s", resp.Body)
	}
	AssertNoLeak(t, "suggestions", resp.Body, []string{"+31611111111", "+31622222222", "Bakker", "Smit"})
	if got := f.Do(t, f.Bearer["mediator"], JSONRequest(t, http.MethodGet, "/api/v1/requests/"+f.Open.ID+"/suggestions?limit=0", nil)).Status; got != 422 {
		t.Errorf("limit=0: status %d, want 422", got)
	}
}

// TestProposeAndAnswer walks a request from open to done through the API:
// a mediator confirms it to two volunteers, the first yes takes it, the
// other is told it is arranged, and the volunteer records the hours.
func TestProposeAndAnswer(t *testing.T) {
	f := NewFixture(t)
	resp := f.Do(t, f.Session["mediator"], JSONRequest(t, http.MethodPost, "/api/v1/matches",
		map[string]any{"requestId": f.Open.ID, "offerIds": []string{f.OfferB.ID, f.OfferA.ID}}))
	if resp.Status != http.StatusCreated {
		t.Fatalf("propose: status %d\n%s", resp.Status, resp.Body)
	}
	var m matchesAnswer
	resp.JSON(t, &m)
	if len(m.Matches) != 2 || m.Matches[0].OfferID != f.OfferB.ID || m.Matches[1].OfferID != f.OfferA.ID {
		t.Fatalf("matches %+v", m.Matches)
	}
	for _, mm := range m.Matches {
		if mm.Status != "proposed" {
			t.Errorf("match %s is %s, want proposed", mm.ID, mm.Status)
		}
	}
	mB, mA := m.Matches[0].ID, m.Matches[1].ID
	r, err := f.DB.FindRequest(t.Context(), f.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != wijkhelpt.RequestProposed {
		t.Errorf("request %s, want proposed", r.Status)
	}

	// Before accepting, the volunteer may not see the request.
	if got := f.Do(t, f.Session["volunteer2"], JSONRequest(t, http.MethodGet, "/api/v1/requests/"+f.Open.ID, nil)).Status; got != 404 {
		t.Errorf("proposed volunteer reads request: %d, want 404", got)
	}
	// A volunteer cannot answer for someone else's offer.
	if got := f.Do(t, f.Session["volunteer"], JSONRequest(t, http.MethodPost, "/api/v1/matches/"+mB+"/accept", nil)).Status; got != 404 {
		t.Errorf("volunteer A accepts B's match: %d, want 404", got)
	}

	steps := []struct {
		who, match, action string
		body               any
		wantMatch, wantReq string
	}{
		{"volunteer2", mB, "accept", nil, "accepted", "matched"},
		{"volunteer", mA, "accept", nil, "", ""}, // taken already: 409
		{"volunteer2", mB, "complete", map[string]any{"hours": 2.5}, "completed", "done"},
	}
	for _, s := range steps {
		resp := f.Do(t, f.Session[s.who], JSONRequest(t, http.MethodPost, "/api/v1/matches/"+s.match+"/"+s.action, s.body))
		if s.wantMatch == "" {
			if resp.Status != http.StatusConflict {
				t.Errorf("%s %s: status %d, want 409\n%s", s.who, s.action, resp.Status, resp.Body)
			}
			continue
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("%s %s: status %d\n%s", s.who, s.action, resp.Status, resp.Body)
		}
		var a actionAnswer
		resp.JSON(t, &a)
		if a.Match.Status != s.wantMatch || a.RequestStatus != s.wantReq {
			t.Errorf("%s %s: match %s request %s, want %s %s", s.who, s.action, a.Match.Status, a.RequestStatus, s.wantMatch, s.wantReq)
		}
	}
	r, err = f.DB.FindRequest(t.Context(), f.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, mm := range r.Matches {
		got[mm.ID] = string(mm.Status)
	}
	if diff := cmp.Diff(map[string]string{mB: "completed", mA: "cancelled"}, got); diff != "" {
		t.Errorf("matches (-want +got):\n%s", diff)
	}
	if r.Matches[0].Hours != 2.5 {
		t.Errorf("hours %v, want 2.5", r.Matches[0].Hours)
	}
	wantBy := wijkhelpt.UserActor(wijkhelpt.RoleVolunteer, f.Volunteer2.ID)
	if last := r.History[len(r.History)-1]; last.Actor != wantBy {
		t.Errorf("last change by %q, want %q", last.Actor, wantBy)
	}
}

// TestProposeRefused checks that a refused confirmation changes nothing.
func TestProposeRefused(t *testing.T) {
	f := NewFixture(t)
	ctx := t.Context()
	paused, _, err := f.Desk.RegisterOffer(ctx, wijkhelpt.OfferInput{Name: "Gerrit Pauze", Phone: "06-27777777",
		Postcode: "3961 AB", HouseNumber: "2", Categories: []string{"boodschappen"}}, wijkhelpt.ActorImport, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.UpdateOffer(ctx, paused.ID, func(o *wijkhelpt.Offer) error { o.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	gardener, _, err := f.Desk.RegisterOffer(ctx, wijkhelpt.OfferInput{Name: "Tineke Tuin", Phone: "06-28888888",
		Postcode: "3961 AB", HouseNumber: "3", Categories: []string{"tuin"}}, wijkhelpt.ActorImport, "")
	if err != nil {
		t.Fatal(err)
	}
	f.Sync(t)
	tests := []struct {
		name    string
		body    any
		want    int
		message string // part of the English message
	}{
		{"request not open", map[string]any{"requestId": f.Matched.ID, "offerId": f.OfferB.ID}, 409, "now 'matched'"},
		{"volunteer paused", map[string]any{"requestId": f.Open.ID, "offerId": paused.ID}, 409, "paused"},
		{"no shared category", map[string]any{"requestId": f.Open.ID, "offerIds": []string{f.OfferA.ID, gardener.ID}}, 409, "does not help with"},
		{"unknown offer", map[string]any{"requestId": f.Open.ID, "offerId": "000000000000000000000000"}, 404, ""},
		{"unknown request", map[string]any{"requestId": "000000000000000000000000", "offerId": f.OfferA.ID}, 404, ""},
		{"four offers", map[string]any{"requestId": f.Open.ID, "offerIds": []string{"a", "b", "c", "d"}}, 422, ""},
		{"both forms", map[string]any{"requestId": f.Open.ID, "offerId": f.OfferA.ID, "offerIds": []string{f.OfferB.ID}}, 422, ""},
		{"nothing", map[string]any{}, 422, ""},
		{"same offer twice", map[string]any{"requestId": f.Open.ID, "offerIds": []string{f.OfferA.ID, f.OfferA.ID}}, 422, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, f)
			req := JSONRequest(t, http.MethodPost, "/api/v1/matches", tt.body)
			req.Header.Set("Accept-Language", "en")
			resp := f.Do(t, f.Bearer["mediator"], req)
			if resp.Status != tt.want {
				t.Fatalf("status %d, want %d\n%s", resp.Status, tt.want, resp.Body)
			}
			var e apiErr
			resp.JSON(t, &e)
			if !strings.Contains(e.Error.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", e.Error.Message, tt.message)
			}
			if diff := cmp.Diff(before, snapshot(t, f)); diff != "" {
				t.Errorf("requests changed (-before +after):\n%s", diff)
			}
		})
	}
}

// snapshot is each request's revision, to see that nothing was written.
func snapshot(t *testing.T, f *Fixture) map[string]int64 {
	t.Helper()
	rs, err := f.DB.FindRequests(t.Context(), wijkhelpt.RequestFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rs {
		out[r.ID] = r.Revision
	}
	return out
}

// TestMatchTransitionRefused: a transition the state does not allow is a
// 409 and changes nothing.
func TestMatchTransitionRefused(t *testing.T) {
	f := NewFixture(t)
	matchID := f.Matched.Matches[0].ID
	tests := []struct {
		who, action string
		body        any
		want        int
	}{
		{"volunteer", "decline", nil, 409},
		{"mediator", "accept", nil, 409},
		{"volunteer", "complete", map[string]any{"hours": -1}, 422},
		{"volunteer", "complete", map[string]any{"hours": "twee"}, 422},
		{"volunteer", "cancel", map[string]any{"reason": strings.Repeat("x", 501)}, 422},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.action, func(t *testing.T) {
			before := snapshot(t, f)
			resp := f.Do(t, f.Session[tt.who], JSONRequest(t, http.MethodPost, "/api/v1/matches/"+matchID+"/"+tt.action, tt.body))
			if resp.Status != tt.want {
				t.Fatalf("status %d, want %d\n%s", resp.Status, tt.want, resp.Body)
			}
			if diff := cmp.Diff(before, snapshot(t, f)); diff != "" {
				t.Errorf("requests changed (-before +after):\n%s", diff)
			}
		})
	}
	// The volunteer can still give the task back: the request is open again.
	resp := f.Do(t, f.Session["volunteer"], JSONRequest(t, http.MethodPost, "/api/v1/matches/"+matchID+"/cancel",
		map[string]any{"reason": "ziek"}))
	var a actionAnswer
	resp.JSON(t, &a)
	if resp.Status != http.StatusOK || a.Match.Status != "cancelled" || a.RequestStatus != "open" {
		t.Errorf("cancel: status %d, %+v", resp.Status, a)
	}
}
