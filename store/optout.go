package store

import (
	"context"
	"fmt"

	"wijkhelpt"
)

// markOffersOptedOut copies an SMS opt-out (or opt-in) of phone onto the
// offers with that number. The opt-out itself lives in its own collection;
// the copy on the offer goes through UpdateOffer, so it takes a revision
// and every instance's matching engine sees it in the offer feed (spec §7,
// constraint 1: an opted-out owner is not suggested unless they answer in
// the portal). A number has a handful of offers at most.
func (db *DB) markOffersOptedOut(ctx context.Context, phone string, optedOut bool) error {
	offers, err := db.FindOffers(ctx, wijkhelpt.OfferFilter{Phone: phone, Limit: 500})
	if err != nil {
		return fmt.Errorf("store: mark offers opted out: %w", err)
	}
	for _, o := range offers {
		if o.OptedOut == optedOut {
			continue
		}
		if _, err := db.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error {
			o.OptedOut = optedOut
			return nil
		}); err != nil {
			return fmt.Errorf("store: mark offer %s opted out: %w", o.ID, err)
		}
	}
	return nil
}
