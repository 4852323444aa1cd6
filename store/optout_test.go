package store_test

import (
	"testing"

	"wijkhelpt"
	"wijkhelpt/store/storetest"
)

// An SMS opt-out reaches the offers of that number through the offer feed,
// so that matching engines on every instance stop suggesting them.
func TestOptOutMarksOffersInTheFeed(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	mine, other := newOffer("Anna de Vries", ""), newOffer("Bert Smit", "")
	mine.Phone, other.Phone = "+31611111111", "+31622222222"
	a, _, err := db.CreateOffer(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.CreateOffer(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []bool{true, false} {
		before := max(a.Revision, b.Revision)
		if err := db.SetOptOut(ctx, mine.Phone, step, t0); err != nil {
			t.Fatal(err)
		}
		changed, err := db.OffersChangedSince(ctx, before, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(changed) != 1 || changed[0].ID != a.ID || changed[0].OptedOut != step {
			t.Fatalf("opt-out %v: feed after %d holds %d offers (%+v); want only %s with OptedOut %v", step, before, len(changed), changed, a.ID, step)
		}
		a = changed[0]
		got, err := db.FindOffer(ctx, b.ID)
		if err != nil || got.OptedOut || got.Revision != b.Revision {
			t.Fatalf("the other number's offer changed: %+v, %v", got, err)
		}
	}
}

// A number that sent STOP before it had an offer: an offer registered,
// imported or moved to that number later starts opted out, and one moved
// away from it is opted in again.
func TestNewOfferOfAnOptedOutNumber(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	const stopped, fine = "+31633333333", "+31644444444"
	if err := db.SetOptOut(ctx, stopped, true, t0); err != nil {
		t.Fatal(err)
	}
	o := newOffer("Carla Jansen", "")
	o.Phone = stopped
	created, _, err := db.CreateOffer(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !created.OptedOut {
		t.Errorf("an offer registered for a number that sent STOP is not opted out")
	}
	imported := newOffers(3, "optout:")
	imported[0].Phone, imported[1].Phone, imported[2].Phone = stopped, fine, stopped
	if n, err := db.InsertOffers(ctx, imported); err != nil || n != 3 {
		t.Fatalf("InsertOffers = %d, %v", n, err)
	}
	for i, want := range []bool{true, false, true} {
		got, err := db.FindOffer(ctx, imported[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.OptedOut != want {
			t.Errorf("imported offer %d (%s): OptedOut %v, want %v", i, got.Phone, got.OptedOut, want)
		}
	}
	moved, err := db.UpdateOffer(ctx, imported[1].ID, func(o *wijkhelpt.Offer) error { o.Phone = stopped; return nil })
	if err != nil || !moved.OptedOut {
		t.Errorf("an offer moved to a number that sent STOP: OptedOut %v, %v; want true", moved.OptedOut, err)
	}
	back, err := db.UpdateOffer(ctx, moved.ID, func(o *wijkhelpt.Offer) error { o.Phone = fine; return nil })
	if err != nil || back.OptedOut {
		t.Errorf("an offer moved to a number that did not: OptedOut %v, %v; want false", back.OptedOut, err)
	}
}
