package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
	"wijkhelpt/store"
)

// CreateOffer stores a new offer and returns it as stored, with its
// revision. When an offer with the same import key exists, it returns that
// one and created = false. A number that opted out of SMS starts opted out.
// o itself is not changed.
func (db *DB) CreateOffer(ctx context.Context, o *wijkhelpt.Offer) (*wijkhelpt.Offer, bool, error) {
	if o == nil {
		return nil, false, errors.New("store: create offer: nil offer")
	}
	doc := *o
	if doc.ID == "" {
		doc.ID = wijkhelpt.NewID()
	}
	doc.SchemaVersion = wijkhelpt.SchemaVersion
	known, err := db.optedOutNumbers(ctx)
	if err != nil {
		return nil, false, err
	}
	doc.OptedOut = known[doc.Phone]
	rev, err := db.takeRevisions(ctx, 1)
	if err != nil {
		return nil, false, err
	}
	doc.Revision = rev
	_, err = db.offers.InsertOne(ctx, &doc)
	if err == nil {
		db.publish(nil, []*wijkhelpt.Offer{&doc})
		if err := db.settleOptOuts(ctx, known, []string{doc.Phone}); err != nil {
			return nil, false, err
		}
		stored, err := db.FindOffer(ctx, doc.ID)
		if err != nil {
			return nil, false, fmt.Errorf("store: create offer %s: %w", doc.ID, err)
		}
		return stored, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, false, fmt.Errorf("store: create offer %s: %w", doc.ID, err)
	}
	if doc.ImportKey != "" {
		stored := new(wijkhelpt.Offer)
		err := db.offers.FindOne(ctx, bson.D{{Key: "importKey", Value: doc.ImportKey}}).Decode(stored)
		if err == nil {
			return stored, false, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, false, fmt.Errorf("store: create offer %s: %w", doc.ID, err)
		}
	}
	return nil, false, fmt.Errorf("store: create offer %s: %w", doc.ID, store.OfferExists())
}

// FindOffer returns the offer with the given ID.
func (db *DB) FindOffer(ctx context.Context, id string) (*wijkhelpt.Offer, error) {
	o := new(wijkhelpt.Offer)
	if err := db.offers.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(o); err != nil {
		return nil, fmt.Errorf("store: find offer %s: %w", id, notFound(err, store.OfferNoun()))
	}
	return o, nil
}

// FindOffers returns one page of offers in ID order: those after f.After, at
// most f.Limit (default 50, at most 500). Query matches any part of the
// name, ignoring letter case; it is taken literally, never as a pattern.
func (db *DB) FindOffers(ctx context.Context, f wijkhelpt.OfferFilter) ([]*wijkhelpt.Offer, error) {
	filter := bson.D{}
	if f.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: f.After}}})
	}
	if f.Phone != "" {
		filter = append(filter, bson.E{Key: "phone", Value: f.Phone})
	}
	if f.UserID != "" {
		filter = append(filter, bson.E{Key: "userId", Value: f.UserID})
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		filter = append(filter, bson.E{Key: "name", Value: bson.Regex{Pattern: regexp.QuoteMeta(q), Options: "i"}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(limit(f.Limit, 50, 500))
	out, err := findAll[wijkhelpt.Offer](ctx, db.offers, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("store: find offers: %w", err)
	}
	return out, nil
}

// UpdateOffer changes an offer with fn, atomically, in the same way as
// UpdateRequest: the write goes through only when the revision is still the
// one read, else fn runs again on the newer version. A new phone number
// brings its own opt-out state with it.
func (db *DB) UpdateOffer(ctx context.Context, id string, fn func(*wijkhelpt.Offer) error) (*wijkhelpt.Offer, error) {
	change := func(o *wijkhelpt.Offer) error {
		before := o.Phone
		if err := fn(o); err != nil {
			return err
		}
		if o.Phone != before {
			out, err := db.OptedOut(ctx, o.Phone)
			if err != nil {
				return err
			}
			o.OptedOut = out
		}
		return nil
	}
	o, err := update(ctx, db, versioned[wijkhelpt.Offer]{
		coll: db.offers,
		noun: store.OfferNoun(),
		what: "offer",
		guard: func(old *wijkhelpt.Offer) bson.D {
			return bson.D{{Key: "revision", Value: old.Revision}}
		},
		stamp: func(old, next *wijkhelpt.Offer, rev int64, now time.Time) {
			next.ID = old.ID
			if next.UpdatedAt.Equal(old.UpdatedAt) {
				next.UpdatedAt = now
			}
			next.Revision = rev
			next.SchemaVersion = wijkhelpt.SchemaVersion
		},
		// Only the import key can clash: another offer has it.
		duplicate: func() error { return store.OfferExists() },
	}, id, change)
	if err != nil {
		return nil, err
	}
	db.publish(nil, []*wijkhelpt.Offer{o})
	return o, nil
}

// OffersChangedSince returns the offers written after revision rev, in
// revision order, at most limit (default 100, at most 1000). Follow it with
// a wijkhelpt.Cursor, as RequestsChangedSince.
func (db *DB) OffersChangedSince(ctx context.Context, rev int64, n int) ([]*wijkhelpt.Offer, error) {
	out, err := findAll[wijkhelpt.Offer](ctx, db.offers, changedSince(rev), changedPage(n))
	if err != nil {
		return nil, fmt.Errorf("store: offers changed since %d: %w", rev, err)
	}
	return out, nil
}

// CountOffers counts all offers.
func (db *DB) CountOffers(ctx context.Context) (int64, error) {
	n, err := db.offers.CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("store: count offers: %w", err)
	}
	return n, nil
}

// InsertOffers stores many new offers at once, for an import, and returns
// how many it stored. An offer whose import key (or ID) is already stored is
// skipped, so importing the same file twice adds nothing the second time.
// The offers share one block of revisions.
func (db *DB) InsertOffers(ctx context.Context, offers []*wijkhelpt.Offer) (int, error) {
	if len(offers) == 0 {
		return 0, nil
	}
	known, err := db.optedOutNumbers(ctx)
	if err != nil {
		return 0, err
	}
	last, err := db.takeRevisions(ctx, len(offers))
	if err != nil {
		return 0, err
	}
	docs := make([]wijkhelpt.Offer, len(offers))
	batch := make([]any, len(offers))
	phones := make([]string, len(offers))
	for i, o := range offers {
		if o == nil {
			return 0, fmt.Errorf("store: insert offers: nil offer at %d", i)
		}
		d := *o
		if d.ID == "" {
			d.ID = wijkhelpt.NewID()
		}
		d.SchemaVersion = wijkhelpt.SchemaVersion
		d.Revision = last - int64(len(offers)-1-i)
		d.OptedOut = known[d.Phone]
		docs[i] = d
		batch[i] = &docs[i]
		phones[i] = d.Phone
	}
	failed, err := insertUnordered(ctx, db.offers, batch)
	if err != nil {
		return 0, fmt.Errorf("store: insert offers: %w", err)
	}
	db.publish(nil, except(docs, failed))
	if err := db.settleOptOuts(ctx, known, phones); err != nil {
		return 0, err
	}
	return len(offers) - len(failed), nil
}
