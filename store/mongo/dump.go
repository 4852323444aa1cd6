package mongo

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
	"wijkhelpt/store"
)

// known returns the collection named name when Dump and Restore know it.
func (db *DB) known(name string) (*mongo.Collection, error) {
	if !slices.Contains(store.Collections, name) {
		return nil, fmt.Errorf("unknown collection %q", name)
	}
	return db.db.Collection(name), nil
}

// Dump calls fn with every document of the collection (one of
// store.Collections), in _id order, as BSON. The document is only valid
// during the call. An error from fn ends the dump and is returned as it is.
func (db *DB) Dump(ctx context.Context, collection string, fn func(doc bson.Raw) error) error {
	c, err := db.known(collection)
	if err != nil {
		return fmt.Errorf("store: dump: %w", err)
	}
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("store: dump %s: %w", collection, err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		if err := fn(cur.Current); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("store: dump %s: %w", collection, err)
	}
	return nil
}

// Restore stores documents that Dump gave, as they are (revisions
// included), skipping those whose _id is stored already, and returns how
// many it stored. It raises the revision counter above every revision
// restored first, so that no write after it sorts before a restored
// document, and publishes the requests and offers it stored.
func (db *DB) Restore(ctx context.Context, collection string, docs []bson.Raw) (int, error) {
	c, err := db.known(collection)
	if err != nil {
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	if len(docs) == 0 {
		return 0, nil
	}
	var (
		top    int64
		reqs   []wijkhelpt.Request
		offers []wijkhelpt.Offer
	)
	batch := make([]any, len(docs))
	for i, d := range docs {
		if err := d.Validate(); err != nil {
			return 0, fmt.Errorf("store: restore %s: document %d: %w", collection, i, err)
		}
		if rev, ok := d.Lookup("revision").AsInt64OK(); ok {
			top = max(top, rev)
		}
		batch[i] = d
	}
	// Decoded before anything is written: what is published must be
	// what was stored.
	switch collection {
	case collRequests:
		if reqs, err = decodeAll[wijkhelpt.Request](docs); err != nil {
			return 0, fmt.Errorf("store: restore %s: %w", collection, err)
		}
	case collOffers:
		if offers, err = decodeAll[wijkhelpt.Offer](docs); err != nil {
			return 0, fmt.Errorf("store: restore %s: %w", collection, err)
		}
	}
	if top > 0 {
		if err := db.raiseRevisions(ctx, top); err != nil {
			return 0, err
		}
	}
	failed, err := insertUnordered(ctx, c, batch)
	if err != nil {
		return 0, fmt.Errorf("store: restore %s: %w", collection, err)
	}
	db.Publish(store.Change{Requests: except(reqs, failed), Offers: except(offers, failed)})
	if err := db.storedAlready(ctx, c, docs, failed); err != nil {
		return len(docs) - len(failed), fmt.Errorf("store: restore %s: %w", collection, err)
	}
	return len(docs) - len(failed), nil
}

// storedAlready checks that the documents of docs at the positions failed,
// refused for a duplicate key, were refused for their _id. Any other clash
// (a restored request with a reference another request has) is an error.
func (db *DB) storedAlready(ctx context.Context, c *mongo.Collection, docs []bson.Raw, failed []int) error {
	if len(failed) == 0 {
		return nil
	}
	ids := make(bson.A, len(failed))
	for i, at := range failed {
		ids[i] = docs[at].Lookup("_id")
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return err
	}
	if clashes := int64(len(failed)) - n; clashes > 0 {
		// The _ids can be phone numbers or addresses: only a count.
		return fmt.Errorf("%d documents clash with stored ones on a unique key", clashes)
	}
	return nil
}

// decodeAll decodes every document as a T.
func decodeAll[T any](docs []bson.Raw) ([]T, error) {
	out := make([]T, len(docs))
	for i, d := range docs {
		if err := bson.Unmarshal(d, &out[i]); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
	}
	return out, nil
}
