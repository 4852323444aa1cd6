package wijkhelpt_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

// ruleLocator is a small Locator for the Desk's unit tests: the geo package
// implements the real one but imports this package, so it cannot be used
// here. It knows a few PC4 areas, reads Dutch numbers by their prefix, and
// reports problems the way the interface asks (invalid-input errors with
// field ""). Postcode 9999 stands for an address service that is down.
type ruleLocator struct {
	mu    sync.Mutex
	calls int // Locate calls
}

var (
	rePostcode = regexp.MustCompile(`^([1-9][0-9]{3}) ?([A-Z]{2})$`)
	reHouse    = regexp.MustCompile(`^[1-9][0-9]{0,4}[a-z]?$`)
	areas      = map[string]string{"3961": "Wijk bij Duurstede", "3945": "Cothen", "9999": "Nergens"}
)

func (l *ruleLocator) NormalizePostcode(s string) (string, error) {
	m := rePostcode.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return "", wijkhelpt.Invalid("", wijkhelpt.T("Vul uw postcode in, bijvoorbeeld 3961 AB.", "Enter your postcode, for example 3961 AB."))
	}
	return m[1] + " " + m[2], nil
}

func (l *ruleLocator) NormalizeHouseNumber(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !reHouse.MatchString(s) {
		return "", wijkhelpt.Invalid("", wijkhelpt.T("Vul uw huisnummer in.", "Enter your house number."))
	}
	return s, nil
}

func (l *ruleLocator) NormalizePhone(s string) (string, bool, error) {
	digits := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(digits) != 10 || digits[0] != '0' || strings.Trim(digits, "0123456789") != "" {
		return "", false, wijkhelpt.Invalid("", wijkhelpt.T("Dit telefoonnummer klopt niet.", "This phone number is not valid."))
	}
	return "+31" + digits[1:], strings.HasPrefix(digits, "06"), nil
}

func (l *ruleLocator) Locate(ctx context.Context, postcode, houseNumber string, given *wijkhelpt.Point) (wijkhelpt.Location, error) {
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	pc4 := postcode[:4]
	place, ok := areas[pc4]
	if !ok {
		return wijkhelpt.Location{}, wijkhelpt.Invalid("", wijkhelpt.T("Deze postcode kennen we niet.", "We do not know this postcode."))
	}
	if pc4 == "9999" {
		return wijkhelpt.Location{}, fmt.Errorf("locate: %w", context.DeadlineExceeded)
	}
	loc := wijkhelpt.Location{Postcode: postcode, HouseNumber: houseNumber, Place: place, PC4: pc4,
		Point: wijkhelpt.Point{Lat: 51.97, Lon: 5.34}, Source: "pc4"}
	if given != nil {
		loc.Point, loc.Source = *given, "given"
	}
	return loc, nil
}

// mapRequests keeps requests in a map, with the idempotency rule of
// RequestStore.
type mapRequests struct {
	mu   sync.Mutex
	byID map[string]*wijkhelpt.Request
}

func (s *mapRequests) CreateRequest(ctx context.Context, r *wijkhelpt.Request) (*wijkhelpt.Request, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = map[string]*wijkhelpt.Request{}
	}
	if r.IdempotencyKey != "" {
		for _, old := range s.byID {
			if old.IdempotencyKey == r.IdempotencyKey {
				return old, false, nil
			}
		}
	}
	s.byID[r.ID] = r
	return r, true, nil
}

func (s *mapRequests) FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.byID[id]; ok {
		return r, nil
	}
	return nil, wijkhelpt.NotFound(wijkhelpt.T("De hulpvraag", "The request"))
}

func (s *mapRequests) UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error) {
	r, err := s.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return r, fn(r)
}

func (s *mapRequests) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// mapOffers keeps offers in a map, with the import-key rule of OfferStore.
type mapOffers struct {
	mu   sync.Mutex
	byID map[string]*wijkhelpt.Offer
}

func (s *mapOffers) CreateOffer(ctx context.Context, o *wijkhelpt.Offer) (*wijkhelpt.Offer, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = map[string]*wijkhelpt.Offer{}
	}
	for _, old := range s.byID {
		if o.ImportKey != "" && old.ImportKey == o.ImportKey {
			return old, false, nil
		}
	}
	s.byID[o.ID] = o
	return o, true, nil
}

