package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wijkhelpt"
	"wijkhelpt/store"
)

// SetOptOut records that the number (E.164) opted out of SMS (STOP) or back
// in (START), and copies that onto the number's offers.
func (db *DB) SetOptOut(ctx context.Context, phone string, optedOut bool, at time.Time) error {
	if phone == "" {
		return errors.New("store: set opt-out: no phone number")
	}
	doc := store.OptOut{Phone: phone, OptedOut: optedOut, At: at}
	if err := upsert(ctx, db.optOuts, phone, &doc); err != nil {
		// The _id is a phone number: keep it out of error texts.
		return fmt.Errorf("store: set opt-out: %w", err)
	}
	return db.markOffersOptedOut(ctx, phone, optedOut)
}

// OptedOut reports whether the number (E.164) opted out of SMS.
func (db *DB) OptedOut(ctx context.Context, phone string) (bool, error) {
	var doc store.OptOut
	err := db.optOuts.FindOne(ctx, bson.D{{Key: "_id", Value: phone}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: opted out: %w", err)
	}
	return doc.OptedOut, nil
}

// markOffersOptedOut copies an SMS opt-out (or opt-in) of phone onto the
// offers with that number. The copy goes through UpdateOffer, so it takes a
// revision and every instance's matching engine sees it in the offer feed:
// an opted-out owner is not suggested unless they answer in the portal. A
// number has a handful of offers at most.
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

// optedOutNumbers returns the numbers that are opted out now. The list is
// short: only people who sent STOP are on it.
func (db *DB) optedOutNumbers(ctx context.Context) (map[string]bool, error) {
	docs, err := findAll[store.OptOut](ctx, db.optOuts, bson.D{{Key: "optedOut", Value: true}}, nil)
	if err != nil {
		return nil, fmt.Errorf("store: opted-out numbers: %w", err)
	}
	out := make(map[string]bool, len(docs))
	for _, d := range docs {
		out[d.Phone] = true
	}
	return out, nil
}

// settleOptOuts runs after new offers are stored with the opt-outs that
// were read before (known). A STOP or START that came in between was
// recorded before its SetOptOut looked for the number's offers; if that
// look came before the insert, it missed the new offer, and this read sees
// the change: it copies it onto the offers as SetOptOut would have.
func (db *DB) settleOptOuts(ctx context.Context, known map[string]bool, phones []string) error {
	now, err := db.optedOutNumbers(ctx)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, p := range phones {
		if p == "" || done[p] || now[p] == known[p] {
			continue
		}
		done[p] = true
		if err := db.markOffersOptedOut(ctx, p, now[p]); err != nil {
			return err
		}
	}
	return nil
}
