package store_test

import (
	"testing"

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