func (s *mapOffers) FindOffer(ctx context.Context, id string) (*wijkhelpt.Offer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.byID[id]; ok {
		return o, nil
	}
	return nil, wijkhelpt.NotFound(wijkhelpt.T("Het aanbod", "The offer"))
}

func (s *mapOffers) UpdateOffer(ctx context.Context, id string, fn func(*wijkhelpt.Offer) error) (*wijkhelpt.Offer, error) {
	o, err := s.FindOffer(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return o, fn(o)
}

// scoreTable is a Classifier that answers from a table of texts.
type scoreTable map[string][]wijkhelpt.CategoryScore

func (s scoreTable) Classify(text string) []wijkhelpt.CategoryScore { return s[text] }

type deskFixture struct {
	desk     *wijkhelpt.Desk
	locator  *ruleLocator
	requests *mapRequests
	offers   *mapOffers
}

func newDesk(tb testing.TB, c wijkhelpt.Classifier) deskFixture {
	tb.Helper()
	f := deskFixture{locator: &ruleLocator{}, requests: &mapRequests{}, offers: &mapOffers{}}
	now := tIntake(tb)
	f.desk = &wijkhelpt.Desk{Locator: f.locator, Classifier: c, Requests: f.requests, Offers: f.offers,
		PublicURL: publicURL, Now: func() time.Time { return now }}
	return f
}

func TestSubmitRequest(t *testing.T) {
	f := newDesk(t, nil)
	in := validInput()
	in.Postcode, in.HouseNumber = " 3961ab", "12A "
	r, token, created, err := f.desk.SubmitRequest(context.Background(), in, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	if err != nil {
		t.Fatal(err)
	}
	if !created || token == "" || wijkhelpt.HashToken(token) != r.TokenHash {
		t.Errorf("created %v, token %q: want a new request with its token", created, token)
	}
	stored, err := f.requests.FindRequest(context.Background(), r.ID)
	if err != nil || stored != r {
		t.Fatalf("stored %v, %v", stored, err)
	}
	want := wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12a", Place: "Wijk bij Duurstede", PC4: "3961",
		Point: wijkhelpt.Point{Lat: 51.97, Lon: 5.34}, Source: "pc4"}
	if diff := cmp.Diff(want, r.Location); diff != "" {
		t.Errorf("location (-want +got):\n%s", diff)
	}
	if r.Contact.Phone != residentPhone || !r.Contact.Mobile || !r.CreatedAt.Equal(tIntake(t)) {
		t.Errorf("phone %s, mobile %v, created %s", r.Contact.Phone, r.Contact.Mobile, r.CreatedAt)
	}
	if len(r.Outbox) != 1 || r.Outbox[0].Params["link"] != "https://wijkhelpt.example/r/"+token {
		t.Errorf("outbox %+v, want the confirmation with the status link", r.Outbox)
	}
}

func TestSubmitRequestMergesFieldErrors(t *testing.T) {
	tests := []struct {
		name    string
		change  func(in *wijkhelpt.RequestInput)
		staff   bool
		want    []string
		located bool // the address was looked up
	}{
		{"validation and locator together", func(in *wijkhelpt.RequestInput) {
			in.Text, in.Consent = "", ""
			in.Postcode, in.HouseNumber, in.Contact.Phone = "39 AB", "", "12345"
		}, false, []string{"consent", "contact.phone", "houseNumber", "postcode", "text"}, false},
		{"locator only", func(in *wijkhelpt.RequestInput) { in.Contact.Phone = "" }, false, []string{"contact.phone"}, false},
		{"coordinates from a resident", func(in *wijkhelpt.RequestInput) {
			in.Location = &wijkhelpt.Point{Lat: 52, Lon: 5}
		}, false, []string{"location"}, false},
		{"bad coordinates from staff", func(in *wijkhelpt.RequestInput) {
			in.Location = &wijkhelpt.Point{Lat: 520, Lon: 5}
		}, true, []string{"location"}, false},
		{"unknown postcode area", func(in *wijkhelpt.RequestInput) { in.Postcode = "1234 AB" }, false, []string{"postcode"}, true},
		{"address service down", func(in *wijkhelpt.RequestInput) { in.Postcode = "9999 ZZ" }, false, []string{"postcode"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDesk(t, nil)
			in := validInput()
			tt.change(&in)
			r, token, created, err := f.desk.SubmitRequest(context.Background(), in, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, tt.staff)
			checkCode(t, err, wijkhelpt.ErrInvalid)
			if r != nil || token != "" || created {
				t.Errorf("got request %v, token %q, created %v with an error", r, token, created)
			}
			if diff := cmp.Diff(tt.want, fieldNames(wijkhelpt.AsError(err).Fields)); diff != "" {
				t.Errorf("fields with errors (-want +got):\n%s", diff)
			}
			if n := f.requests.count(); n != 0 {
				t.Errorf("%d requests stored, want none", n)
			}
			if got := f.locator.calls > 0; got != tt.located {
				t.Errorf("address looked up: %v, want %v", got, tt.located)
			}
		})
	}
}

func TestSubmitRequestServiceDownSaysTryLater(t *testing.T) {
	f := newDesk(t, nil)
	in := validInput()
	in.Postcode = "9999 ZZ"
	_, _, _, err := f.desk.SubmitRequest(context.Background(), in, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	msg := wijkhelpt.AsError(err).Fields["postcode"]
	if !strings.Contains(msg.NL, "later") || strings.Contains(msg.EN, "deadline") {
		t.Errorf("postcode message = %+v, want 'try later' without internals", msg)
	}
}

func TestSubmitRequestStaffCoordinates(t *testing.T) {
	f := newDesk(t, nil)
	in := validInput()
	in.Location = &wijkhelpt.Point{Lat: 51.99, Lon: 5.31}
	r, _, _, err := f.desk.SubmitRequest(context.Background(), in, wijkhelpt.ChannelPhone, wijkhelpt.UserActor(wijkhelpt.RolePhone, "u2"), true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Location.Point != *in.Location || r.Location.Source != "given" {
		t.Errorf("location %+v, want the given point", r.Location)
	}
	if len(r.Outbox) != 0 {
		t.Errorf("phone intake queued %d messages, want none", len(r.Outbox))
	}
}

func TestSubmitRequestIdempotent(t *testing.T) {
	f := newDesk(t, nil)
	in := validInput()
	in.IdempotencyKey = "form-7"
	ctx := context.Background()
	first, token, created, err := f.desk.SubmitRequest(ctx, in, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	if err != nil || !created || token == "" {
		t.Fatalf("first: created %v token %q err %v", created, token, err)
	}
	again, token2, created2, err := f.desk.SubmitRequest(ctx, in, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	if err != nil || created2 || token2 != "" || again.ID != first.ID {
		t.Errorf("retry: id %s (first %s) created %v token %q err %v", again.ID, first.ID, created2, token2, err)
	}
	if n := f.requests.count(); n != 1 {
		t.Errorf("%d requests stored, want 1", n)
	}
}

func TestSubmitRequestInfersCategories(t *testing.T) {
	text := "Mevrouw belt: kan iemand boodschappen doen en de hond uitlaten?"
	classifier := scoreTable{text: {{"boodschappen", 0.6}, {"huisdieren", 0.5}, {"gezelschap", 0.1}}}
	tests := []struct {
		name         string
		classifier   wijkhelpt.Classifier
		given        []string
		want         []string
		wantInferred bool
	}{
		{"inferred", classifier, nil, []string{"boodschappen", "huisdieren"}, true},
		{"given wins", classifier, []string{"vervoer"}, []string{"vervoer"}, false},
		{"no classifier", nil, nil, []string{}, false},
		{"nothing recognised", scoreTable{}, nil, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDesk(t, tt.classifier)
			in := validInput()
			in.Text, in.Categories = text, tt.given
			r, _, _, err := f.desk.SubmitRequest(context.Background(), in, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Categories); diff != "" {
				t.Errorf("categories (-want +got):\n%s", diff)
			}
			if r.CategoriesInferred != tt.wantInferred {
				t.Errorf("CategoriesInferred = %v, want %v", r.CategoriesInferred, tt.wantInferred)
			}
		})
	}
}

func TestInferCategories(t *testing.T) {
	cs := func(pairs ...any) []wijkhelpt.CategoryScore {
		var out []wijkhelpt.CategoryScore
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, wijkhelpt.CategoryScore{Code: pairs[i].(string), Score: pairs[i+1].(float64)})
		}
		return out
	}
	tests := []struct {
		name   string
		scores []wijkhelpt.CategoryScore
		want   []string
	}{
		{"nothing", nil, nil},
		{"zero best", cs("tuin", 0.0), nil},
		{"one", cs("tuin", 0.7), []string{"tuin"}},
		{"second far behind", cs("tuin", 0.9, "klussen", 0.5), []string{"tuin"}},
		{"second just below 0.8", cs("tuin", 1.0, "klussen", 0.79), []string{"tuin"}},
		{"second at 0.8 exactly", cs("tuin", 1.0, "klussen", 0.8), []string{"tuin", "klussen"}},
		{"second at 0.8 of 0.9", cs("tuin", 0.9, "klussen", 0.72), []string{"tuin", "klussen"}},
		{"second close", cs("tuin", 0.5, "klussen", 0.45, "verhuizen", 0.44), []string{"tuin", "klussen"}},
		{"tie", cs("tuin", 0.5, "klussen", 0.5), []string{"tuin", "klussen"}},
		{"unknown code is dropped", cs("ruimtevaart", 0.9, "tuin", 0.8), []string{"tuin"}},
	}
	const text = "tekst"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wijkhelpt.InferCategories(scoreTable{text: tt.scores}, text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("InferCategories (-want +got):\n%s", diff)
			}
		})
	}
	if got := wijkhelpt.InferCategories(nil, text); got != nil {
		t.Errorf("InferCategories(nil) = %v, want nil", got)
	}
}

