package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"wijkhelpt"
	"wijkhelpt/store"
)

// opener makes a new, empty store of the test's own (Run's open).
type opener func(testing.TB) store.Store

// scenario is one behaviour every store must have.
type scenario struct {
	name string
	run  func(t *testing.T, open opener)
}

// Run runs every scenario against the stores open makes: each call of open
// must return a new, empty store of the test's own.
//
//	func TestConformance(t *testing.T) { storetest.Run(t, open) }
func Run(t *testing.T, open func(testing.TB) store.Store) {
	all := slices.Concat(requestScenarios, offerScenarios, userScenarios, sessionScenarios,
		messageScenarios, feedScenarios, dumpScenarios)
	seen := map[string]bool{}
	for _, sc := range all {
		if seen[sc.name] {
			t.Fatalf("storetest: two scenarios named %q", sc.name)
		}
		seen[sc.name] = true
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, open)
		})
	}
}

// t0 is a fixed moment for the changes scenarios make; requests are
// submitted a day before it.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// far is an expiry no real clock reaches while the suite runs, and past one
// every real clock has passed: FindSession checks against the store's clock.
var (
	far  = time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
	past = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
)

const mediator = wijkhelpt.Actor("mediator:u1")

func testLocation() wijkhelpt.Location {
	return wijkhelpt.Location{
		Postcode: "3961 AB", HouseNumber: "12", Street: "Markt", Place: "Wijk bij Duurstede",
		PC4: "3961", Point: wijkhelpt.Point{Lat: 51.9745, Lon: 5.3427}, Source: "pc4",
	}
}

// newRequest builds an open request as the web intake would, with the
// given idempotency key (may be empty) and contact phone. It has one
// message in its outbox.
func newRequest(tb testing.TB, key, phone string) *wijkhelpt.Request {
	tb.Helper()
	in := wijkhelpt.RequestInput{
		Text:           "Wie kan dinsdag boodschappen voor mij doen?",
		Categories:     []string{"boodschappen"},
		Slots:          []string{"di-ochtend"},
		Contact:        wijkhelpt.Contact{Name: "Anna de Vries", Phone: phone},
		Consent:        wijkhelpt.ConsentWeb,
		IdempotencyKey: key,
	}
	r, token := wijkhelpt.NewRequest(in, testLocation(), phone, true, wijkhelpt.ChannelWeb,
		wijkhelpt.ActorResident, t0.Add(-24*time.Hour), "https://wijkhelpt.example")
	if token == "" || r.PendingMessages != 1 {
		tb.Fatalf("NewRequest: token %q, pending %d; want a token and one message", token, r.PendingMessages)
	}
	return r
}

// newOffer builds an active volunteer offer named name.
func newOffer(name, importKey string) *wijkhelpt.Offer {
	in := wijkhelpt.OfferInput{
		Kind: wijkhelpt.OfferVolunteer, Name: name, Categories: []string{"boodschappen", "vervoer"},
		Slots: []string{"di-ochtend", "wo-middag"}, MaxDistanceKm: 5, Capacity: 2,
	}
	o := wijkhelpt.NewOffer(in, testLocation(), "+31687654321", true, wijkhelpt.ActorImport, t0)
	o.ImportKey = importKey
	return o
}

// newOffers builds n offers; with a prefix, their import keys are the
// prefix and their number.
func newOffers(n int, keyPrefix string) []*wijkhelpt.Offer {
	out := make([]*wijkhelpt.Offer, n)
	for i := range out {
		key := ""
		if keyPrefix != "" {
			key = fmt.Sprintf("%s%05d", keyPrefix, i)
		}
		out[i] = newOffer(fmt.Sprintf("Vrijwilliger %d", i), key)
	}
	return out
}

// newDelivery builds a pending SMS due at due.
func newDelivery(key string, due time.Time) *wijkhelpt.Delivery {
	return &wijkhelpt.Delivery{
		Key: key, RequestID: "r1", Channel: wijkhelpt.ChannelSMS, To: "+31612345678",
		Template: wijkhelpt.TmplVolunteerProposal, Lang: "nl", Body: "Kun jij helpen?",
		Params: map[string]string{"name": "Piet"}, DueAt: due, State: wijkhelpt.DeliveryPending,
		CreatedAt: t0, UpdatedAt: t0,
	}
}

// createRequest stores a new request and returns it as stored.
func createRequest(tb testing.TB, s store.Store, r *wijkhelpt.Request) *wijkhelpt.Request {
	tb.Helper()
	stored, created, err := s.CreateRequest(tb.Context(), r)
	if err != nil || !created {
		tb.Fatalf("CreateRequest: created %v, err %v; want a new request", created, err)
	}
	return stored
}

// createOffer stores a new offer and returns it as stored.
func createOffer(tb testing.TB, s store.Store, o *wijkhelpt.Offer) *wijkhelpt.Offer {
	tb.Helper()
	stored, created, err := s.CreateOffer(tb.Context(), o)
	if err != nil || !created {
		tb.Fatalf("CreateOffer: created %v, err %v; want a new offer", created, err)
	}
	return stored
}

// updateRequest changes a request and fails the test when that fails.
func updateRequest(tb testing.TB, s store.Store, id string, fn func(*wijkhelpt.Request) error) *wijkhelpt.Request {
	tb.Helper()
	r, err := s.UpdateRequest(tb.Context(), id, fn)
	if err != nil {
		tb.Fatalf("UpdateRequest(%s): %v", id, err)
	}
	return r
}

// insertMessages stores new messages one by one.
func insertMessages(tb testing.TB, s store.Store, ds ...*wijkhelpt.Delivery) {
	tb.Helper()
	for _, d := range ds {
		if ok, err := s.InsertMessage(tb.Context(), d); err != nil || !ok {
			tb.Fatalf("InsertMessage(%s) = %v, %v; want true, nil", d.Key, ok, err)
		}
	}
}

// storedDiff compares documents, ignoring what a round trip through a
// store changes by design: time precision (milliseconds) and zone, and nil
// against empty slices and maps.
func storedDiff(want, got any) string {
	return cmp.Diff(want, got, cmpopts.EquateApproxTime(time.Millisecond), cmpopts.EquateEmpty())
}

func codeOf(err error) wijkhelpt.ErrorCode { return wijkhelpt.ErrorCodeOf(err) }

func requestIDs(rs []*wijkhelpt.Request) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func offerIDs(os []*wijkhelpt.Offer) []string {
	out := []string{}
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func messageKeys(ds []*wijkhelpt.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Key)
	}
	return out
}

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
