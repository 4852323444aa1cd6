package portal_test

import (
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func TestCreateRequestInvalid(t *testing.T) {
	f := NewFixture(t)
	bad := map[string]any{
		"text":        "  ",
		"categories":  []string{"astrologie"},
		"slots":       []string{"di-nacht"},
		"date":        "2001-01-01",
		"dayPart":     "nacht",
		"postcode":    "39",
		"houseNumber": "",
		"location":    map[string]any{"lat": 52.0, "lon": 5.3},
		"contact":     map[string]any{"name": "", "phone": "12", "email": "geen-adres"},
		"consent":     "verbal",
	}
	wantFields := []string{"categories", "consent", "contact.email", "contact.name", "contact.phone",
		"date", "dayPart", "houseNumber", "location", "postcode", "slots", "text"}
	tests := []struct {
		name   string
		lang   string // Accept-Language
		query  string
		wantNL bool
	}{
		{"dutch by default", "", "", true},
		{"english by header", "en-GB,en;q=0.9", "", false},
		{"query wins", "en", "?lang=nl", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.CountRequests(t)
			req := JSONRequest(t, http.MethodPost, "/api/v1/requests"+tt.query, bad)
			if tt.lang != "" {
				req.Header.Set("Accept-Language", tt.lang)
			}
			resp := f.Do(t, Caller{}, req)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%s", resp.Status, resp.Body)
			}
			var e apiErr
			resp.JSON(t, &e)
			var got []string
			for k := range e.Error.Fields {
				got = append(got, k)
			}
			sort.Strings(got)
			if diff := cmp.Diff(wantFields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			wantText := "Vertel kort waar u hulp bij zoekt."
			if !tt.wantNL {
				wantText = "Tell us briefly what you need help with."
			}
			if e.Error.Fields["text"] != wantText {
				t.Errorf("text message %q, want %q", e.Error.Fields["text"], wantText)
			}
			if after := f.CountRequests(t); after != before {
				t.Errorf("requests stored: %d before, %d after", before, after)
			}
		})
	}
}

