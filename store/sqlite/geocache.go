package sqlite

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// Keys are addresses: they stay out of error texts.

// GetCachedLocation returns the location cached under key, and whether
// there was one.
func (db *DB) GetCachedLocation(ctx context.Context, key string) (wijkhelpt.Location, bool, error) {
	doc, found, err := db.findDoc(ctx, `SELECT doc FROM geocache WHERE id = ?`, key)
	if err != nil {
		return wijkhelpt.Location{}, false, fmt.Errorf("store: get cached location: %w", err)
	}
	if !found {
		return wijkhelpt.Location{}, false, nil
	}
	c, err := decode[store.CachedLocation](doc)
	if err != nil {
		return wijkhelpt.Location{}, false, fmt.Errorf("store: get cached location: %w", err)
	}
	return c.Location, true, nil
}

// PutCachedLocation caches loc under key, with the time it was fetched.
func (db *DB) PutCachedLocation(ctx context.Context, key string, loc wijkhelpt.Location) error {
	raw, err := bson.Marshal(&store.CachedLocation{Key: key, Location: loc, FetchedAt: db.now()})
	if err != nil {
		return fmt.Errorf("store: put cached location: %w", err)
	}
	return db.write(ctx, "put cached location", func(t *tx) (store.Change, error) {
		_, err := t.exec(`INSERT INTO geocache (id, doc) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, key, raw)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: put cached location: %w", err)
		}
		return store.Change{}, nil
	})
}
