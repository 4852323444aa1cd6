package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"wijkhelpt"
)

// t0 is a fixed moment for the changes tests make; requests are submitted
// a day before it.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const mediator = wijkhelpt.Actor("mediator:u1")

func testLocation() wijkhelpt.Location {
	return wijkhelpt.Location{
		Postcode: "3961 AB", HouseNumber: "12", Street: "Markt", Place: "Wijk bij Duurstede",
		PC4: "3961", Point: wijkhelpt.Point{Lat: 51.9745, Lon: 5.3427}, Source: "pc4",
	}
}

// newRequest builds an open request as the web intake would, with the
// given idempotency key (may be empty) and contact phone.
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

func newDelivery(key string, due time.Time) *wijkhelpt.Delivery {
	return &wijkhelpt.Delivery{
		Key: key, RequestID: "r1", Channel: wijkhelpt.ChannelSMS, To: "+31612345678",
		Template: wijkhelpt.TmplVolunteerProposal, Lang: "nl", Body: "Kun jij helpen?",
		Params: map[string]string{"name": "Piet"}, DueAt: due, State: wijkhelpt.DeliveryPending,
		CreatedAt: t0, UpdatedAt: t0,
	}
}

// storedDiff compares documents, ignoring what a round trip through BSON
// changes by design: time precision (milliseconds) and zone, and nil
// against empty slices and maps.
func storedDiff(want, got any) string {
	return cmp.Diff(want, got, cmpopts.EquateApproxTime(time.Millisecond), cmpopts.EquateEmpty())
}

func codeOf(err error) wijkhelpt.ErrorCode { return wijkhelpt.ErrorCodeOf(err) }

func createRequest(tb testing.TB, db *DB, r *wijkhelpt.Request) *wijkhelpt.Request {
	tb.Helper()
	stored, created, err := db.CreateRequest(tb.Context(), r)
	if err != nil || !created {
		tb.Fatalf("CreateRequest = %v, %v; want a new request", created, err)
	}
	return stored
}