func TestCreateRequestAnswer(t *testing.T) {
	f := NewFixture(t)
	body := map[string]any{"text": "Wie kan mijn heg snoeien?", "postcode": "3962aa", "houseNumber": "4",
		"contact": map[string]any{"name": "Ans Post", "phone": "06-44444444"}, "consent": "web"}
	resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/requests", body))
	if resp.Status != http.StatusCreated {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	var got map[string]any
	resp.JSON(t, &got)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if diff := cmp.Diff([]string{"categories", "contact", "createdAt", "id", "location", "ref", "slots", "status"}, keys); diff != "" {
		t.Errorf("answer keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"name": "Ans Post", "phone": "+31644444444", "mobile": true}, got["contact"]); diff != "" {
		t.Errorf("contact (-want +got):\n%s", diff)
	}
	loc := got["location"].(map[string]any)
	if loc["pc4"] != "3962" || loc["place"] != "Wijk bij Duurstede" {
		t.Errorf("location %v", loc)
	}
	if got["status"] != "open" || got["categories"] == nil {
		t.Errorf("status %v categories %v", got["status"], got["categories"])
	}
	r, err := f.DB.FindRequest(t.Context(), got["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if r.Channel != wijkhelpt.ChannelWeb || r.CreatedBy != wijkhelpt.ActorResident {
		t.Errorf("anonymous request stored with channel %q by %q", r.Channel, r.CreatedBy)
	}

	// Staff through a token may give coordinates and record verbal consent.
	body["location"] = map[string]any{"lat": 51.99, "lon": 5.35}
	body["consent"] = "verbal"
	resp = f.Do(t, f.Bearer["phone"], JSONRequest(t, http.MethodPost, "/api/v1/requests", body))
	if resp.Status != http.StatusCreated {
		t.Fatalf("staff: status %d\n%s", resp.Status, resp.Body)
	}
	resp.JSON(t, &got)
	if r, err = f.DB.FindRequest(t.Context(), got["id"].(string)); err != nil {
		t.Fatal(err)
	}
	if r.Channel != wijkhelpt.ChannelAPI || r.Location.Source != "given" || r.Consent != wijkhelpt.ConsentVerbal {
		t.Errorf("staff request: channel %q source %q consent %q", r.Channel, r.Location.Source, r.Consent)
	}
}

// TestCreateRequestIdempotent sends the same request ten times at once:
// one request is stored, and every answer names it.
func TestCreateRequestIdempotent(t *testing.T) {
	f := NewFixture(t)
	body := map[string]any{"text": "Boodschappen op vrijdag", "postcode": "3961 AB", "houseNumber": "20",
		"contact": map[string]any{"name": "Kees Mol", "phone": "06-55555555"}, "consent": "web"}
	tests := []struct {
		name   string
		caller Caller
		header bool // key in the Idempotency-Key header rather than the body
	}{
		{"anonymous, header", Caller{}, true},
		{"token, body", f.Bearer["admin"], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := wijkhelpt.NewToken()
			b := map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			if !tt.header {
				b["idempotencyKey"] = key
			}
			before := f.CountRequests(t)
			var wg sync.WaitGroup
			resps := make([]Response, 10)
			for i := range resps {
				wg.Go(func() {
					req := JSONRequest(t, http.MethodPost, "/api/v1/requests", b)
					if tt.header {
						req.Header.Set("Idempotency-Key", key)
					}
					resps[i] = f.Do(t, tt.caller, req)
				})
			}
			wg.Wait()
			ids := map[string]bool{}
			statuses := map[int]int{}
			for _, r := range resps {
				statuses[r.Status]++
				var got struct{ ID string }
				r.JSON(t, &got)
				ids[got.ID] = true
			}
			if diff := cmp.Diff(map[int]int{201: 1, 200: 9}, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if len(ids) != 1 {
				t.Errorf("answers name %d requests, want 1: %v", len(ids), ids)
			}
			if after := f.CountRequests(t); after != before+1 {
				t.Errorf("stored %d requests, want 1", after-before)
			}
		})
	}

	// Someone else who happens to send the same key with other details gets
	// a request of their own, not the first caller's.
	key := wijkhelpt.NewToken()
	first := JSONRequest(t, http.MethodPost, "/api/v1/requests", body)
	first.Header.Set("Idempotency-Key", key)
	a := f.Do(t, Caller{}, first)
	other := map[string]any{"text": "Iemand om mee te wandelen", "postcode": "3962 AA", "houseNumber": "5",
		"contact": map[string]any{"name": "Bep Kok", "phone": "06-66666666"}, "consent": "web"}
	second := JSONRequest(t, http.MethodPost, "/api/v1/requests", other)
	second.Header.Set("Idempotency-Key", key)
	b := f.Do(t, Caller{}, second)
	if a.Status != http.StatusCreated || b.Status != http.StatusCreated {
		t.Fatalf("statuses %d and %d, want 201 twice", a.Status, b.Status)
	}
	AssertNoLeak(t, "second caller with the same key", b.Body, []string{"Kees Mol", "+31655555555"})
}

func TestListRequests(t *testing.T) {
	f := NewFixture(t)
	var all []string
	after := ""
	for range 5 {
		resp := f.Do(t, f.Bearer["mediator"], JSONRequest(t, http.MethodGet, "/api/v1/requests?limit=1&after="+after, nil))
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d\n%s", resp.Status, resp.Body)
		}
		var page struct {
			Requests []struct{ ID, Status string }
			Next     string
		}
		resp.JSON(t, &page)
		for _, r := range page.Requests {
			all = append(all, r.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	want := []string{f.Open.ID, f.Matched.ID}
	sort.Strings(want)
	sort.Strings(all)
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("paged through (-want +got):\n%s", diff)
	}

	resp := f.Do(t, f.Bearer["phone"], JSONRequest(t, http.MethodGet, "/api/v1/requests?status=matched,done", nil))
	var page struct{ Requests []struct{ ID string } }
	resp.JSON(t, &page)
	if len(page.Requests) != 1 || page.Requests[0].ID != f.Matched.ID {
		t.Errorf("status filter: %s", resp.Body)
	}
	AssertNoLeak(t, "list", resp.Body, append(f.OpenPersonal, f.MatchedPersonal...))

	for _, q := range []string{"?status=zoek", "?limit=0", "?limit=201", "?limit=x"} {
		if got := f.Do(t, f.Bearer["phone"], JSONRequest(t, http.MethodGet, "/api/v1/requests"+q, nil)).Status; got != 422 {
			t.Errorf("%s: status %d, want 422", q, got)
		}
	}
}

func TestIntakeRateLimited(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	bad := map[string]any{"text": ""} // refused, but counted: the limit protects the geocoder too
	for i := 1; i <= 30; i++ {
		if got := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/requests", bad)).Status; got != 422 {
			t.Fatalf("attempt %d: status %d, want 422", i, got)
		}
	}
	resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/requests", bad))
	if resp.Status != http.StatusTooManyRequests {
		t.Fatalf("31st: status %d, want 429", resp.Status)
	}
	// Staff are not limited: the phone line must keep working.
	if got := f.Do(t, f.Bearer["phone"], JSONRequest(t, http.MethodPost, "/api/v1/requests", bad)).Status; got != 422 {
		t.Errorf("staff: status %d, want 422", got)
	}
}
