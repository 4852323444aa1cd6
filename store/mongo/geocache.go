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

// GetCachedLocation returns the location cached under key, and whether
// there was one.
func (db *DB) GetCachedLocation(ctx context.Context, key string) (wijkhelpt.Location, bool, error) {
	var c store.CachedLocation
	err := db.geocache.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return wijkhelpt.Location{}, false, nil
	}
	if err != nil {
		// Keys are addresses: keep them out of error texts.
		return wijkhelpt.Location{}, false, fmt.Errorf("store: get cached location: %w", err)
	}
	return c.Location, true, nil
}

// PutCachedLocation caches loc under key, with the time it was fetched.
func (db *DB) PutCachedLocation(ctx context.Context, key string, loc wijkhelpt.Location) error {
	c := store.CachedLocation{Key: key, Location: loc, FetchedAt: time.Now()}
	if err := upsert(ctx, db.geocache, key, &c); err != nil {
		return fmt.Errorf("store: put cached location: %w", err)
	}
	return nil
}