func TestRegisterOffer(t *testing.T) {
	f := newDesk(t, nil)
	ctx := context.Background()
	in := validOfferInput()
	key := wijkhelpt.OfferImportKey("+31622220001", "  Anna  de Boer ")
	if key != wijkhelpt.OfferImportKey("+31622220001", "anna de boer") {
		t.Errorf("import key depends on spacing or case: %q", key)
	}
	o, created, err := f.desk.RegisterOffer(ctx, in, wijkhelpt.ActorImport, key)
	if err != nil || !created {
		t.Fatalf("created %v err %v", created, err)
	}
	if o.Phone != "+31622220001" || !o.Mobile || o.Location.PC4 != "3961" || o.ImportKey != key || !o.Active {
		t.Errorf("offer %+v", o)
	}
	again, created, err := f.desk.RegisterOffer(ctx, in, wijkhelpt.ActorImport, key)
	if err != nil || created || again.ID != o.ID {
		t.Errorf("second import: id %s (first %s) created %v err %v", again.ID, o.ID, created, err)
	}

	bad := validOfferInput()
	bad.Name, bad.Phone, bad.Postcode = "", "999", "1234 AB"
	_, _, err = f.desk.RegisterOffer(ctx, bad, wijkhelpt.ActorImport, "")
	checkCode(t, err, wijkhelpt.ErrInvalid)
	if diff := cmp.Diff([]string{"name", "phone"}, fieldNames(wijkhelpt.AsError(err).Fields)); diff != "" {
		t.Errorf("fields with errors (-want +got):\n%s", diff)
	}
	unknown := validOfferInput()
	unknown.Postcode = "1234 AB"
	_, _, err = f.desk.RegisterOffer(ctx, unknown, wijkhelpt.ActorImport, "")
	if diff := cmp.Diff([]string{"postcode"}, fieldNames(wijkhelpt.AsError(err).Fields)); diff != "" {
		t.Errorf("fields with errors (-want +got):\n%s", diff)
	}
	if n := len(f.offers.byID); n != 1 {
		t.Errorf("%d offers stored, want 1", n)
	}
}

// errStore fails every write, as a store that is down does.
type errStore struct{ mapRequests }

func (*errStore) CreateRequest(ctx context.Context, r *wijkhelpt.Request) (*wijkhelpt.Request, bool, error) {
	return nil, false, fmt.Errorf("store: create request: %w", errors.New("connection refused"))
}

func TestSubmitRequestStoreFails(t *testing.T) {
	f := newDesk(t, nil)
	f.desk.Requests = &errStore{}
	r, token, created, err := f.desk.SubmitRequest(context.Background(), validInput(), wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, false)
	if err == nil || r != nil || token != "" || created {
		t.Errorf("got %v %q %v %v, want only an error", r, token, created, err)
	}
	if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrInternal {
		t.Errorf("code %s, want internal", wijkhelpt.ErrorCodeOf(err))
	}
}
